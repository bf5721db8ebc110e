import Foundation
import PostgresNIO
import Store

/// What someone with write access to the database can do, for the tamper-evidence tests only:
/// the audit log itself never edits or deletes a row.
extension PostgresStore {
    /// Deletes every checkpoint over more than `size` records.
    package func deleteAuditCheckpointsForTesting(above size: Int64) async throws {
        _ = try await rows("DELETE FROM audit_checkpoint WHERE tree_size > \(size)")
    }

    /// Deletes every record after `size`.
    package func deleteAuditRecordsForTesting(above size: Int64) async throws {
        _ = try await rows("DELETE FROM audit_record WHERE seq > \(size)")
    }

    /// Overwrites a stored record's hash and body.
    package func replaceAuditRecordForTesting(_ r: StoredAuditRecord) async throws {
        _ = try await rows("UPDATE audit_record SET hash = \(Data(r.hash)), body = \(Data(r.body)) WHERE seq = \(r.sequence)")
    }
}
