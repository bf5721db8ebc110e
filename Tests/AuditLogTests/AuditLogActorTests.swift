@testable import AuditLog
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

@Suite("AuditLog on SQLite")
struct AuditLogActorTests {
    @Test func appendsAreNumberedDurableAndVerify() async throws {
        let dir = TemporaryDirectory()
        let store = try freshStore(dir)
        let log = try await AuditLog.open(store: store, key: testKey)
        for i in 0..<10 {
            let r = try await log.append(sampleEvent(i))
            #expect(r.sequence == Int64(i + 1))
        }
        let cp = try #require(try await log.close())
        #expect(cp.treeSize == 10)
        #expect(try await store.auditRecordCount() == 10)
        let verified = try await store.verifyAuditLog(pinnedKey: testKey.publicKey).get()
        #expect(verified.size == 10)
        #expect(verified.unsignedRecords == 0)
        await #expect(throws: AuditError.self) { try await log.append(sampleEvent(0)) }
    }

    @Test func concurrentAppendsAreGroupCommittedWithoutGapsOrDuplicates() async throws {
        let dir = TemporaryDirectory()
        let store = try freshStore(dir)
        var config = AuditLogConfiguration()
        config.checkpointEveryRecords = 50
        let log = try await AuditLog.open(store: store, key: testKey, configuration: config)
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for i in 0..<300 { group.addTask { try await log.append(sampleEvent(i)).sequence } }
            var all: [Int64] = []
            for try await s in group { all.append(s) }
            return all
        }
        #expect(sequences.sorted() == Array(1...300))
        try await log.close()
        let verified = try await store.verifyAuditLog(pinnedKey: testKey.publicKey).get()
        #expect(verified.size == 300)
        #expect(verified.checkpoints.map(\.treeSize).prefix(6) == [50, 100, 150, 200, 250, 300])
    }

    @Test func reopeningContinuesTheChain() async throws {
        let dir = TemporaryDirectory()
        let store = try freshStore(dir)
        let first = try await AuditLog.open(store: store, key: testKey)
        for i in 0..<5 { _ = try await first.append(sampleEvent(i)) }
        try await first.close()
        let reopened = try await AuditLog.open(store: try SQLiteAuditStore(path: dir.file("audit.sqlite")), key: testKey)
        #expect(await reopened.size == 5)
        let r = try await reopened.append(sampleEvent(5))
        #expect(r.sequence == 6)
        try await reopened.close()
        let verified = try await store.verifyAuditLog(pinnedKey: testKey.publicKey).get()
        #expect(verified.size == 6)
        #expect(verified.checkpoints.map(\.treeSize) == [5, 6])
    }

    @Test func anEventThatCannotBeEncodedFailsAloneAndTheLogGoesOn() async throws {
        let dir = TemporaryDirectory()
        let log = try await AuditLog.open(store: try freshStore(dir), key: testKey)
        await #expect(throws: AuditError.self) {
            try await log.append(AuditEvent(code: .commandFinished, fields: ["seconds": .float(1.5)]))
        }
        #expect(try await log.append(sampleEvent(1)).sequence == 1)
    }

    @Test func verificationRunsAreRecordedInTheLog() async throws {
        let dir = TemporaryDirectory()
        let store = try freshStore(dir)
        let log = try await AuditLog.open(store: store, key: testKey)
        for i in 0..<3 { _ = try await log.append(sampleEvent(i)) }
        try await log.checkpoint()
        let result = try await store.verifyAuditLog(pinnedKey: testKey.publicKey)
        let r = try await log.append(.verificationRun(result, actor: "auditor"))
        let record = try AuditRecord(body: try #require(try await store.auditRecords(from: r.sequence, limit: 1).first).body)
        #expect(record.knownCode == .verificationRun)
        #expect(record.fields["result"] == "verified")
        #expect(record.fields["tree_size"] == 3)
    }

    @Test func aFailingStoreMakesAppendThrow() async throws {
        let log = try await AuditLog.open(store: FailingStore(), key: testKey)
        await #expect(throws: AuditError.self) { try await log.append(sampleEvent(0)) }
        #expect(await log.size == 0)
    }

    @Test func timedCheckpointsCoverIdleRecords() async throws {
        let dir = TemporaryDirectory()
        let store = try freshStore(dir)
        var config = AuditLogConfiguration()
        config.checkpointInterval = .milliseconds(100)
        let log = try await AuditLog.open(store: store, key: testKey, configuration: config)
        _ = try await log.append(sampleEvent(0))
        // The timer fires after 100 ms; under a loaded test run, wait (bounded) rather than guess.
        let deadline = ContinuousClock.now + .seconds(10)
        while try await store.auditCheckpoints().isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await store.auditCheckpoints().count >= 1)
        #expect(await log.latestCheckpoint?.treeSize == 1)
    }

    @Test func inclusionAndConsistencyProofsVerify() async throws {
        let dir = TemporaryDirectory()
        let store = try freshStore(dir)
        let log = try await AuditLog.open(store: store, key: testKey)
        for i in 0..<7 { _ = try await log.append(sampleEvent(i)) }
        let old = try #require(try await log.checkpoint())
        for i in 7..<13 { _ = try await log.append(sampleEvent(i)) }
        let new = try #require(try await log.close())
        for seq in Int64(1)...13 {
            let proof = try await store.auditInclusionProof(sequence: seq)
            #expect(proof.verify())
            #expect(proof.checkpoint.treeSize == 13)
        }
        let consistency = try await store.auditConsistencyProof(from: old, to: new)
        #expect(consistency.verify())
        await #expect(throws: AuditError.self) { try await store.auditInclusionProof(sequence: 14) }
    }
}

/// A store whose writes always fail.
struct FailingStore: AuditStore {
    func appendAudit(records: [StoredAuditRecord], checkpoints: [StoredAuditCheckpoint]) async throws {
        throw StoreError(.io, "disk full")
    }
    func lastAuditRecord() async throws -> StoredAuditRecord? { nil }
    func auditRecords(from sequence: Int64, limit: Int) async throws -> [StoredAuditRecord] { [] }
    func auditRecordCount() async throws -> Int64 { 0 }
    func auditCheckpoints() async throws -> [StoredAuditCheckpoint] { [] }
}
