import Foundation
import Logging
import PostgresNIO
import Store

extension PostgresStore: AuditStore {
    /// Writes the batch in one transaction committed with `synchronous_commit = on`.
    ///
    /// - Throws: ``StoreError`` `.conflict` if a record's sequence number is already stored (another
    ///   gateway appended first: catch up and retry), in which case nothing of the batch is written.
    public func appendAudit(records: [StoredAuditRecord], checkpoints: [StoredAuditCheckpoint]) async throws {
        let logger = logger
        do {
            try await transaction { c in
                try await c.query("SET LOCAL synchronous_commit = on", logger: logger)
                try await Self.insert(records, checkpoints, on: c, logger)
            }
        } catch let e as StoreError where e.code == .duplicate {
            throw StoreError(.conflict, "\(e.message); another writer appended first, nothing of this batch was written")
        }
    }

    public func lastAuditRecord() async throws -> StoredAuditRecord? {
        try await rows("SELECT seq, hash, body FROM audit_record ORDER BY seq DESC LIMIT 1").first.map(Self.record)
    }

    public func auditRecords(from sequence: Int64, limit: Int) async throws -> [StoredAuditRecord] {
        try await rows("SELECT seq, hash, body FROM audit_record WHERE seq >= \(sequence) ORDER BY seq LIMIT \(Int64(limit))")
            .map(Self.record)
    }

    public func auditRecordCount() async throws -> Int64 {
        guard let row = try await rows("SELECT count(*) FROM audit_record").first else { return 0 }
        return try decoded(row, Int64.self)
    }

    public func auditCheckpoints() async throws -> [StoredAuditCheckpoint] {
        try await rows("SELECT tree_size, body, signature FROM audit_checkpoint ORDER BY tree_size, id").map(Self.checkpoint)
    }

    private static func record(_ row: PostgresRow) throws -> StoredAuditRecord {
        let (seq, hash, body) = try decoded(row, (Int64, Data, Data).self)
        return StoredAuditRecord(sequence: seq, hash: [UInt8](hash), body: [UInt8](body))
    }
}

extension PostgresStore: SerialisedAuditStore {
    /// The advisory-lock key every Escort writer takes to append ("Escort" + 1; the migrations
    /// use "Escort").
    static let auditAppendLockKey: Int64 = 0x4573_636F_7275

    public func appendAuditSerialised(
        after size: Int64,
        _ encode: @Sendable ([StoredAuditRecord], [StoredAuditCheckpoint]) async throws -> ([StoredAuditRecord], [StoredAuditCheckpoint])
    ) async throws {
        let logger = logger
        // The encoder's own error (a foreign record that does not verify) is rethrown as it is,
        // not as a storage error.
        var encoderError: (any Error)?
        do {
            try await transaction { c in
                try await c.query("SELECT pg_advisory_xact_lock(\(Self.auditAppendLockKey))", logger: logger)
                try await c.query("SET LOCAL synchronous_commit = on", logger: logger)
                let foreign = try await c.rows("SELECT seq, hash, body FROM audit_record WHERE seq > \(size) ORDER BY seq", logger)
                    .map(Self.record)
                let foreignCheckpoints = try await c.rows(
                    "SELECT tree_size, body, signature FROM audit_checkpoint WHERE tree_size > \(size) ORDER BY tree_size, id", logger
                ).map(Self.checkpoint)
                let records: [StoredAuditRecord], checkpoints: [StoredAuditCheckpoint]
                do {
                    (records, checkpoints) = try await encode(foreign, foreignCheckpoints)
                } catch {
                    encoderError = error
                    throw error
                }
                try await Self.insert(records, checkpoints, on: c, logger)
            }
        } catch let e as StoreError where e.code == .duplicate {
            throw StoreError(.conflict, "\(e.message); a writer that does not take turns appended first, nothing of this batch was written")
        } catch {
            if let encoderError { throw encoderError }
            throw error
        }
    }

    /// Inserts records and checkpoints in the caller's transaction.
    private static func insert(_ records: [StoredAuditRecord], _ checkpoints: [StoredAuditCheckpoint], on c: PostgresConnection, _ logger: Logger) async throws {
        for r in records {
            try await c.query(
                "INSERT INTO audit_record (seq, hash, body) VALUES (\(r.sequence), \(Data(r.hash)), \(Data(r.body)))",
                logger: logger)
        }
        for cp in checkpoints {
            try await c.query(
                "INSERT INTO audit_checkpoint (tree_size, body, signature) VALUES (\(cp.treeSize), \(Data(cp.body)), \(Data(cp.signature)))",
                logger: logger)
        }
    }

    private static func checkpoint(_ row: PostgresRow) throws -> StoredAuditCheckpoint {
        let (size, body, signature) = try decoded(row, (Int64, Data, Data).self)
        return StoredAuditCheckpoint(treeSize: size, body: [UInt8](body), signature: [UInt8](signature))
    }
}
