import Foundation
import GRDB
import Store

extension SQLiteAuditStore: NodeStore {
    public func heartbeat(node: String) async throws {
        try await storeWrite { db in
            try db.execute(
                sql: "INSERT INTO gateway_node (node, heartbeat) VALUES (?, ?) ON CONFLICT(node) DO UPDATE SET heartbeat = excluded.heartbeat",
                arguments: [node, Date().timeIntervalSince1970])
        }
    }

    public func sessionOpened(_ session: String, node: String) async throws {
        try await storeWrite { db in
            try db.execute(sql: "INSERT INTO open_session (session, node, opened) VALUES (?, ?, ?)",
                           arguments: [session, node, Date().timeIntervalSince1970])
        }
    }

    public func sessionClosed(_ session: String) async throws -> Bool {
        try await storeWrite { db in
            try db.execute(sql: "DELETE FROM open_session WHERE session = ?", arguments: [session])
            return db.changesCount == 1
        }
    }

    public func orphanedSessions(staleAfter: TimeInterval) async throws -> [OpenSession] {
        let cutoff = Date().timeIntervalSince1970 - staleAfter
        return try await storeRead { db in
            try Row.fetchAll(db, sql: """
                SELECT s.session, s.node, n.heartbeat FROM open_session s LEFT JOIN gateway_node n ON n.node = s.node
                WHERE n.heartbeat IS NULL OR n.heartbeat < ? ORDER BY s.opened, s.session
                """, arguments: [cutoff]).map { row in
                OpenSession(session: row[0], node: row[1], lastHeartbeat: (row[2] as Double?).map { Date(timeIntervalSince1970: $0) })
            }
        }
    }

    public func nodeStopped(_ node: String) async throws {
        try await storeWrite { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM open_session WHERE node = ?", arguments: [node]) == 0 else { return }
            try db.execute(sql: "DELETE FROM gateway_node WHERE node = ?", arguments: [node])
        }
    }
}
