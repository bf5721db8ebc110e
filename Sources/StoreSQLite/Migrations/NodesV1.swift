import GRDB

/// `nodes-v1`: gateway nodes and the sessions each has open.
///
/// - `gateway_node(node PRIMARY KEY, heartbeat)`: the last time each node said it was alive
///   (Unix seconds).
/// - `open_session(session PRIMARY KEY, node, opened)`: sessions a node opened and has not ended;
///   a dead node's rows are how another node knows to end them in the audit log.
enum NodesV1 {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE gateway_node (
                node TEXT PRIMARY KEY NOT NULL,
                heartbeat REAL NOT NULL
            );
            CREATE TABLE open_session (
                session TEXT PRIMARY KEY NOT NULL,
                node TEXT NOT NULL,
                opened REAL NOT NULL
            );
            CREATE INDEX open_session_node ON open_session(node);
            """)
    }
}
