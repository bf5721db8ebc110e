@testable import AuditLog
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// Verification from a store reads, hashes and verifies in three overlapping stages: every record
/// arrives once, in order, with its own digest, whatever the chunk size, and tampering is found at
/// the same record whether or not it sits on a chunk boundary.
@Suite("Pipelined verification from a store")
struct PipelinedVerificationTests {
    func makeLog(_ dir: TemporaryDirectory, records: Int) async throws -> SQLiteAuditStore {
        let store = try freshStore(dir)
        var config = AuditLogConfiguration()
        config.checkpointEveryRecords = 10
        let log = try await AuditLog.open(store: store, key: testKey, configuration: config)
        for i in 0..<records { _ = try await log.append(sampleEvent(i)) }
        try await log.close()
        return store
    }

    @Test func everyRecordOnceInOrderWithItsOwnDigest() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir, records: 1200)
        for chunk in [7, 600, 1025, 1199, 1200, 1201, 20_000] {
            var seen: [Int64] = []
            try await store.forEachDigestedAuditChunk(chunk: chunk) { rows, digests in
                #expect(rows.count == digests.count)
                for (r, d) in zip(rows, digests) {
                    #expect(d.leafHash == MerkleTree.leafHash(r.body) && (try? d.links.get().sequence) == r.sequence)
                    seen.append(r.sequence)
                }
                return true
            }
            #expect(seen == Array(1...1200), "chunk \(chunk): \(seen.count) records")
            #expect(try await store.verifyAuditLog(pinnedKey: testKey.publicKey, chunk: chunk).get().size == 1200)
        }
        // Stopping early stops.
        var chunks = 0
        try await store.forEachDigestedAuditChunk(chunk: 100) { _, _ in chunks += 1; return chunks < 3 }
        #expect(chunks == 3)
    }

    @Test func tamperingOnAChunkBoundaryIsFoundWhereItIs() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeLog(dir, records: 1500)
        // Swap records 1024 and 1025: the boundary of 1024-record chunks; inside a 1500-record chunk
        // hashed in two halves (as it was when the hashing was split in two).
        let a = try #require(try await store.auditRecords(from: 1024, limit: 1).first)
        let b = try #require(try await store.auditRecords(from: 1025, limit: 1).first)
        try await store.replaceAuditRecordForTesting(StoredAuditRecord(sequence: 1024, hash: b.hash, body: b.body))
        try await store.replaceAuditRecordForTesting(StoredAuditRecord(sequence: 1025, hash: a.hash, body: a.body))
        var found: [AuditVerificationFailure] = []
        for chunk in [1024, 1025, 1500, 16_384] {
            guard case .failure(let f) = try await store.verifyAuditLog(pinnedKey: testKey.publicKey, chunk: chunk) else {
                Issue.record("chunk \(chunk): the swap was not found")
                continue
            }
            found.append(f)
        }
        #expect(Set(found).count == 1, "\(found)")
        #expect(found.first?.kind == .reordered && found.first?.record == 1024, "\(found)")
    }
}
