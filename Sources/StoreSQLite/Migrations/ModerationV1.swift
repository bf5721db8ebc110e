import GRDB

/// `moderation-v1`: what gateway nodes share so an escort on one can decide a command held on
/// another.
///
/// - `open_session.summary`: the session as its node publishes it (JSON), for other nodes' lists.
/// - `node_message(id, session, from_node, to_node, body, posted)`: messages between nodes,
///   deleted as their recipient takes them.
enum ModerationV1 {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE open_session ADD COLUMN summary BLOB;
            CREATE TABLE node_message (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                session TEXT NOT NULL,
                from_node TEXT NOT NULL,
                to_node TEXT NOT NULL,
                body BLOB NOT NULL,
                posted REAL NOT NULL
            );
            CREATE INDEX node_message_to ON node_message(to_node, id);
            """)
    }
}
