#if canImport(Glibc)
import Glibc
#endif
import EscortCore
import EscortTesting
import Foundation
import Testing

/// The gateway's PostgreSQL server goes away under it: engineers are told the gateway cannot
/// reach its store (not "Permission denied (publickey)", which sends them to check a key that is
/// fine), and the log says so once, not at every poll.
@Suite("escort serve when the store is lost", .serialized)
struct StoreOutageCLITests {
    static let available = BuiltProduct.path("escort") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")
        && PostgresServer.binaries() != nil

    @Test(.enabled(if: available))
    func engineersAreToldTheStoreIsLostAndTheLogSaysItOnce() async throws {
        let server = try await PostgresServer.start()
        var stopped = false
        defer { if !stopped { server.stop() } }
        let db = try await server.freshDatabase()
        let dir = TemporaryDirectory(prefix: "escort-outage")
        let escort = BuiltProduct.path("escort")!
        let url = "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)"
        let env = ProcessInfo.processInfo.environment.merging(["ESCORT_STORE_PASSWORD": db.password]) { $1 }
        let aliceKey = try SSHTestKeys.make(dir.file("alice"))
        let added = try await ChildProcess.run(escort, [
            "person", "add", "--store", url, "--name", "alice", "--display-name", "Alice", "--employer", "Acme",
            "--contractor", "Prime Co", "--citizenship", "US", "--residence", "US", "--location", "US",
            "--clearance", "secret", "--role", "engineer", "--key", aliceKey,
        ], currentDirectory: dir.path, environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        let serve = try InteractiveProcess(escort, [
            "serve", "--store", url, "--port", "0", "--signing-key", dir.file("gateway.key"), "--host-key", dir.file("host.key"),
            "--recordings", dir.file("recordings"), "--local-home", dir.file("targets"), "--heartbeat-seconds", "0.5",
        ], environment: env)
        let port = try await gatewayPort(serve)
        defer { kill(serve.pid, SIGKILL) }

        server.stop()
        stopped = true
        // The cluster link polls four times a second and the heartbeat twice: let them fail a while.
        try await Task.sleep(for: .seconds(3))
        let ssh = try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: dir.file("alice"), port: port, login: "alice", tty: false) + ["--", "echo never"])
        #expect(await ssh.waitForExit(timeout: 60) == 1, "\(ssh.output) \(ssh.errorOutput)")
        #expect(ssh.errorOutput.contains("the gateway cannot reach its store"), "\(ssh.errorOutput)")
        #expect(!ssh.errorOutput.contains("Permission denied"), "\(ssh.errorOutput)")
        #expect(!ssh.output.contains("never"))
        try await Task.sleep(for: .seconds(2))

        let lines = serve.errorOutput.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)).objectValue }
        let lost = lines.filter { $0["message"]?.stringValue == "the gateway cannot reach its store" }
        #expect(lost.count == 1, "\(lost)")
        #expect(lost.first?["level"]?.stringValue == "warning")
        // Five seconds of outage: a handful of lines (the loss, the refusal), not one per poll.
        let loud = lines.filter { ["warning", "error", "critical"].contains($0["level"]?.stringValue ?? "") }
        #expect(loud.count <= 6, "\(loud.map { $0["message"]?.stringValue ?? "" })")
    }
}
