/// Version 1, `audit-v1`: the audit log's records and signed checkpoints.
///
/// - `audit_record(seq bigint PRIMARY KEY, hash bytea, body bytea)`: one row per record; the
///   primary key is what makes two writers' appends collide instead of interleave;
/// - `audit_checkpoint(id identity PRIMARY KEY, tree_size bigint, body bytea, signature bytea)`.
enum V1Audit {
    static let migration = PostgresMigration(version: 1, name: "audit-v1", statements: [
        """
        CREATE TABLE audit_record (
            seq bigint PRIMARY KEY,
            hash bytea NOT NULL,
            body bytea NOT NULL
        )
        """,
        """
        CREATE TABLE audit_checkpoint (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tree_size bigint NOT NULL,
            body bytea NOT NULL,
            signature bytea NOT NULL
        )
        """,
    ])
}
