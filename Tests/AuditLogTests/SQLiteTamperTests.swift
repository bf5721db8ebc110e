@testable import AuditLog
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// Tampering done the way someone with database access would: SQL against the real file.
@Suite("Tamper detection in the SQLite database")
struct SQLiteTamperTests {
    /// A log of 20 records with checkpoints every 5, written by the real AuditLog.
    func makeLog(_ dir: TemporaryDirectory) async throws -> SQLiteAuditStore {
        let store = try freshStore(dir)
        var config = AuditLogConfiguration()
        config.checkpointEveryRecords = 5
        let log = try await AuditLog.open(store: store, key: testKey, configuration: config)
        for i in 0..<20 { _ = try await log.append(sampleEvent(i)) }
        try await log.close()
        return store
    }

    func body(_ store: SQLiteAuditStore, _ seq: Int64) async throws -> [UInt8] {
        try #require(try await store.auditRecords(from: seq, limit: 1).first).body
    }

    func expectFailure(_ store: SQLiteAuditStore, _ kind: AuditVerificationFailure.Kind, at record: Int64) async throws {
        let result = try await store.verifyAuditLog(pinnedKey: testKey.publicKey)
        guard case .failure(let f) = result else {
            Issue.record("tampering was not detected")
            return
        }
        #expect(f.kind == kind, "\(f)")
        #expect(f.record == record, "\(f)")
    }

    @Test func flipAByte() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir)
        var b = try await body(store, 7)
        b[50] ^= 0x04
        try store.executeForTesting("UPDATE audit_record SET body = ? WHERE seq = 7", arguments: [Data(b)])
        try await expectFailure(store, .changed, at: 7)
    }

    @Test func deleteARecord() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir)
        try store.executeForTesting("DELETE FROM audit_record WHERE seq = 12")
        try await expectFailure(store, .missing, at: 12)
    }

    @Test func swapTwoRecords() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir)
        try store.executeForTesting("UPDATE audit_record SET seq = -1 WHERE seq = 3")
        try store.executeForTesting("UPDATE audit_record SET seq = 3 WHERE seq = 4")
        try store.executeForTesting("UPDATE audit_record SET seq = 4 WHERE seq = -1")
        try await expectFailure(store, .reordered, at: 3)
    }

    @Test func insertAForgedRecord() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir)
        let ninth = try #require(try await store.auditRecords(from: 9, limit: 1).first)
        let previous = try #require(AuditHash(bytes: ninth.hash))
        let forgery = try forged(seq: 10, previous: previous)
        try store.executeForTesting("UPDATE audit_record SET seq = seq + 1000 WHERE seq >= 10")
        try store.executeForTesting("UPDATE audit_record SET seq = seq - 999 WHERE seq >= 1000")
        try store.executeForTesting(
            "INSERT INTO audit_record (seq, hash, body) VALUES (10, ?, ?)", arguments: [Data(forgery.hash), Data(forgery.body)])
        try await expectFailure(store, .inserted, at: 10)
    }

    @Test func truncateAfterACheckpoint() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir)
        try store.executeForTesting("DELETE FROM audit_record WHERE seq > 17")
        try await expectFailure(store, .truncatedAfterCheckpoint, at: 18)
    }

    @Test func replaceACheckpointSignature() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir)
        try store.executeForTesting(
            "UPDATE audit_checkpoint SET signature = ? WHERE tree_size = 15", arguments: [Data(repeating: 0x42, count: 64)])
        try await expectFailure(store, .badSignature, at: 15)
    }

    @Test func aRowOfTheWrongTypeIsAnErrorNotACrash() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir)
        try store.executeForTesting("UPDATE audit_record SET hash = 42 WHERE seq = 5")
        await #expect(throws: StoreError.self) { try await store.verifyAuditLog(pinnedKey: nil) }
    }

    @Test func corruptAndTruncatedDatabasesGiveClearErrors() async throws {
        let dir = TemporaryDirectory()
        let original = try await makeLog(dir)
        try original.checkpointWALForTesting()
        let data = try Data(contentsOf: URL(fileURLWithPath: dir.file("audit.sqlite")))
        #expect(data.count > 12 * 1024)
        // Garbage.
        try Data("this is not a database".utf8).write(to: URL(fileURLWithPath: dir.file("garbage.sqlite")))
        #expect(throws: StoreError.self) { try SQLiteAuditStore(path: dir.file("garbage.sqlite"), create: false) }
        // Cut in half, and with every page after the header overwritten.
        for (name, bytes) in [
            ("half.sqlite", data.prefix(data.count / 2)),
            ("holed.sqlite", data.prefix(4096) + Data(repeating: 0xFF, count: data.count - 4096)),
        ] {
            try Data(bytes).write(to: URL(fileURLWithPath: dir.file(name)))
            do {
                let store = try SQLiteAuditStore(path: dir.file(name), create: false)
                let result = try await store.verifyAuditLog(pinnedKey: testKey.publicKey)
                if case .success(let c) = result { Issue.record("\(name) verified with \(c.size) records, \(c.checkpoints.count) checkpoints") }
            } catch let e as StoreError {
                #expect(!e.message.isEmpty)
            }
        }
        #expect(throws: StoreError.self) { try SQLiteAuditStore(path: dir.file("missing.sqlite"), create: false) }
    }
}

@Suite("Opening databases")
struct SQLiteOpenTests {
    @Test func aDatabaseWithoutAnAuditLogIsNotMistakenForAnEmptyLog() throws {
        let dir = TemporaryDirectory()
        let other = try SQLiteAuditStore(path: dir.file("other.sqlite"))
        try other.executeForTesting("DROP TABLE audit_record")
        let error = #expect(throws: StoreError.self) { try SQLiteAuditStore(path: dir.file("other.sqlite"), create: false) }
        #expect(error?.code == .notFound)
    }
}
