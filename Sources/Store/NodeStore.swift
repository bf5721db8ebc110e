import Foundation

/// A session that a gateway node recorded as open and has not closed.
public struct OpenSession: Sendable, Hashable {
    public var session: String
    public var node: String
    /// When the node last said it was alive, by the store's clock; nil if it never did.
    public var lastHeartbeat: Date?

    public init(session: String, node: String, lastHeartbeat: Date?) {
        self.session = session
        self.node = node
        self.lastHeartbeat = lastHeartbeat
    }
}

/// Gateway nodes sharing one store: which are alive, and which sessions each has open, so that
/// when a node dies the next node to notice can end its sessions in the audit log.
///
/// Times are taken by the store (PostgreSQL's clock for every node of a cluster), so nodes whose
/// clocks disagree still agree on who is late.
public protocol NodeStore: Sendable {
    /// Records that `node` is alive now.
    func heartbeat(node: String) async throws
    /// Records `session` as open on `node` (before anything runs in it).
    func sessionOpened(_ session: String, node: String) async throws
    /// Forgets an open session. True for exactly one caller, the one that removed it: two nodes
    /// that both try to end a dead node's session cannot both succeed.
    func sessionClosed(_ session: String) async throws -> Bool
    /// Sessions open on nodes that have not beaten for `staleAfter` seconds (or never did).
    func orphanedSessions(staleAfter: TimeInterval) async throws -> [OpenSession]
    /// Forgets a node that has no open sessions left (a clean shutdown).
    func nodeStopped(_ node: String) async throws
}
