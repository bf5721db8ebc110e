import Foundation
import Store

/// The behaviour every ``AuditStore`` backend must have, as one suite each backend's tests run:
/// `try await AuditStoreConformance.run { try MyStore(fresh…) }`.
///
/// It throws ``ConformanceFailure`` naming the first broken expectation (it does not depend on a
/// test framework, so benchmarks may link this module too).
public enum AuditStoreConformance {
    /// Runs every check, each against a fresh store from `makeStore`.
    public static func run(_ makeStore: () async throws -> any AuditStore) async throws {
        try await emptyStore(try await makeStore())
        try await appendsReadBackInOrder(try await makeStore())
        try await pagingAndCounts(try await makeStore())
        try await checkpointsAreOrderedBySize(try await makeStore())
        try await aFailedBatchWritesNothing(try await makeStore())
    }

    static func record(_ seq: Int64) -> StoredAuditRecord {
        StoredAuditRecord(
            sequence: seq, hash: [UInt8](repeating: UInt8(seq & 0xFF), count: 32),
            body: Array(#"{"seq":\#(seq),"bytes":"\u{00}\u{ff}"}"#.utf8) + [0x00, 0xFF])
    }

    static func check(_ condition: Bool, _ message: String) throws {
        if !condition { throw ConformanceFailure(message: message) }
    }

    static func emptyStore(_ s: any AuditStore) async throws {
        try check(try await s.auditRecordCount() == 0, "a new store has records")
        try check(try await s.lastAuditRecord() == nil, "a new store has a last record")
        try check(try await s.auditCheckpoints().isEmpty, "a new store has checkpoints")
    }

    static func appendsReadBackInOrder(_ s: any AuditStore) async throws {
        try await s.appendAudit(records: (1...3).map(record), checkpoints: [])
        try await s.appendAudit(records: (4...5).map(record), checkpoints: [])
        let all = try await s.auditRecords(from: 1, limit: 100)
        try check(all == (1...5).map(record), "records do not read back byte for byte, in order")
        try check(try await s.lastAuditRecord() == record(5), "the last record is wrong")
    }

    static func pagingAndCounts(_ s: any AuditStore) async throws {
        try await s.appendAudit(records: (1...10).map(record), checkpoints: [])
        try check(try await s.auditRecordCount() == 10, "the count is wrong")
        try check(try await s.auditRecords(from: 4, limit: 3).map(\.sequence) == [4, 5, 6], "paging from 4 by 3 is wrong")
        try check(try await s.auditRecords(from: 11, limit: 3).isEmpty, "reading past the end returns records")
    }

    static func checkpointsAreOrderedBySize(_ s: any AuditStore) async throws {
        let c = { (n: Int64) in StoredAuditCheckpoint(treeSize: n, body: Array("cp\(n)".utf8), signature: [UInt8](repeating: 1, count: 64)) }
        try await s.appendAudit(records: (1...2).map(record), checkpoints: [c(2)])
        try await s.appendAudit(records: (3...4).map(record), checkpoints: [c(4)])
        try check(try await s.auditCheckpoints() == [c(2), c(4)], "checkpoints do not read back in size order")
    }

    static func aFailedBatchWritesNothing(_ s: any AuditStore) async throws {
        try await s.appendAudit(records: [record(1)], checkpoints: [])
        // Record 1 again violates the unique sequence: the whole batch must fail and leave nothing.
        // The failure is a conflict (another writer got there first), told apart from other failures.
        let failure: (any Error)?
        do {
            let c = StoredAuditCheckpoint(treeSize: 2, body: Array("cp2".utf8), signature: [UInt8](repeating: 1, count: 64))
            try await s.appendAudit(records: [record(2), record(1)], checkpoints: [c])
            failure = nil
        } catch {
            failure = error
        }
        try check(failure != nil, "a batch repeating a sequence number was accepted")
        try check(
            (failure as? StoreError)?.code == .conflict,
            "a repeated sequence number is not reported as StoreError .conflict: \(failure.map { "\($0)" } ?? "")")
        try check(try await s.auditRecordCount() == 1, "a failed batch left records behind")
        try check(try await s.auditCheckpoints().isEmpty, "a failed batch left a checkpoint behind")
    }
}

/// A broken expectation in a conformance suite.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
