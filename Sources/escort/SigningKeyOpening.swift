import AuditLog
import Foundation
import Store
import StorePostgres

/// How every command that signs checkpoints gets the signing key: one path, so a mistyped
/// `--signing-key` never becomes a new key whose checkpoints no auditor's pinned key accepts.
enum SigningKeyOpening {
    /// The key a command uses when `--signing-key` is not given: `gateway.key` beside a SQLite
    /// store. A PostgreSQL store has no folder of its own, and the command-line tool never keeps
    /// a key in whatever directory it was started in, so there `--signing-key` is required.
    static func defaultPath(forStore text: String) throws -> String {
        guard !PostgresStoreConfiguration.isURL(text) else {
            throw AuditError(
                .badKey,
                "a PostgreSQL store has no folder to keep a signing key in: give this node's key with --signing-key PATH (the key `escort serve` uses on this node, or one made with `escort audit key new` and certified by the deployment's trust root; see docs/cluster.md). The command-line tool never makes a key in its working directory")
        }
        return StoreLocation.baseDirectory(of: text).appendingPathComponent("gateway.key").path
    }

    /// The key at `path`. A missing key is created only as first-time setup: when the store's
    /// audit log is empty and either `firstTimeSetup` (`escort serve`, `escort demo`) or the path
    /// is the default one beside a new SQLite store (nobody typed it; the command says so on
    /// standard error). Otherwise a missing key is an error (AUDIT-006).
    static func key(path: String, explicit: Bool, store: any AuditStore, firstTimeSetup: Bool = false) async throws -> GatewaySigningKey {
        if FileManager.default.fileExists(atPath: path) { return try GatewaySigningKey.load(path: path) }
        let records = try await store.auditRecordCount()
        guard records == 0, firstTimeSetup || !explicit else {
            throw AuditError(
                .badKey,
                records > 0
                    ? "there is no signing key at \(path), and the audit log already holds \(records) records: give the gateway's key with --signing-key (a new key is made only at first-time setup, on an empty log)"
                    : "there is no signing key at \(path): give the gateway's key with --signing-key (a key is made only by `escort demo`, `escort serve`, `escort audit key new`, or a command on a new SQLite store without --signing-key)")
        }
        let key = try GatewaySigningKey.loadOrCreate(path: path)
        if !firstTimeSetup {
            printError("escort: made the signing key \(path) for this new store's empty audit log (public key \(path).pub, \(key.publicKey.fingerprint)); keep it: every later command that writes this store needs it")
        }
        return key
    }
}
