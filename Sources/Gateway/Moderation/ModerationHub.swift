import Foundation
import ShellAnalysis

/// Where held commands wait, escorts attach and decisions are made. One per gateway process.
///
/// The rules are enforced here, not in any console: an engineer can never approve her own
/// command; only an attached escort (or reviewer) decides; a command held for review needs an
/// escort and a technical reviewer, two different people.
public actor ModerationHub {
    struct Watcher {
        var user: GatewayUser
        var role: WatcherRole
        var stream: AsyncStream<WatchEvent>.Continuation
    }

    struct Entry {
        var summary: SessionSummary
        var control: any SessionControl
        var watchers: [UUID: Watcher] = [:]
        /// Read-only views of the output (the web console's terminal): no presence, no say.
        var observers: [UUID: AsyncStream<WatchEvent>.Continuation] = [:]
        var escortWaiters: [CheckedContinuation<Bool, Never>] = []
        var holdContinuation: CheckedContinuation<HoldDecision, Never>?
        /// The engineer's submission the hold (or the wait for an escort) belongs to.
        var holdSubmission: Int?
        /// A withdrawal (Ctrl-C) that came before its command was held: the hold of that
        /// submission is withdrawn as soon as it is asked for, and a wait for an escort ends.
        var pendingWithdraw: Int?
        /// The session's recent output, replayed to a watcher or terminal view that joins late.
        var history = OutputHistory()
        /// Escorts and reviewers attached through other gateway nodes.
        var remoteWatchers: [UUID: RemoteWatcher] = [:]
        /// Read-only views opened through other gateway nodes (token → node): they get the
        /// output and the end, and count for nothing else.
        var remoteObservers: [UUID: String] = [:]

        /// The other nodes through which someone watches or observes.
        var remoteNodes: Set<String> { Set(remoteWatchers.values.map(\.node)).union(remoteObservers.values) }

        /// Whether `name` still watches in `role`, here or through another node.
        func watches(_ name: String, as role: WatcherRole) -> Bool {
            watchers.values.contains { $0.user.name == name && $0.role == role }
                || remoteWatchers.values.contains { $0.user.name == name && $0.role == role }
        }
    }

    /// Someone attached to a session of this node through another node.
    struct RemoteWatcher {
        var user: GatewayUser
        var role: WatcherRole
        var node: String
    }

    /// A session running on another node that someone attached through this node watches.
    struct Mirror {
        var node: String
        var watchers: [UUID: Watcher] = [:]
        var observers: [UUID: AsyncStream<WatchEvent>.Continuation] = [:]
    }

    var sessions: [String: Entry] = [:]
    var nextHold = 1
    /// Set when the gateway begins to stop: sessions are paused and run no new command.
    var shuttingDown = false

    /// Set when this node shares a store with other gateway nodes (``joinCluster(_:)``).
    var cluster: ClusterLink?
    /// Other nodes' live sessions, as last read from the store.
    var shared: [String: SharedSummary] = [:]
    /// Sessions of other nodes that someone attached here watches.
    var mirrors: [String: Mirror] = [:]
    /// Requests sent to other nodes, waiting for their answer.
    var replies: [UUID: CheckedContinuation<ClusterReply, Never>] = [:]
    /// What other nodes were last shown of each local session; a session whose summary differs
    /// is published again (so no change needs to remember to say so).
    var published: [String: SessionSummary] = [:]
    /// Output of local sessions watched from other nodes, not yet sent.
    var pendingOutput: [String: [UInt8]] = [:]
    /// Sessions whose output was more than could be relayed since the last look.
    var droppedOutput: Set<String> = []
    /// Messages for other nodes, posted one at a time in order.
    var outbox: AsyncStream<OutgoingMessage>.Continuation?
    var clusterTasks: [Task<Void, Never>] = []
    var lastRefresh = ContinuousClock.now - .seconds(60)
    var lastOwnershipCheck = ContinuousClock.now

    public init() {}

    // MARK: Sessions

    /// Lists a new live session.
    public func register(_ summary: SessionSummary, control: any SessionControl) {
        var summary = summary
        if shuttingDown { summary.paused = true }
        if sessions[summary.id] == nil { GatewayTelemetry.sessionOpened(summary) }
        sessions[summary.id] = Entry(summary: summary, control: control)
    }

    /// Removes a session; anything it held is resolved as ended.
    public func unregister(_ id: String, reason: String) {
        guard let entry = sessions.removeValue(forKey: id) else { return }
        GatewayTelemetry.sessionClosed(id, reason: reason)
        entry.holdContinuation?.resume(returning: .sessionEnded)
        for w in entry.escortWaiters { w.resume(returning: false) }
        for (_, w) in entry.watchers {
            w.stream.yield(.ended(reason))
            w.stream.finish()
        }
        for (_, o) in entry.observers {
            o.yield(.ended(reason))
            o.finish()
        }
        relay(.ended(reason), session: id, to: entry)
        published[id] = nil
        pendingOutput[id] = nil
    }

    /// Every live session: this node's, and those other nodes share.
    public func list() -> [SessionSummary] {
        let elsewhere = shared.filter { sessions[$0.key] == nil }.map(\.value.summary)
        return (sessions.values.map(\.summary) + elsewhere).sorted { $0.started < $1.started }
    }

    /// One live session, on this node or another.
    public func summary(_ id: String) -> SessionSummary? { sessions[id]?.summary ?? shared[id]?.summary }

    // MARK: Watching

    /// Attaches `user` to a session as escort or reviewer (eligibility is checked by the caller
    /// against policy; the engineer can never attach to her own session).
    public func attach(_ user: GatewayUser, as role: WatcherRole, to id: String) async throws -> (UUID, AsyncStream<WatchEvent>) {
        guard sessions[id] != nil else { return try await attachElsewhere(user, as: role, to: id) }
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .bufferingNewest(4096))
        let token = UUID()
        try admit(user, as: role, to: id, token: token, node: nil, stream: continuation)
        return (token, stream)
    }

    /// Attaches someone, here (`node` nil, events to `stream`) or through another node.
    func admit(_ user: GatewayUser, as role: WatcherRole, to id: String, token: UUID, node: String?,
               stream: AsyncStream<WatchEvent>.Continuation?) throws {
        guard var entry = sessions[id] else { throw ModerationError(.noSession, "There is no live session \(id).") }
        guard user.name != entry.summary.engineer.name else {
            throw ModerationError(.ownSession, "You cannot escort or review your own session.")
        }
        if let node {
            entry.remoteWatchers[token] = RemoteWatcher(user: user, role: role, node: node)
        } else if let stream {
            entry.watchers[token] = Watcher(user: user, role: role, stream: stream)
            if let held = entry.summary.held { stream.yield(.held(held)) }
        }
        if role == .escort, !entry.summary.escorts.contains(user.name) {
            entry.summary.escorts.append(user.name)
            for w in entry.escortWaiters { w.resume(returning: true) }
            entry.escortWaiters = []
        }
        sessions[id] = entry
        if let node, let held = entry.summary.held { send(.held(held), session: id, to: node) }
        let control = entry.control
        let through = node.map { " through gateway node \($0)" } ?? ""
        let line = "\(role.rawValue.capitalized) \(user.displayName) (\(user.name)) joined\(through)."
        broadcastNotice(line, in: id, except: token)
        Task { await control.notify(line) }
    }

    /// Detaches a watcher. When the last escort leaves an escorted session, it pauses: no command
    /// runs until an escort is back.
    public func detach(_ token: UUID, from id: String) {
        if sessions[id] == nil {
            detachElsewhere(token, from: id)
            return
        }
        release(token, from: id)
    }

    /// Takes a watcher (here or through another node) off a local session.
    func release(_ token: UUID, from id: String, why: String = "left") {
        guard var entry = sessions[id] else { return }
        let who: (user: GatewayUser, role: WatcherRole)
        if let w = entry.watchers.removeValue(forKey: token) {
            w.stream.finish()
            who = (w.user, w.role)
        } else if let w = entry.remoteWatchers.removeValue(forKey: token) {
            who = (w.user, w.role)
        } else {
            return
        }
        if who.role == .escort, !entry.watches(who.user.name, as: .escort) {
            entry.summary.escorts.removeAll { $0 == who.user.name }
        }
        sessions[id] = entry
        let control = entry.control
        var line = "\(who.role.rawValue.capitalized) \(who.user.name) \(why)."
        if entry.summary.waitingForEscort { line += " The session is paused until an escort joins." }
        broadcastNotice(line, in: id, except: nil)
        Task { await control.notify(line) }
    }

    /// Sends the engineer's view to every watcher and observer.
    public func broadcast(_ bytes: [UInt8], in id: String) {
        guard let entry = sessions[id] else { return }
        sessions[id]?.history.append(bytes)
        for (_, w) in entry.watchers { w.stream.yield(.output(bytes)) }
        for (_, o) in entry.observers { o.yield(.output(bytes)) }
        if !entry.remoteWatchers.isEmpty || !entry.remoteObservers.isEmpty { queueOutput(bytes, session: id) }
    }

    /// A read-only stream of a session's output, for a terminal view beside an attached watcher
    /// (eligibility is checked by the caller). Observing neither counts as escort presence nor
    /// allows any decision.
    public func observe(_ id: String) throws -> (UUID, AsyncStream<WatchEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .bufferingNewest(4096))
        let token = UUID()
        if let entry = sessions[id] {
            // A view that opens late starts with the session's recent output, not a blank screen.
            if !entry.history.bytes.isEmpty { continuation.yield(.output(entry.history.bytes)) }
            sessions[id]?.observers[token] = continuation
        } else if let elsewhere = shared[id] {
            // The session's node is asked to send its output here (and only its output).
            mirrors[id, default: Mirror(node: elsewhere.node)].observers[token] = continuation
            send(.observe(token: token), session: id, to: elsewhere.node)
        } else {
            throw ModerationError(.noSession, "There is no live session \(id).")
        }
        return (token, stream)
    }

    public func stopObserving(_ token: UUID, from id: String) {
        sessions[id]?.observers.removeValue(forKey: token)?.finish()
        if let mirror = mirrors[id], let observer = mirrors[id]?.observers.removeValue(forKey: token) {
            observer.finish()
            send(.stopObserving(token: token), session: id, to: mirror.node)
        }
        dropIdleMirror(id)
    }

    /// Tells everyone watching a session something they must know as it happens (a command the
    /// policy refused, a withdrawal, a disconnect), outside the engineer's mirrored screen.
    public func announce(_ text: String, in id: String) {
        broadcastNotice(text, in: id, except: nil)
    }

    /// The session's recent output (what a late joiner's terminal is first shown).
    public func recentOutput(_ id: String) -> [UInt8] { sessions[id]?.history.bytes ?? [] }

    func broadcastNotice(_ text: String, in id: String, except token: UUID?) {
        guard let entry = sessions[id] else { return }
        for (t, w) in entry.watchers where t != token { w.stream.yield(.notice(text)) }
        relay(.notice(text), session: id, to: entry)
    }

    // MARK: Holding and deciding

    /// Holds a command until it is decided, withdrawn or the session ends.
    ///
    /// - Parameter submission: the engineer's submission it belongs to; a withdrawal of that
    ///   submission that came before the hold (``withdraw(session:submission:)``) withdraws it at once.
    public func hold(session id: String, command: String, analysis: Analysis, ruling: CommandRuling, reasons: [String],
                     submission: Int? = nil) async -> HoldDecision {
        guard let entry = sessions[id] else { return .sessionEnded }
        if let submission, entry.pendingWithdraw == submission {
            sessions[id]?.pendingWithdraw = nil
            return .withdrawn
        }
        let held = HeldCommand(
            id: nextHold, session: id, engineer: entry.summary.engineer.name, target: entry.summary.target,
            command: command, analysis: analysis, ruling: ruling, reasons: reasons, approvals: [], heldAt: Date())
        nextHold += 1
        let start = ContinuousClock.now
        let decision = await withCheckedContinuation { c in
            sessions[id]?.summary.held = held
            sessions[id]?.holdContinuation = c
            sessions[id]?.holdSubmission = submission
            for (_, w) in sessions[id]?.watchers ?? [:] { w.stream.yield(.held(held)) }
            if let entry = sessions[id] { relay(.held(held), session: id, to: entry) }
        }
        if decision != .sessionEnded { GatewayTelemetry.holdWaited(since: start) }
        return decision
    }

    /// The engineer withdraws her held command (Ctrl-C).
    ///
    /// - Parameter submission: the submission she withdraws. When its command is not held yet
    ///   (still waiting for an escort, or being analysed and recorded), the withdrawal is kept
    ///   for it: its wait for an escort ends and its hold, once asked for, is withdrawn at once.
    public func withdraw(session id: String, submission: Int? = nil) {
        guard let entry = sessions[id] else { return }
        if entry.holdContinuation != nil, submission == nil || entry.holdSubmission == nil || entry.holdSubmission == submission {
            resolve(id, .withdrawn, outcome: "withdrawn by the engineer")
            return
        }
        guard let submission else { return }
        sessions[id]?.pendingWithdraw = submission
        for w in entry.escortWaiters { w.resume(returning: true) }
        sessions[id]?.escortWaiters = []
    }

    /// An attached escort or reviewer approves or refuses the held command.
    ///
    /// - Returns: what happened, in words for the decider.
    /// - Throws: ``ModerationError`` saying why the decision is not accepted.
    @discardableResult
    public func decide(_ token: UUID, session id: String, holdID: Int?, approve: Bool, reason: String?) async throws -> String {
        if sessions[id] == nil {
            return try await askElsewhere(token, session: id) {
                .decide(token: token, hold: holdID, approve: approve, reason: reason, reply: $0)
            }
        }
        return try decide(token, from: nil, session: id, holdID: holdID, approve: approve, reason: reason)
    }

    /// Someone attached here (`node` nil) or through `node` decides a local session's held command.
    func decide(_ token: UUID, from node: String?, session id: String, holdID: Int?, approve: Bool, reason: String?) throws -> String {
        guard let entry = sessions[id] else { throw ModerationError(.noSession, "The session has ended.") }
        guard let watcher = participant(token, from: node, in: entry) else { throw ModerationError(.notAttached, "You are not attached to this session.") }
        guard watcher.user.name != entry.summary.engineer.name else {
            throw ModerationError(.ownSession, "You cannot approve your own command.")
        }
        guard var held = entry.summary.held else { throw ModerationError(.nothingHeld, "No command is waiting for a decision.") }
        if let holdID, holdID != held.id { throw ModerationError(.cardChanged, "Command #\(holdID) is no longer waiting (#\(held.id) is).") }
        let who = watcher.user.name
        if !approve {
            let why = (reason ?? "").trimmingCharacters(in: .whitespaces)
            guard !why.isEmpty else { throw ModerationError(.needsReason, "A refusal needs a reason: refuse <reason>.") }
            resolve(id, .refused(by: who, reason: why), outcome: "refused by \(who): \(why)")
            return "Refused #\(held.id)."
        }
        // Stopping: a command typed now waits and never runs, and neither does one held before.
        guard !shuttingDown else { throw ModerationError(.stopping, "The gateway is stopping; nothing more runs in this session.") }
        if held.approvals.contains(where: { $0.name == who }) {
            throw ModerationError(.alreadyApproved, "You have already approved #\(held.id); it needs someone else as well.")
        }
        held.approvals.append(Approval(name: who, role: watcher.role))
        let escortApproved = held.approvals.contains { $0.role == .escort }
        let reviewerApproved = held.approvals.contains { $0.role == .reviewer }
        let done = held.needsReviewer ? (escortApproved && reviewerApproved) : escortApproved
        if done {
            let names = held.approvals.map(\.name)
            resolve(id, .approved(by: names), outcome: "approved by \(names.joined(separator: " and "))")
            return "Approved #\(held.id)."
        }
        sessions[id]?.summary.held = held
        if let entry = sessions[id] { relay(.held(held), session: id, to: entry) }
        let missing = escortApproved ? "a technical reviewer" : "an escort"
        broadcastNotice("#\(held.id) approved by \(who) (\(watcher.role.rawValue)); it still needs \(missing).", in: id, except: nil)
        return "Approval recorded; #\(held.id) still needs \(missing)."
    }

    func resolve(_ id: String, _ decision: HoldDecision, outcome: String) {
        guard let entry = sessions[id], let held = entry.summary.held, let c = entry.holdContinuation else { return }
        sessions[id]?.summary.held = nil
        sessions[id]?.holdContinuation = nil
        sessions[id]?.holdSubmission = nil
        for (_, w) in entry.watchers { w.stream.yield(.resolved(id: held.id, outcome: outcome)) }
        relay(.resolved(hold: held.id, outcome: outcome), session: id, to: entry)
        c.resume(returning: decision)
    }

    // MARK: Pause and end

    /// Pauses or resumes a session (an attached escort only).
    public func setPaused(_ paused: Bool, token: UUID, session id: String) async throws {
        if sessions[id] == nil {
            _ = try await askElsewhere(token, session: id) { .pause(token: token, paused: paused, reply: $0) }
            return
        }
        try setPaused(paused, token: token, from: nil, session: id)
    }

    func setPaused(_ paused: Bool, token: UUID, from node: String?, session id: String) throws {
        guard let entry = sessions[id], let watcher = participant(token, from: node, in: entry) else {
            throw ModerationError(.notAttached, "You are not attached to this session.")
        }
        sessions[id]?.summary.paused = paused
        let line = paused ? "Session paused by \(watcher.user.name): no command runs until it is resumed." : "Session resumed by \(watcher.user.name)."
        broadcastNotice(line, in: id, except: nil)
        let control = entry.control
        Task { await control.notify(line) }
        if !paused {
            for w in entry.escortWaiters { w.resume(returning: true) }
            sessions[id]?.escortWaiters = []
        }
    }

    /// Waits while the session is paused or lacks a required escort. False if it ended, or if
    /// the engineer withdrew `submission` while it waited.
    public func awaitRunnable(_ id: String, submission: Int? = nil) async -> Bool {
        while let entry = sessions[id] {
            if let submission, entry.pendingWithdraw == submission { return false }
            if !entry.summary.paused && !entry.summary.waitingForEscort { return true }
            let ok = await withCheckedContinuation { c in sessions[id]?.escortWaiters.append(c) }
            if !ok { return false }
        }
        return false
    }

    /// Ends a session (an attached escort only).
    public func end(token: UUID, session id: String, reason: String) async throws {
        if sessions[id] == nil {
            _ = try await askElsewhere(token, session: id) { .end(token: token, reason: reason, reply: $0) }
            return
        }
        try end(token: token, from: nil, session: id, reason: reason)
    }

    func end(token: UUID, from node: String?, session id: String, reason: String) throws {
        guard let entry = sessions[id], let watcher = participant(token, from: node, in: entry) else {
            throw ModerationError(.notAttached, "You are not attached to this session.")
        }
        let control = entry.control
        let who = watcher.user.name
        resolve(id, .refused(by: who, reason: "session ended: \(reason)"), outcome: "session ended by \(who)")
        Task { await control.terminate(by: who, reason: reason) }
    }

    /// Who `token` is on a local session: someone attached here (`node` nil) or through `node`.
    func participant(_ token: UUID, from node: String?, in entry: Entry) -> (user: GatewayUser, role: WatcherRole)? {
        if let node {
            guard let w = entry.remoteWatchers[token], w.node == node else { return nil }
            return (w.user, w.role)
        }
        return entry.watchers[token].map { ($0.user, $0.role) }
    }
}
