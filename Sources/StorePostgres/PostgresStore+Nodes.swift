import Foundation
import PostgresNIO
import Store

extension PostgresStore: NodeStore {
    public func heartbeat(node: String) async throws {
        _ = try await rows("""
            INSERT INTO gateway_node (node, heartbeat) VALUES (\(node), now())
            ON CONFLICT (node) DO UPDATE SET heartbeat = excluded.heartbeat
            """)
    }

    public func sessionOpened(_ session: String, node: String) async throws {
        _ = try await rows("INSERT INTO open_session (session, node) VALUES (\(session), \(node))")
    }

    public func sessionClosed(_ session: String) async throws -> Bool {
        try await !rows("DELETE FROM open_session WHERE session = \(session) RETURNING session").isEmpty
    }

    public func orphanedSessions(staleAfter: TimeInterval) async throws -> [OpenSession] {
        try await rows("""
            SELECT s.session, s.node, extract(epoch FROM n.heartbeat)::double precision
            FROM open_session s LEFT JOIN gateway_node n ON n.node = s.node
            WHERE n.heartbeat IS NULL OR n.heartbeat < now() - make_interval(secs => \(staleAfter))
            ORDER BY s.opened, s.session
            """).map { row in
            let (session, node, beat) = try decoded(row, (String, String, Double?).self)
            return OpenSession(session: session, node: node, lastHeartbeat: beat.map { Date(timeIntervalSince1970: $0) })
        }
    }

    public func nodeStopped(_ node: String) async throws {
        _ = try await rows("""
            DELETE FROM gateway_node WHERE node = \(node)
            AND NOT EXISTS (SELECT 1 FROM open_session WHERE node = \(node))
            """)
    }
}
