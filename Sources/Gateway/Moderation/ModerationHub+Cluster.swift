import Foundation
import Logging
import Store

/// How this node shares moderation with other gateway nodes on one store.
public struct ClusterLink: Sendable {
    public var store: any ModerationStore
    /// This node's name in the store (``NodePresence/node``).
    public var node: String
    /// Seconds between looks at the store when no notification wakes this node.
    public var pollInterval: Double
    /// Seconds of silence after which a node counts as dead (as ``NodePresence/staleAfter``).
    public var staleAfter: Double
    /// Seconds an escort's request waits for the session's node to answer.
    public var answerTimeout: Double
    /// Seconds between checks that this node still owns its sessions (a third of `staleAfter`
    /// unless given).
    public var ownershipCheckInterval: Double

    public init(store: any ModerationStore, node: String, pollInterval: Double = 0.25, staleAfter: Double = 15, answerTimeout: Double = 5,
                ownershipCheckInterval: Double? = nil) {
        self.store = store
        self.node = node
        self.pollInterval = pollInterval
        self.staleAfter = staleAfter
        self.answerTimeout = answerTimeout
        self.ownershipCheckInterval = ownershipCheckInterval ?? staleAfter / 3
    }
}

/// Another node's live session, as it published it.
struct SharedSummary: Sendable {
    var node: String
    var summary: SessionSummary
}

/// What nodes tell each other about one session. Requests go to the node that runs the session,
/// which applies the same rules as for its own escorts and answers; events go back to the nodes
/// through which someone is attached.
enum ClusterMessage: Codable, Sendable {
    case attach(token: UUID, user: GatewayUser, role: WatcherRole, reply: UUID)
    case detach(token: UUID)
    /// A read-only view of the session's output opened on the sending node (no presence, no say).
    case observe(token: UUID)
    case stopObserving(token: UUID)
    case decide(token: UUID, hold: Int?, approve: Bool, reason: String?, reply: UUID)
    case pause(token: UUID, paused: Bool, reply: UUID)
    case end(token: UUID, reason: String, reply: UUID)
    case reply(id: UUID, error: String?, message: String)
    case held(HeldCommand)
    case resolved(hold: Int, outcome: String)
    case notice(String)
    case output(Data)
    case ended(String)
}

/// A node's answer to a request.
struct ClusterReply: Sendable {
    var error: String?
    var message: String
}

/// A message on its way to another node.
struct OutgoingMessage: Sendable {
    var session: String
    var to: String
    var body: Data
}

/// The parts of the hub that run while it shares a store with other nodes: the loop that reads
/// messages, publishes this node's sessions and lists the others', and what an escort attached
/// here asks of a session on another node.
///
/// The node that runs a session stays the one authority over it: an escort here only asks, and
/// that node checks the rules (attached, not one's own command, a reason to refuse, escort and
/// reviewer two people) exactly as for its own escorts, so a decision is applied once, by the
/// node that holds the command, whichever node it came through.
extension ModerationHub {
    static let relayedOutputLimit = 64 << 10
    static let logger = Logger(label: "escort.gateway.cluster")

    /// Starts sharing sessions, presence and decisions with the other nodes of `link.store`.
    public func joinCluster(_ link: ClusterLink) {
        guard cluster == nil else { return }
        cluster = link
        let (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (outgoing, outbox) = AsyncStream.makeStream(of: OutgoingMessage.self)
        self.outbox = outbox
        clusterTasks = [
            Task { for await _ in link.store.messageSignals(for: link.node) { tick.yield() } },
            Task {
                while !Task.isCancelled {
                    tick.yield()
                    try? await Task.sleep(for: .seconds(link.pollInterval))
                }
            },
            Task { for await _ in ticks { await self.pump() } },
            Task {
                // One message at a time, so another node reads this node's messages in order.
                for await m in outgoing {
                    for attempt in 0..<3 {
                        do {
                            try await link.store.post(session: m.session, from: link.node, to: m.to, body: m.body)
                            break
                        } catch {
                            Self.logger.warning("could not post to node \(m.to) (attempt \(attempt + 1)): \(error)")
                            try? await Task.sleep(for: .milliseconds(200))
                        }
                    }
                }
            },
        ]
    }

    /// Stops sharing (at shutdown, after the sessions ended).
    public func leaveCluster() {
        for t in clusterTasks { t.cancel() }
        clusterTasks = []
        outbox?.finish()
        outbox = nil
        cluster = nil
        for (id, _) in mirrors { endMirror(id, reason: "this gateway node is stopping") }
        for (_, c) in replies { c.resume(returning: ClusterReply(error: "This gateway node is stopping.", message: "")) }
        replies = [:]
    }

    // MARK: Sending

    func send(_ message: ClusterMessage, session: String, to node: String) {
        guard let outbox, let body = try? JSONEncoder().encode(message) else { return }
        outbox.yield(OutgoingMessage(session: session, to: node, body: body))
    }

    /// Sends an event of a local session to every node through which someone watches it.
    func relay(_ message: ClusterMessage, session id: String, to entry: Entry) {
        for node in entry.remoteNodes { send(message, session: id, to: node) }
    }

    func queueOutput(_ bytes: [UInt8], session id: String) {
        let room = max(0, Self.relayedOutputLimit - pendingOutput[id, default: []].count)
        pendingOutput[id, default: []] += bytes.prefix(room)
        if bytes.count > room { droppedOutput.insert(id) }
    }

    func flushOutput() {
        for (id, bytes) in pendingOutput {
            guard let entry = sessions[id] else { continue }
            relay(.output(Data(bytes)), session: id, to: entry)
            if droppedOutput.remove(id) != nil {
                relay(.notice("Some output was not relayed to this gateway node (more than \(Self.relayedOutputLimit >> 10) KiB at once); the session's recording has all of it."), session: id, to: entry)
            }
        }
        pendingOutput = [:]
        droppedOutput = []
    }

    // MARK: Asking another node

    func attachElsewhere(_ user: GatewayUser, as role: WatcherRole, to id: String) async throws -> (UUID, AsyncStream<WatchEvent>) {
        guard cluster != nil else { throw ModerationError(.noSession, "There is no live session \(id).") }
        if shared[id] == nil { await refreshShared() }
        guard sessions[id] == nil else { throw ModerationError(.noSession, "Session \(id) just moved here; attach again.") }
        guard let elsewhere = shared[id] else { throw ModerationError(.noSession, "There is no live session \(id).") }
        guard user.name != elsewhere.summary.engineer.name else { throw ModerationError(.ownSession, "You cannot escort or review your own session.") }
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .bufferingNewest(4096))
        let token = UUID()
        // Listening before asking: the session's node may send the held command before its answer.
        mirrors[id, default: Mirror(node: elsewhere.node)].watchers[token] = Watcher(user: user, role: role, stream: continuation)
        do {
            _ = try await askElsewhere(token, session: id) { .attach(token: token, user: user, role: role, reply: $0) }
        } catch {
            mirrors[id]?.watchers.removeValue(forKey: token)?.stream.finish()
            dropIdleMirror(id)
            throw error
        }
        return (token, stream)
    }

    func detachElsewhere(_ token: UUID, from id: String) {
        guard let mirror = mirrors[id], let watcher = mirrors[id]?.watchers.removeValue(forKey: token) else { return }
        watcher.stream.finish()
        send(.detach(token: token), session: id, to: mirror.node)
        dropIdleMirror(id)
    }

    /// Sends a request for `token`'s watcher to the node that runs the session and waits for its answer.
    func askElsewhere(_ token: UUID, session id: String, _ request: (UUID) -> ClusterMessage) async throws -> String {
        guard let cluster, let node = mirrors[id]?.node, mirrors[id]?.watchers[token] != nil else {
            throw ModerationError(shared[id] == nil && mirrors[id] == nil ? .noSession : .notAttached, shared[id] == nil && mirrors[id] == nil ? "The session has ended." : "You are not attached to this session.")
        }
        let replyID = UUID()
        send(request(replyID), session: id, to: node)
        let reply = await withCheckedContinuation { c in
            replies[replyID] = c
            Task {
                try? await Task.sleep(for: .seconds(cluster.answerTimeout))
                self.expire(replyID, node: node)
            }
        }
        if let error = reply.error { throw ModerationError(relayed: error) }
        return reply.message
    }

    func expire(_ replyID: UUID, node: String) {
        replies.removeValue(forKey: replyID)?.resume(returning: ClusterReply(
            error: "Gateway node \(node), which runs the session, did not answer in time; look at the session to see whether your request took effect.",
            message: ""))
    }

    func dropIdleMirror(_ id: String) {
        if let m = mirrors[id], m.watchers.isEmpty, m.observers.isEmpty { mirrors[id] = nil }
    }

    func endMirror(_ id: String, reason: String) {
        guard let mirror = mirrors.removeValue(forKey: id) else { return }
        for (_, w) in mirror.watchers {
            w.stream.yield(.ended(reason))
            w.stream.finish()
        }
        for (_, o) in mirror.observers {
            o.yield(.ended(reason))
            o.finish()
        }
    }

    // MARK: The loop

    /// Reads this node's messages, sends relayed output, publishes changed sessions, and now and
    /// then relists the other nodes' sessions and checks who is still alive.
    func pump() async {
        guard let cluster else { return }
        do {
            for m in try await cluster.store.takeMessages(to: cluster.node) { handle(m) }
            StoreReachability.shared.succeeded()
        } catch {
            // Said once per outage, not at every poll.
            StoreReachability.shared.failed(error, during: "reading messages from other nodes")
        }
        flushOutput()
        await publishChanged()
        let now = ContinuousClock.now
        if now - lastRefresh >= .seconds(1) {
            lastRefresh = now
            await refreshShared()
            await releaseWatchersOfDeadNodes()
        }
        if now - lastOwnershipCheck >= .seconds(cluster.ownershipCheckInterval) {
            lastOwnershipCheck = now
            await endSessionsClaimedElsewhere()
            try? await cluster.store.forgetMessages(olderThan: 600)
        }
    }

    func handle(_ m: NodeMessage) {
        guard let message = try? JSONDecoder().decode(ClusterMessage.self, from: m.body) else {
            Self.logger.error("unreadable message \(m.id) from node \(m.from) about session \(m.session); ignored")
            return
        }
        let id = m.session
        func answer(_ reply: UUID, _ body: () throws -> String) {
            do {
                send(.reply(id: reply, error: nil, message: try body()), session: id, to: m.from)
            } catch {
                send(.reply(id: reply, error: "\(error)", message: ""), session: id, to: m.from)
            }
        }
        switch message {
        case .attach(let token, let user, let role, let reply):
            answer(reply) {
                try admit(user, as: role, to: id, token: token, node: m.from, stream: nil)
                return "Attached."
            }
        case .detach(let token):
            release(token, from: id)
        case .observe(let token):
            // Eligibility was checked by the node the viewer is on, against the same registry.
            if sessions[id] != nil {
                sessions[id]?.remoteObservers[token] = m.from
            } else {
                send(.ended("The session has ended."), session: id, to: m.from)
            }
        case .stopObserving(let token):
            sessions[id]?.remoteObservers.removeValue(forKey: token)
        case .decide(let token, let hold, let approve, let reason, let reply):
            answer(reply) { try decide(token, from: m.from, session: id, holdID: hold, approve: approve, reason: reason) }
        case .pause(let token, let paused, let reply):
            answer(reply) {
                try setPaused(paused, token: token, from: m.from, session: id)
                return paused ? "Paused." : "Resumed."
            }
        case .end(let token, let reason, let reply):
            answer(reply) {
                try end(token: token, from: m.from, session: id, reason: reason)
                return "Ended."
            }
        case .reply(let replyID, let error, let text):
            replies.removeValue(forKey: replyID)?.resume(returning: ClusterReply(error: error, message: text))
        case .held(let held):
            shared[id]?.summary.held = held
            for (_, w) in mirrors[id]?.watchers ?? [:] { w.stream.yield(.held(held)) }
        case .resolved(let hold, let outcome):
            if shared[id]?.summary.held?.id == hold { shared[id]?.summary.held = nil }
            for (_, w) in mirrors[id]?.watchers ?? [:] { w.stream.yield(.resolved(id: hold, outcome: outcome)) }
        case .notice(let text):
            for (_, w) in mirrors[id]?.watchers ?? [:] { w.stream.yield(.notice(text)) }
        case .output(let data):
            let bytes = [UInt8](data)
            for (_, w) in mirrors[id]?.watchers ?? [:] { w.stream.yield(.output(bytes)) }
            for (_, o) in mirrors[id]?.observers ?? [:] { o.yield(.output(bytes)) }
        case .ended(let reason):
            shared[id] = nil
            endMirror(id, reason: reason)
        }
    }

    /// Publishes the summaries of local sessions that changed since they were last published.
    func publishChanged() async {
        guard let cluster else { return }
        let changed = sessions.compactMap { id, entry in published[id] == entry.summary ? nil : (id, entry.summary) }
        for (id, summary) in changed {
            guard let body = try? JSONEncoder().encode(summary) else { continue }
            do {
                if try await !cluster.store.publishSummary(id, node: cluster.node, summary: body) {
                    if sessions[id] != nil { endClaimed(id) }
                } else if sessions[id] != nil {
                    published[id] = summary
                }
            } catch {
                continue  // not marked published: tried again next time
            }
        }
    }

    /// Relists the other nodes' live sessions; a watched one that is gone has ended.
    func refreshShared() async {
        guard let cluster, let rows = try? await cluster.store.sharedSessions(staleAfter: cluster.staleAfter) else { return }
        var fresh: [String: SharedSummary] = [:]
        for row in rows where row.node != cluster.node {
            guard let summary = try? JSONDecoder().decode(SessionSummary.self, from: row.summary) else { continue }
            fresh[row.session] = SharedSummary(node: row.node, summary: summary)
        }
        shared = fresh
        for (id, mirror) in mirrors where fresh[id]?.node != mirror.node {
            endMirror(id, reason: "The session ended, or its gateway node (\(mirror.node)) stopped answering.")
        }
    }

    /// Escorts attached through a node that stopped beating are present no longer, and its
    /// viewers are sent no more output.
    func releaseWatchersOfDeadNodes() async {
        guard let cluster else { return }
        let nodes = sessions.values.reduce(into: Set<String>()) { $0.formUnion($1.remoteNodes) }
        guard !nodes.isEmpty, let live = try? await cluster.store.liveNodes(staleAfter: cluster.staleAfter) else { return }
        for (id, entry) in sessions {
            for (token, w) in entry.remoteWatchers where !live.contains(w.node) {
                release(token, from: id, why: "left (gateway node \(w.node) stopped answering)")
            }
            for (token, node) in entry.remoteObservers where !live.contains(node) {
                sessions[id]?.remoteObservers.removeValue(forKey: token)
            }
        }
    }

    /// Ends local sessions that another node has ended in the audit log, believing this node
    /// dead (the store did not hear from it for a while): they must not run on unaudited.
    func endSessionsClaimedElsewhere() async {
        guard let cluster else { return }
        // Listed before the store is read: each of these was recorded open before it was listed here.
        let local = Set(sessions.keys)
        guard !local.isEmpty, let open = try? await cluster.store.openSessions(on: cluster.node) else { return }
        for id in local.subtracting(open) where sessions[id] != nil { endClaimed(id) }
    }

    func endClaimed(_ id: String) {
        guard let control = sessions[id]?.control else { return }
        Self.logger.error("session \(id) was ended by another node that believed this node dead; ending it here")
        Task {
            await control.terminate(by: "gateway", reason: "another gateway node ended this session, believing this node had stopped (the shared store did not hear from it)")
        }
    }
}
