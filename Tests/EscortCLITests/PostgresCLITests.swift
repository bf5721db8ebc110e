#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// The built `escort` on a PostgreSQL store: `--store postgres://…`, the password from the
/// environment or a file, never printed.
@Suite("escort on PostgreSQL")
struct PostgresCLITests {
    @Test func registryCommandsServeAndVerifyWorkOnAPostgresStore() async throws {
        let server = try await PostgresServer.shared()
        let db = try await server.freshDatabase()
        let cli = RegistryCLI()
        let escort = try #require(cli.escort, "build the escort executable first (swift build)")
        let url = "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)"
        let env = ["ESCORT_STORE_PASSWORD": db.password]
        func run(_ args: [String]) async throws -> ProcessResult {
            try await ChildProcess.run(escort, args, currentDirectory: cli.dir.path, environment: env)
        }
        // No key is made in the working directory for a PostgreSQL store: the node's key is given.
        let keyless = try await run(["person", "add", "--store", url, "--name", "alice", "--display-name", "Alice", "--employer", "Acme",
                                     "--contractor", "Prime Co", "--citizenship", "US", "--residence", "US", "--location", "US",
                                     "--clearance", "secret", "--role", "engineer", "--key", RegistryCLI.aliceKey])
        #expect(keyless.status != 0 && keyless.stderr.contains("--signing-key"), "\(keyless.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.dir.file("gateway.key")), "no key is made in the working directory")
        #expect(try await run(["audit", "key", "new", "--out", "gateway.key"]).status == 0)
        let add = try await run(["person", "add", "--store", url, "--signing-key", "gateway.key", "--name", "alice", "--display-name", "Alice", "--employer", "Acme",
                           "--contractor", "Prime Co", "--citizenship", "US", "--residence", "US", "--location", "US",
                           "--clearance", "secret", "--role", "engineer", "--key", RegistryCLI.aliceKey])
        #expect(add.status == 0, "\(add.stderr)")
        let list = try await run(["person", "list", "--store", url])
        #expect(list.status == 0 && list.stdout.contains("alice"), "\(list.stdout)\(list.stderr)")

        // The gateway on the same database, stopped with SIGTERM: it closes the log with a checkpoint.
        let serve = try InteractiveProcess(escort, [
            "serve", "--store", url, "--port", "0", "--signing-key", cli.dir.file("gateway.key"),
            "--host-key", cli.dir.file("host.key"), "--recordings", cli.dir.file("recordings"), "--local-home", cli.dir.file("targets"),
        ], environment: env)
        let listening = await serve.waitFor("Escort gateway listening on 127.0.0.1:", timeout: 60)
        #expect(listening, "\(serve.output)\(serve.errorOutput)")
        kill(serve.pid, SIGTERM)
        #expect(await serve.waitForExit(timeout: 30) == 0, "\(serve.errorOutput)")
        let records = try await server.query("SELECT count(*) FROM audit_record", database: db.name)
        #expect(records == ["3"], "person.add, the gateway's start and its audit.closed are in the log: \(records)")

        let verify = try await run(["audit", "verify", "--db", url])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aWrongPasswordIsRefusedWithoutBeingPrinted() async throws {
        let server = try await PostgresServer.shared()
        let db = try await server.freshDatabase()
        let cli = RegistryCLI()
        let escort = try #require(cli.escort, "build the escort executable first (swift build)")
        let wrong = "wrong-\(UUID().uuidString)"
        try (wrong + "\n").write(toFile: cli.dir.file("password"), atomically: true, encoding: .utf8)
        let url = "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)"
        let r = try await ChildProcess.run(
            escort, ["person", "list", "--store", url, "--store-password-file", cli.dir.file("password")],
            currentDirectory: cli.dir.path, environment: ["ESCORT_STORE_PASSWORD": db.password])
        #expect(r.status == 2)
        #expect(r.stderr.contains("STORE-003") && r.stderr.contains(db.name), "\(r.stderr)")
        #expect(!(r.stdout + r.stderr).contains(wrong), "the password was printed: \(r.stderr)")
        let inURL = try await ChildProcess.run(
            escort, ["person", "list", "--store", "postgres://\(db.user):\(wrong)@\(db.host):\(db.port)/\(db.name)"],
            currentDirectory: cli.dir.path)
        #expect(inURL.status == 2 && !(inURL.stdout + inURL.stderr).contains(wrong), "\(inURL.stderr)")
    }
}
