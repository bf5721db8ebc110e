import AuditLog
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// Two writers on one SQLite file, each with its own connection pool and its own `AuditLog`, as
/// a running gateway and an `escort report` (or a second gateway) would be.
@Suite("AuditLog with another writer")
struct OtherWriterTests {
    struct Pair {
        let dir = TemporaryDirectory()
        let storeA: SQLiteAuditStore
        let storeB: SQLiteAuditStore
        let a: AuditLog
        let b: AuditLog

        init() async throws {
            storeA = try freshStore(dir)
            storeB = try SQLiteAuditStore(path: dir.file("audit.sqlite"))
            // Checkpoints only where a test asks: on a loaded machine a timed one would land in
            // the middle of a test and change which checkpoint is the latest.
            var configuration = AuditLogConfiguration()
            configuration.checkpointInterval = .seconds(3600)
            a = try await AuditLog.open(store: storeA, key: testKey, configuration: configuration)
            b = try await AuditLog.open(store: storeB, key: testKey, configuration: configuration)
        }

        func verifiedSize() async throws -> Int64 {
            try await storeA.verifyAuditLog(pinnedKey: testKey.publicKey).get().size
        }
    }

    @Test func interleavedAppendsMakeOneChain() async throws {
        let p = try await Pair()
        var sequences: [Int64] = []
        for i in 0..<10 {
            sequences.append(try await p.a.append(sampleEvent(2 * i)).sequence)
            sequences.append(try await p.b.append(sampleEvent(2 * i + 1)).sequence)
        }
        #expect(sequences == Array(1...20))
        #expect(await p.a.size == 19)
        #expect(await p.b.size == 20)
        // A checkpoint signed by one writer is picked up by the other when it catches up.
        let signed = try #require(try await p.b.checkpoint())
        #expect(signed.treeSize == 20)
        #expect(try await p.a.append(sampleEvent(20)).sequence == 21)
        #expect(await p.a.latestCheckpoint == signed)
        try await p.a.close()
        try await p.b.close()
        #expect(try await p.verifiedSize() == 21)
    }

    @Test func concurrentAppendsFromTwoLogsMakeOneChain() async throws {
        let p = try await Pair()
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for i in 0..<200 {
                let log = i % 2 == 0 ? p.a : p.b
                group.addTask { try await log.append(sampleEvent(i)).sequence }
            }
            var all: [Int64] = []
            for try await s in group { all.append(s) }
            return all
        }
        #expect(sequences.sorted() == Array(1...200))
        try await p.a.close()
        try await p.b.close()
        #expect(try await p.verifiedSize() == 200)
    }

    @Test func aChangedForeignRecordStopsTheAppend() async throws {
        let p = try await Pair()
        _ = try await p.a.append(sampleEvent(0))
        _ = try await p.b.append(sampleEvent(1))
        _ = try await p.b.append(sampleEvent(2))
        // Someone edits record 3 (written by b) before a catches up.
        var body = try #require(try await p.storeA.auditRecords(from: 3, limit: 1).first).body
        body[40] ^= 0x01
        try p.storeA.executeForTesting("UPDATE audit_record SET body = ? WHERE seq = 3", arguments: [Data(body)])
        let error = await #expect(throws: AuditError.self) { try await p.a.append(sampleEvent(3)) }
        #expect(error?.code == .verificationFailed)
        #expect(error?.message.contains("record 3") == true, "\(String(describing: error))")
        #expect(try await p.storeA.auditRecordCount() == 3, "nothing may be appended after a record that does not verify")
        #expect(await p.a.size == 1, "the log adopts nothing from a catch-up that failed")
        // It keeps failing closed.
        await #expect(throws: AuditError.self) { try await p.a.append(sampleEvent(4)) }
        #expect(try await p.storeA.auditRecordCount() == 3)
    }

    @Test func aForeignRecordFromAnotherChainStopsTheAppend() async throws {
        let p = try await Pair()
        _ = try await p.a.append(sampleEvent(0))
        // A record 2 whose bytes match its hash but which follows another record 1 (a forked chain).
        var fork = AuditChainBuilder(key: testKey)
        try fork.append(sampleEvent(100))
        let forged = try fork.append(sampleEvent(101))
        try await p.storeB.appendAudit(records: [forged], checkpoints: [])
        let error = await #expect(throws: AuditError.self) { try await p.a.append(sampleEvent(1)) }
        #expect(error?.code == .verificationFailed)
        #expect(error?.message.contains("record 2") == true && error?.message.contains("prev") == true, "\(String(describing: error))")
        #expect(try await p.storeA.auditRecordCount() == 2)
    }
}
