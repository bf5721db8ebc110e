import Foundation

/// A live session as every node of a cluster lists it: the node that runs it and what it
/// published about it (an opaque JSON summary the gateway writes and reads).
public struct SharedSession: Sendable, Hashable {
    public var session: String
    public var node: String
    public var summary: Data

    public init(session: String, node: String, summary: Data) {
        self.session = session
        self.node = node
        self.summary = summary
    }
}

/// A message from one gateway node to another about one session (an escort's request, or what
/// the session's node tells the escort's node). The body is opaque JSON the gateway writes.
public struct NodeMessage: Sendable, Hashable {
    /// Increasing in the order one node posted its messages.
    public var id: Int64
    public var session: String
    public var from: String
    public var to: String
    public var body: Data

    public init(id: Int64, session: String, from: String, to: String, body: Data) {
        self.id = id
        self.session = session
        self.from = from
        self.to = to
        self.body = body
    }
}

/// What gateway nodes sharing one store need so that an escort attached through one node can
/// watch and decide a session running on another: each node publishes its live sessions, and
/// nodes post each other messages. The node that runs a session stays the one authority over
/// it; messages only ask it, or tell the escort's node what happened.
public protocol ModerationStore: NodeStore {
    /// Publishes the summary of `session`, which must be open on `node` (``NodeStore/sessionOpened(_:node:)``).
    /// False if it is not (another node ended it, believing this one dead): the caller must end it.
    func publishSummary(_ session: String, node: String, summary: Data) async throws -> Bool
    /// The sessions open on `node` (a node checks it still owns what it runs).
    func openSessions(on node: String) async throws -> Set<String>
    /// The published sessions of nodes that beat within `staleAfter` seconds.
    func sharedSessions(staleAfter: TimeInterval) async throws -> [SharedSession]
    /// Nodes that beat within `staleAfter` seconds.
    func liveNodes(staleAfter: TimeInterval) async throws -> Set<String>
    /// Posts a message and wakes its recipient (``messageSignals(for:)``).
    func post(session: String, from: String, to: String, body: Data) async throws
    /// Takes (reads and deletes) the messages waiting for `node`, oldest first. Each message is
    /// taken once. Messages one node posts, one after another, are taken in that order.
    func takeMessages(to node: String) async throws -> [NodeMessage]
    /// Deletes messages older than `olderThan` seconds (for nodes that died before reading theirs).
    func forgetMessages(olderThan: TimeInterval) async throws
    /// Yields whenever a message for `node` may have been posted, for as long as the caller
    /// listens. A store without notifications never yields; callers also poll.
    func messageSignals(for node: String) -> AsyncStream<Void>
}
