import GRDB

/// `registry-v1`: people, their SSH keys, targets and tickets.
///
/// - `person(name PRIMARY KEY, body)`: `body` is the person as JSON (sorted keys, dates as Unix
///   seconds), the source of truth;
/// - `person_key(blob PRIMARY KEY, person, algorithm, comment)`: every registered key, indexed by its
///   wire-format blob for the lookup at SSH authentication; the primary key makes a key belong
///   to one person only;
/// - `target(name PRIMARY KEY, impact_level, body)`;
/// - `ticket(id PRIMARY KEY, person, target, valid_from, valid_until, reason, granted_by, revoked_at)`
///   with times as Unix seconds (REAL), indexed by (person, target).
enum RegistryV1 {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE person (
                name TEXT PRIMARY KEY NOT NULL,
                body TEXT NOT NULL
            );
            CREATE TABLE person_key (
                blob BLOB PRIMARY KEY NOT NULL,
                person TEXT NOT NULL REFERENCES person(name) ON DELETE CASCADE,
                algorithm TEXT NOT NULL,
                comment TEXT NOT NULL
            );
            CREATE INDEX person_key_person ON person_key(person);
            CREATE TABLE target (
                name TEXT PRIMARY KEY NOT NULL,
                impact_level TEXT NOT NULL,
                body TEXT NOT NULL
            );
            CREATE TABLE ticket (
                id TEXT PRIMARY KEY NOT NULL,
                person TEXT NOT NULL REFERENCES person(name),
                target TEXT NOT NULL REFERENCES target(name),
                valid_from REAL NOT NULL,
                valid_until REAL NOT NULL,
                reason TEXT NOT NULL,
                granted_by TEXT NOT NULL,
                revoked_at REAL
            );
            CREATE INDEX ticket_person_target ON ticket(person, target, valid_from);
            """)
    }
}
