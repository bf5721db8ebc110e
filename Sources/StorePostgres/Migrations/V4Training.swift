/// Version 4, `training-v1`: escort-training results.
///
/// - `training_result(id PRIMARY KEY, person → person(name), scenario, scenario_set, scenario_sha256,
///   started_at, finished_at, passed, body)`: one row per completed run; times as Unix seconds;
///   `body` is the whole result as JSON. Indexed by (person, finished_at).
enum V4Training {
    static let migration = PostgresMigration(version: 4, name: "training-v1", statements: [
        """
        CREATE TABLE training_result (
            id text PRIMARY KEY,
            person text NOT NULL REFERENCES person(name),
            scenario text NOT NULL,
            scenario_set text NOT NULL,
            scenario_sha256 text NOT NULL,
            started_at double precision NOT NULL,
            finished_at double precision NOT NULL,
            passed boolean NOT NULL,
            body text NOT NULL
        )
        """,
        "CREATE INDEX training_result_person ON training_result(person, finished_at)",
    ])
}
