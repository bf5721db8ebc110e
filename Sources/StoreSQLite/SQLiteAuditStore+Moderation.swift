import Foundation
import GRDB
import Store

/// On SQLite every node shares one file on one machine; there are no notifications, so
/// recipients poll (``messageSignals(for:)`` never yields).
extension SQLiteAuditStore: ModerationStore {
    public func publishSummary(_ session: String, node: String, summary: Data) async throws -> Bool {
        try await storeWrite { db in
            try db.execute(sql: "UPDATE open_session SET summary = ? WHERE session = ? AND node = ?", arguments: [summary, session, node])
            return db.changesCount == 1
        }
    }

    public func openSessions(on node: String) async throws -> Set<String> {
        try await storeRead { db in
            Set(try String.fetchAll(db, sql: "SELECT session FROM open_session WHERE node = ?", arguments: [node]))
        }
    }

    public func sharedSessions(staleAfter: TimeInterval) async throws -> [SharedSession] {
        let cutoff = Date().timeIntervalSince1970 - staleAfter
        return try await storeRead { db in
            try Row.fetchAll(db, sql: """
                SELECT s.session, s.node, s.summary FROM open_session s JOIN gateway_node n ON n.node = s.node
                WHERE s.summary IS NOT NULL AND n.heartbeat >= ? ORDER BY s.opened, s.session
                """, arguments: [cutoff]).map { SharedSession(session: $0[0], node: $0[1], summary: $0[2]) }
        }
    }

    public func liveNodes(staleAfter: TimeInterval) async throws -> Set<String> {
        let cutoff = Date().timeIntervalSince1970 - staleAfter
        return try await storeRead { db in
            Set(try String.fetchAll(db, sql: "SELECT node FROM gateway_node WHERE heartbeat >= ?", arguments: [cutoff]))
        }
    }

    public func post(session: String, from: String, to: String, body: Data) async throws {
        try await storeWrite { db in
            try db.execute(sql: "INSERT INTO node_message (session, from_node, to_node, body, posted) VALUES (?, ?, ?, ?, ?)",
                           arguments: [session, from, to, body, Date().timeIntervalSince1970])
        }
    }

    public func takeMessages(to node: String) async throws -> [NodeMessage] {
        // A look first, so a node with nothing waiting (the usual case) takes no write lock.
        let waiting = try await storeRead { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM node_message WHERE to_node = ?)", arguments: [node]) ?? false
        }
        guard waiting else { return [] }
        return try await storeWrite { db in
            let messages = try Row.fetchAll(db, sql: """
                SELECT id, session, from_node, to_node, body FROM node_message WHERE to_node = ? ORDER BY id
                """, arguments: [node]).map { NodeMessage(id: $0[0], session: $0[1], from: $0[2], to: $0[3], body: $0[4]) }
            if let last = messages.last {
                try db.execute(sql: "DELETE FROM node_message WHERE to_node = ? AND id <= ?", arguments: [node, last.id])
            }
            return messages
        }
    }

    public func forgetMessages(olderThan: TimeInterval) async throws {
        try await storeWrite { db in
            try db.execute(sql: "DELETE FROM node_message WHERE posted < ?", arguments: [Date().timeIntervalSince1970 - olderThan])
        }
    }

    public nonisolated func messageSignals(for node: String) -> AsyncStream<Void> {
        AsyncStream { _ in }
    }
}
