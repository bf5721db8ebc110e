/// Version 3, `console-v1`: web-console credentials.
///
/// - `console_credential(person PRIMARY KEY → person(name), password_hash, totp_secret, updated)`:
///   `password_hash` is the KDF's encoded form, never a password; `updated` in Unix seconds.
enum V3Console {
    static let migration = PostgresMigration(version: 3, name: "console-v1", statements: [
        """
        CREATE TABLE console_credential (
            person text PRIMARY KEY REFERENCES person(name) ON DELETE CASCADE,
            password_hash text NOT NULL,
            totp_secret text,
            updated double precision NOT NULL
        )
        """,
    ])
}
