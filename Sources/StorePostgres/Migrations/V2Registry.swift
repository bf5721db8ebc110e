/// Version 2, `registry-v1`: people, their SSH keys, targets and tickets.
///
/// - `person(name PRIMARY KEY, body)`: `body` is the person as JSON (sorted keys, dates as Unix
///   seconds; `StoredJSON`), the source of truth;
/// - `person_key(blob bytea PRIMARY KEY, person, algorithm, comment)`: every registered key by its
///   wire-format blob; the primary key makes a key belong to one person only;
/// - `target(name PRIMARY KEY, impact_level, body)`;
/// - `ticket(id PRIMARY KEY, person, target, valid_from, valid_until, reason, granted_by, revoked_at)`
///   with times as Unix seconds in `double precision` (as SQLite's REAL: a `Date` reads back
///   exactly), indexed by (person, target, valid_from).
enum V2Registry {
    static let migration = PostgresMigration(version: 2, name: "registry-v1", statements: [
        "CREATE TABLE person (name text PRIMARY KEY, body text NOT NULL)",
        """
        CREATE TABLE person_key (
            blob bytea PRIMARY KEY,
            person text NOT NULL REFERENCES person(name) ON DELETE CASCADE,
            algorithm text NOT NULL,
            comment text NOT NULL
        )
        """,
        "CREATE INDEX person_key_person ON person_key(person)",
        "CREATE TABLE target (name text PRIMARY KEY, impact_level text NOT NULL, body text NOT NULL)",
        """
        CREATE TABLE ticket (
            id text PRIMARY KEY,
            person text NOT NULL REFERENCES person(name),
            target text NOT NULL REFERENCES target(name),
            valid_from double precision NOT NULL,
            valid_until double precision NOT NULL,
            reason text NOT NULL,
            granted_by text NOT NULL,
            revoked_at double precision
        )
        """,
        "CREATE INDEX ticket_person_target ON ticket(person, target, valid_from)",
    ])
}
