import AuditLog
import Foundation
import Store

/// How every command that signs checkpoints gets the signing key: one path, so a mistyped
/// `--signing-key` never becomes a new key whose checkpoints no auditor's pinned key accepts.
enum SigningKeyOpening {
    /// The key at `path`. A missing key is created only as first-time setup: when the store's
    /// audit log is empty and either `firstTimeSetup` (`escort serve`, `escort demo`) or the path
    /// is the default one (nobody typed it). Otherwise a missing key is an error (AUDIT-006).
    static func key(path: String, explicit: Bool, store: any AuditStore, firstTimeSetup: Bool = false) async throws -> GatewaySigningKey {
        if FileManager.default.fileExists(atPath: path) { return try GatewaySigningKey.load(path: path) }
        let records = try await store.auditRecordCount()
        guard records == 0, firstTimeSetup || !explicit else {
            throw AuditError(
                .badKey,
                records > 0
                    ? "there is no signing key at \(path), and the audit log already holds \(records) records: give the gateway's key with --signing-key (a new key is made only at first-time setup, on an empty log)"
                    : "there is no signing key at \(path): give the gateway's key with --signing-key (a key is made only by `escort demo`, `escort serve`, or a command on a new store without --signing-key)")
        }
        return try GatewaySigningKey.loadOrCreate(path: path)
    }
}
