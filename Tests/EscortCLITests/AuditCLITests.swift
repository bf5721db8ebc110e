import AuditLog
import EscortTesting
import Foundation
import Recording
import Store
import StoreSQLite
import Testing

@Suite("escort audit and escort replay")
struct AuditCLITests {
    let escort: String?
    init() { escort = BuiltProduct.path("escort") }

    func run(_ args: [String], in dir: TemporaryDirectory) async throws -> ProcessResult {
        let path = try #require(escort, "build the escort executable first (swift build)")
        return try await ChildProcess.run(path, args, currentDirectory: dir.path)
    }

    /// A log with `n` records in `dir`/escort.sqlite, signed by the key in `dir`/gateway.key.
    func makeLog(_ dir: TemporaryDirectory, _ n: Int = 12, extra: [AuditEvent] = []) async throws -> GatewaySigningKey {
        let key = try GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key"))
        let store = try SQLiteAuditStore(path: dir.file("escort.sqlite"))
        var config = AuditLogConfiguration()
        config.checkpointEveryRecords = 5
        let log = try await AuditLog.open(store: store, key: key, configuration: config)
        for i in 0..<n {
            _ = try await log.append(AuditEvent(code: .commandSubmitted, session: "s1", actor: "alice", fields: ["command": .string("echo \(i)")]))
        }
        for e in extra { _ = try await log.append(e) }
        try await log.close()
        return key
    }

    @Test func verifyExportProveOnAHealthyLog() async throws {
        let dir = TemporaryDirectory()
        let key = try await makeLog(dir)
        let verify = try await run(["audit", "verify", "--key", key.publicKey.hex], in: dir)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("OK: 12 records verified"))
        #expect(!verify.stdout.contains("WARNING: no --key"))

        let unpinned = try await run(["audit", "verify"], in: dir)
        #expect(unpinned.status == 0)
        #expect(unpinned.stdout.contains("WARNING: no --key"))

        let export = try await run(["audit", "export", "--output", "log.jsonl"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let fromExport = try await run(["audit", "verify", "--export", "log.jsonl", "--key", dir.file("gateway.key.pub")], in: dir)
        #expect(fromExport.status == 0, "\(fromExport.stderr)")
        #expect(fromExport.stdout.contains("OK: 12 records verified"))

        let prove = try await run(["audit", "prove", "--record", "7", "--key", dir.file("gateway.key.pub")], in: dir)
        #expect(prove.status == 0, "\(prove.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(prove.stdout.utf8)) as? [String: Any]
        #expect(json?["record"] as? Int == 7)
        #expect(json?["tree_size"] as? Int == 12)
        #expect((json?["audit_path"] as? [String])?.isEmpty == false)

        let foreign = try await run(["audit", "prove", "--record", "7", "--key", GatewaySigningKey().publicKey.hex], in: dir)
        #expect(foreign.status == 1)
    }

    @Test func verifyNamesTheTamperedRecordAndExitsOne() async throws {
        let dir = TemporaryDirectory()
        _ = try await makeLog(dir)
        let store = try SQLiteAuditStore(path: dir.file("escort.sqlite"), create: false)
        try store.executeForTesting("DELETE FROM audit_record WHERE seq = 8")
        let result = try await run(["audit", "verify", "--db", "escort.sqlite", "--key", dir.file("gateway.key.pub")], in: dir)
        #expect(result.status == 1)
        #expect(result.stderr.contains("FAILED at record 8: missing"), "\(result.stderr)")
    }

    @Test func aForeignKeyFailsWithBadSignature() async throws {
        let dir = TemporaryDirectory()
        _ = try await makeLog(dir)
        let result = try await run(["audit", "verify", "--key", GatewaySigningKey().publicKey.base64], in: dir)
        #expect(result.status == 1)
        #expect(result.stderr.contains("badSignature"), "\(result.stderr)")
    }

    @Test func badInputGivesAClearErrorAndExitTwo() async throws {
        let dir = TemporaryDirectory()
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: dir.file("bad.sqlite")))
        try Data((#"{"format":"escort-audit-export","v":1}"# + "\n{\"hash\":").utf8).write(to: URL(fileURLWithPath: dir.file("cut.jsonl")))
        for args in [
            ["audit", "verify", "--db", "missing.sqlite"],
            ["audit", "verify", "--db", "bad.sqlite"],
            ["audit", "verify", "--export", "cut.jsonl"],
            ["audit", "verify", "--export", "missing.jsonl"],
            ["audit", "verify", "--key", "not-a-key", "--db", "bad.sqlite"],
            ["audit", "prove", "--record", "1", "--db", "missing.sqlite"],
            ["replay", "missing.cast"],
            ["audit", "verify", "--db", "bad.sqlite", "--export", "cut.jsonl"],
        ] {
            let result = try await run(args, in: dir)
            // 2: unreadable input; 64: a usage error caught by the argument parser.
            #expect(result.status == 2 || result.status == 64, "\(args): status \(result.status) \(result.stderr)")
            #expect(result.stderr.lowercased().contains("error:"), "\(args): \(result.stderr)")
        }
    }

    @Test func editedRecordingsFailVerification() async throws {
        let dir = TemporaryDirectory()
        let path = dir.file("s1.cast")
        let writer = try AsciicastWriter(path: path, header: AsciicastHeader(width: 80, height: 24))
        try writer.output(Array("$ whoami\r\nalice\r\n".utf8))
        let summary = try writer.close()
        _ = try await makeLog(dir, 3, extra: [.recordingClosed(session: "s1", path: path, sha256: summary.sha256, bytes: summary.bytes)])

        let ok = try await run(["audit", "verify", "--recordings", dir.path], in: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("Recordings: 1 checked"))

        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "alice", with: "bob")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let edited = try await run(["audit", "verify", "--recordings", dir.path], in: dir)
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("was changed"), "\(edited.stderr)")
    }

    @Test func replayPlaysARecording() async throws {
        let dir = TemporaryDirectory()
        let writer = try AsciicastWriter(path: dir.file("r.cast"), header: AsciicastHeader(width: 80, height: 24))
        try writer.output(Array("first line\r\n".utf8))
        try writer.marker("command: ls")
        try writer.output(Array("second line\r\n".utf8))
        _ = try writer.close()
        let result = try await run(["replay", "r.cast", "--speed", "50"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "first line\r\nsecond line\r\n")
    }
}
