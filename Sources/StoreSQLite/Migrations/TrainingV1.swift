import GRDB

/// `training-v1`: escort-training results.
///
/// - `training_result(id PRIMARY KEY, person, scenario, scenario_set, scenario_sha256, started_at,
///   finished_at, passed, body)`: one row per completed run; times as Unix seconds (REAL); `body`
///   is the whole result as JSON. Indexed by (person, finished_at).
enum TrainingV1 {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE training_result (
                id TEXT PRIMARY KEY NOT NULL,
                person TEXT NOT NULL REFERENCES person(name),
                scenario TEXT NOT NULL,
                scenario_set TEXT NOT NULL,
                scenario_sha256 TEXT NOT NULL,
                started_at REAL NOT NULL,
                finished_at REAL NOT NULL,
                passed INTEGER NOT NULL,
                body TEXT NOT NULL
            );
            CREATE INDEX training_result_person ON training_result(person, finished_at);
            """)
    }
}
