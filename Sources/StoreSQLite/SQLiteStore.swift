/// SQLite storage (GRDB).
///
/// - ``SQLiteAuditStore``: the audit log's tables.
import GRDB
