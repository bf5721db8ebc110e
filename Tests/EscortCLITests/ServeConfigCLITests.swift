#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// `escort serve --config FILE` with the real binary: bad values stop it before anything starts,
/// flags override the file, and a password given by file is never printed.
@Suite("escort serve --config")
struct ServeConfigCLITests {
    static let available = BuiltProduct.path("escort") != nil

    /// Each bad file (beside a store that does not exist yet) and what the error must say.
    static let bad: [(String, String)] = [
        ("[gateway]\nport = 70000", "escort.toml: gateway.port: must be 0…65535, got 70000"),
        ("[gateway]\nport = \"22\"", "escort.toml: gateway.port: must be an integer, got a string"),
        ("[gateway]\nlisten_on = \"0.0.0.0\"", "escort.toml: gateway.listen_on: unknown key"),
        ("[log]\nlevel = \"loud\"", "escort.toml: log.level: must be one of"),
        ("[store]\npassword = \"s3cret-inline\"", "escort.toml: store.password: a password is never written"),
        ("[store]\nlocation = \"postgres://u@h/d\"\npassword_file = \"missing-password\"", "escort.toml: store.password_file: cannot read the password file"),
        ("[store]\nlocation = \"postgres://u@h/d\"\npassword_env = \"ESCORT_TEST_UNSET_VARIABLE\"", "escort.toml: store.password_env: the environment variable ESCORT_TEST_UNSET_VARIABLE is not set"),
        ("[policy]\nfile = \"no-such-policy.toml\"", "escort.toml: policy.file: "),
        ("[web]\nport = 0\nlisten = \"0.0.0.0\"", "escort.toml: web.listen: the web console serves plain HTTP only on loopback"),
        ("[web]\nport = 0\nplayer_assets = \"no-player-here\"", "escort.toml: web.player_assets: "),
    ]

    @Test(.enabled(if: available), arguments: bad)
    func aBadValueStopsStartUpNamingTheFileAndField(_ toml: String, _ expected: String) async throws {
        let dir = TemporaryDirectory(prefix: "escort-serve-config")
        try (toml + "\n[operations]\nport = 0\n").write(toFile: dir.file("escort.toml"), atomically: true, encoding: .utf8)
        let r = try await ChildProcess.run(
            BuiltProduct.path("escort")!, ["serve", "--config", "escort.toml", "--store", dir.file("escort.sqlite"), "--port", "0"],
            currentDirectory: dir.path)
        #expect(r.status == 78, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains(expected), "\(r.stderr)")
        #expect(!r.stdout.contains("listening"), "\(r.stdout)")
        #expect(!r.stderr.contains("s3cret-inline"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("escort.sqlite")), "the store was opened")
        #expect(!FileManager.default.fileExists(atPath: dir.file("gateway.key")), "the signing key was created")
    }

    @Test(.enabled(if: available))
    func aFlagOverridesTheFileAndIsNamedWhenBad() async throws {
        let dir = TemporaryDirectory(prefix: "escort-serve-config")
        try "[gateway]\nport = 2222\n".write(toFile: dir.file("escort.toml"), atomically: true, encoding: .utf8)
        let r = try await ChildProcess.run(BuiltProduct.path("escort")!, ["serve", "--config", dir.file("escort.toml"), "--port", "99999"], currentDirectory: dir.path)
        #expect(r.status == 78)
        #expect(r.stderr.contains("--port: must be 0…65535, got 99999"), "\(r.stderr)")

        // The file's port 2222 is overridden by --port 0, its store by --store.
        let serve = try InteractiveProcess(BuiltProduct.path("escort")!, [
            "serve", "--config", dir.file("escort.toml"), "--port", "0", "--store", dir.file("flag.sqlite"),
        ])
        #expect(await serve.waitFor("Escort gateway listening on 127.0.0.1:"), "\(serve.output) \(serve.errorOutput)")
        #expect(!serve.output.contains("127.0.0.1:2222"), "\(serve.output)")
        #expect(FileManager.default.fileExists(atPath: dir.file("flag.sqlite")))
        kill(serve.pid, SIGTERM)
        #expect(await serve.waitForExit(timeout: 30) == 0, "\(serve.errorOutput)")
    }

    /// On PostgreSQL, the password given by `store.password_file` works and never reaches stdout
    /// or stderr (logs at debug level included).
    @Test(.enabled(if: available))
    func aPasswordFromAFileIsNeverPrinted() async throws {
        let server = try await PostgresServer.shared()
        let db = try await server.freshDatabase()
        let dir = TemporaryDirectory(prefix: "escort-serve-config")
        try (db.password + "\n").write(toFile: dir.file("db-password"), atomically: true, encoding: .utf8)
        try """
            [store]
            location = "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)"
            password_file = "db-password"
            [gateway]
            port = 0
            host_key = "host.key"
            recordings = "recordings"
            local_home = "targets"
            [audit]
            signing_key = "gateway.key"
            [log]
            level = "trace"
            [operations]
            port = 0
            """.write(toFile: dir.file("escort.toml"), atomically: true, encoding: .utf8)
        let serve = try InteractiveProcess(BuiltProduct.path("escort")!, ["serve", "--config", dir.file("escort.toml")])
        #expect(await serve.waitFor("Escort gateway listening on 127.0.0.1:"), "\(serve.output) \(serve.errorOutput)")
        #expect(serve.errorOutput.contains(#""store":"postgres""#), "\(serve.errorOutput)")
        kill(serve.pid, SIGTERM)
        #expect(await serve.waitForExit(timeout: 30) == 0, "\(serve.errorOutput)")
        #expect(!(serve.output + serve.errorOutput).contains(db.password), "the password was printed")
        // Relative paths are the file's folder's (not the test's working directory, the package).
        #expect(FileManager.default.fileExists(atPath: dir.file("gateway.key")))
        #expect(FileManager.default.fileExists(atPath: dir.file("host.key")))
    }
}
