/// Version 5, `nodes-v1`: gateway nodes and the sessions each has open.
///
/// - `gateway_node(node PRIMARY KEY, heartbeat)`: the last time each node said it was alive, by
///   the server's clock (so nodes whose clocks disagree still agree on who is late).
/// - `open_session(session PRIMARY KEY, node, opened)`: sessions a node opened and has not ended;
///   a dead node's rows are how another node knows to end them in the audit log.
enum V5Nodes {
    static let migration = PostgresMigration(version: 5, name: "nodes-v1", statements: [
        """
        CREATE TABLE gateway_node (
            node text PRIMARY KEY,
            heartbeat timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE open_session (
            session text PRIMARY KEY,
            node text NOT NULL,
            opened timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX open_session_node ON open_session(node)",
    ])
}
