import Foundation
import Logging
import PostgresNIO
import Store

extension PostgresStore: ModerationStore {
    /// The channel on which posting a message notifies its recipient (the payload is its name).
    static let moderationChannel = "escort_moderation"

    public func publishSummary(_ session: String, node: String, summary: Data) async throws -> Bool {
        try await !rows("""
            UPDATE open_session SET summary = \(summary) WHERE session = \(session) AND node = \(node) RETURNING session
            """).isEmpty
    }

    public func openSessions(on node: String) async throws -> Set<String> {
        Set(try await rows("SELECT session FROM open_session WHERE node = \(node)").map { try decoded($0, String.self) })
    }

    public func sharedSessions(staleAfter: TimeInterval) async throws -> [SharedSession] {
        try await rows("""
            SELECT s.session, s.node, s.summary FROM open_session s JOIN gateway_node n ON n.node = s.node
            WHERE s.summary IS NOT NULL AND n.heartbeat >= now() - make_interval(secs => \(staleAfter))
            ORDER BY s.opened, s.session
            """).map { row in
            let (session, node, summary) = try decoded(row, (String, String, Data).self)
            return SharedSession(session: session, node: node, summary: summary)
        }
    }

    public func liveNodes(staleAfter: TimeInterval) async throws -> Set<String> {
        Set(try await rows("""
            SELECT node FROM gateway_node WHERE heartbeat >= now() - make_interval(secs => \(staleAfter))
            """).map { try decoded($0, String.self) })
    }

    public func post(session: String, from: String, to: String, body: Data) async throws {
        // One statement, so the notification goes out when (and only if) the message is stored.
        _ = try await rows("""
            WITH m AS (INSERT INTO node_message (session, from_node, to_node, body)
                       VALUES (\(session), \(from), \(to), \(body)) RETURNING to_node)
            SELECT pg_notify(\(Self.moderationChannel), to_node) FROM m
            """)
    }

    public func takeMessages(to node: String) async throws -> [NodeMessage] {
        try await rows("""
            DELETE FROM node_message WHERE to_node = \(node) RETURNING id, session, from_node, to_node, body
            """).map { row in
            let (id, session, from, to, body) = try decoded(row, (Int64, String, String, String, Data).self)
            return NodeMessage(id: id, session: session, from: from, to: to, body: body)
        }.sorted { $0.id < $1.id }
    }

    public func forgetMessages(olderThan: TimeInterval) async throws {
        _ = try await rows("DELETE FROM node_message WHERE posted < now() - make_interval(secs => \(olderThan))")
    }

    /// Listens on its own connection (a pooled one would go back to the pool), reconnecting after
    /// a second if the connection is lost; callers poll as well, so nothing waits on a lost one.
    public nonisolated func messageSignals(for node: String) -> AsyncStream<Void> {
        let configuration = configuration
        let logger = logger
        return AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let task = Task {
                while !Task.isCancelled {
                    do {
                        let connection = try await PostgresConnection.connect(
                            configuration: try Self.connectionConfiguration(configuration), id: 1, logger: logger)
                        do {
                            try await connection.listen(on: Self.moderationChannel) { notifications in
                                continuation.yield()  // anything posted before the listen began
                                for try await n in notifications where n.payload == node {
                                    continuation.yield()
                                }
                            }
                        } catch {}
                        try? await connection.close()
                    } catch {}
                    try? await Task.sleep(for: .seconds(1))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
