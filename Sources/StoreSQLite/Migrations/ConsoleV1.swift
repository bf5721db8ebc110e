import GRDB

/// `console-v1`: web-console credentials.
///
/// - `console_credential(person PRIMARY KEY → person(name), password_hash, totp_secret, updated)`:
///   `password_hash` is the KDF's encoded form (`scrypt$N$r$p$salt$hash`), never a password;
///   `updated` in Unix seconds.
enum ConsoleV1 {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE console_credential (
                person TEXT PRIMARY KEY NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                password_hash TEXT NOT NULL,
                totp_secret TEXT,
                updated REAL NOT NULL
            );
            """)
    }
}
