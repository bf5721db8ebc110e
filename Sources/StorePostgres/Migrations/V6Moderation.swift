/// Version 6, `moderation-v1`: what gateway nodes share so an escort on one can decide a command
/// held on another.
///
/// - `open_session.summary`: the session as its node publishes it (JSON), for other nodes' lists.
/// - `node_message(id, session, from_node, to_node, body, posted)`: messages between nodes,
///   deleted as their recipient takes them. Posting one also sends `NOTIFY escort_moderation`
///   with the recipient's name, which wakes it at once.
enum V6Moderation {
    static let migration = PostgresMigration(version: 6, name: "moderation-v1", statements: [
        "ALTER TABLE open_session ADD COLUMN summary bytea",
        """
        CREATE TABLE node_message (
            id bigserial PRIMARY KEY,
            session text NOT NULL,
            from_node text NOT NULL,
            to_node text NOT NULL,
            body bytea NOT NULL,
            posted timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX node_message_to ON node_message(to_node, id)",
    ])
}
