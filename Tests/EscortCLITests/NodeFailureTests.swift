#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// A gateway node killed with SIGKILL mid-session: the engineer's connection drops, the command it
/// held is never run or approved, another node ends the session in the audit log (naming the dead
/// node), and the log still verifies. On SQLite the other node is the gateway started again on the
/// same file; on PostgreSQL it is a second gateway already running beside the first.
@Suite(.serialized)
struct NodeFailureTests {
    static let available = BuiltProduct.path("escort") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    enum Backend: String, CaseIterable, Sendable { case sqlite, postgres }

    @Test(.enabled(if: available), arguments: Backend.allCases)
    func aKilledNodesSessionIsEndedByTheNextNodeAndNothingItHeldRuns(_ backend: Backend) async throws {
        let escort = try #require(BuiltProduct.path("escort"))
        let dir = TemporaryDirectory(prefix: "escort-node-failure")
        var environment: [String: String] = [:]
        let store: String
        switch backend {
        case .sqlite:
            store = dir.file("escort.sqlite")
        case .postgres:
            let db = try await PostgresServer.shared().freshDatabase()
            store = "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)"
            environment["ESCORT_STORE_PASSWORD"] = db.password
        }
        func run(_ args: [String]) async throws -> ProcessResult {
            try await ChildProcess.run(escort, args, currentDirectory: dir.path, environment: environment)
        }
        let aliceKey = try SSHTestKeys.make(dir.file("alice"))
        let added = try await run(["person", "add", "--store", store, "--name", "alice", "--display-name", "Alice", "--employer", "Acme",
                                   "--contractor", "Prime Co", "--citizenship", "US", "--residence", "US", "--location", "US",
                                   "--clearance", "secret", "--role", "engineer", "--key", aliceKey])
        #expect(added.status == 0, "\(added.stderr)")
        let target = try await run(["target", "add", "--store", store, "--name", "web", "--impact-level", "IL2", "--owner", "ops", "--local"])
        #expect(target.status == 0, "\(target.stderr)")

        func node() async throws -> (InteractiveProcess, Int) {
            let serve = try InteractiveProcess(escort, [
                "serve", "--store", store, "--port", "0", "--signing-key", dir.file("gateway.key"),
                "--host-key", dir.file("host.key"), "--recordings", dir.file("recordings"), "--local-home", dir.file("targets"),
                "--heartbeat-seconds", "0.5",
            ], environment: environment)
            return (serve, try await gatewayPort(serve))
        }

        let (first, port) = try await node()
        // PostgreSQL: the second node runs beside the first from the start.
        let beside = backend == .postgres ? try await node().0 : nil
        let alice = try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: dir.file("alice"), port: port, login: "alice+web", tty: true))
        #expect(await alice.waitFor("web:"), "\(alice.output) \(alice.errorOutput)")
        alice.send("echo before-$((20+22))\r")
        #expect(await alice.waitFor("before-42"))
        alice.send("cat /etc/shadow\r")
        #expect(await alice.waitFor("held for"), "\(alice.output)")

        kill(first.pid, SIGKILL)
        #expect(await first.waitForExit(timeout: 30) != nil)
        // The engineer's connection drops with the node.
        #expect(await alice.waitForExit(timeout: 30) != nil, "the ssh client is still connected: \(alice.output)")

        let next: InteractiveProcess
        if let beside { next = beside } else { next = try await node().0 }
        // The next node notices within a few heartbeats and ends the session in the log.
        var ended: [[String: Any]] = []
        var records: [[String: Any]] = []
        for _ in 0..<60 {
            records = try await exported(run, store: store)
            ended = records.filter { $0["code"] as? String == "ESC-1002" }
            if !ended.isEmpty { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        kill(next.pid, SIGTERM)
        #expect(await next.waitForExit(timeout: 30) == 0, "\(next.errorOutput)")
        records = try await exported(run, store: store)

        let started = try #require(records.first { $0["code"] as? String == "ESC-1001" }, "no session.started in \(records)")
        let session = try #require(started["session"] as? String)
        let deadNode = try #require((started["fields"] as? [String: Any])?["node"] as? String, "session.started names no node")
        let endings = records.filter { $0["code"] as? String == "ESC-1002" && $0["session"] as? String == session }
        #expect(endings.count == 1, "the session was ended \(endings.count) times: \(endings)")
        let fields = endings.first?["fields"] as? [String: Any] ?? [:]
        #expect(fields["node"] as? String == deadNode)
        #expect((fields["reason"] as? String ?? "").contains("stopped answering"), "\(fields)")
        #expect(fields["ended_by"] as? String != deadNode && fields["ended_by"] != nil, "\(fields)")
        // The node that ended it tells its operators, at warning, naming the dead node.
        let declared = next.errorOutput.split(separator: "\n").filter { $0.contains(#""event":"node_declared_dead""#) }
        #expect(declared.count == 1 && declared.first?.contains(#""level":"warning""#) == true && declared.first?.contains(deadNode) == true, "\(next.errorOutput)")
        // Nothing the dead node held was approved or run.
        let held = records.filter { ["ESC-2004", "ESC-2006"].contains($0["code"] as? String) }
            .compactMap { ($0["fields"] as? [String: Any])?["command"] as? String }
        #expect(held.contains("echo before-$((20+22))"))
        #expect(!held.contains("cat /etc/shadow"), "the held command was approved or run: \(held)")
        #expect(records.contains { $0["code"] as? String == "ESC-2003" && ($0["fields"] as? [String: Any])?["command"] as? String == "cat /etc/shadow" })

        let verify = try await run(["audit", "verify", "--db", store, "--key", dir.file("gateway.key.pub")])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    /// The log's records as exported (`escort audit export`), each the record's JSON body.
    func exported(_ run: ([String]) async throws -> ProcessResult, store: String) async throws -> [[String: Any]] {
        let export = try await run(["audit", "export", "--db", store])
        guard export.status == 0 else { throw TestSetupError("audit export failed: \(export.stderr)") }
        return export.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["record"] as? [String: Any]
        }
    }
}
