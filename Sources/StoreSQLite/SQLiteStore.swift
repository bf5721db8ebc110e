/// SQLite storage (GRDB).
///
/// - ``SQLiteAuditStore``: one database file holding the audit log's tables and the registry
///   (it conforms to both `AuditStore` and `RegistryStore`).
/// - ``SQLiteStore``: the same type under a name that says so.
import GRDB

/// The gateway's SQLite store: audit log and registry in one file.
public typealias SQLiteStore = SQLiteAuditStore
