import GRDB

/// `audit-v1`: the audit log's records and signed checkpoints.
enum AuditV1 {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE audit_record (
                seq INTEGER PRIMARY KEY NOT NULL,
                hash BLOB NOT NULL,
                body BLOB NOT NULL
            );
            CREATE TABLE audit_checkpoint (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tree_size INTEGER NOT NULL,
                body BLOB NOT NULL,
                signature BLOB NOT NULL
            );
            """)
    }
}
