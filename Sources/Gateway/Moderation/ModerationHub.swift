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
    }

    var sessions: [String: Entry] = [:]
    var nextHold = 1
    /// Set when the gateway begins to stop: sessions are paused and run no new command.
    var shuttingDown = false

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
    }

    /// Every live session.
    public func list() -> [SessionSummary] {
        sessions.values.map(\.summary).sorted { $0.started < $1.started }
    }

    /// One live session.
    public func summary(_ id: String) -> SessionSummary? { sessions[id]?.summary }

    // MARK: Watching

    /// Attaches `user` to a session as escort or reviewer (eligibility is checked by the caller
    /// against policy; the engineer can never attach to her own session).
    public func attach(_ user: GatewayUser, as role: WatcherRole, to id: String) throws -> (UUID, AsyncStream<WatchEvent>) {
        guard var entry = sessions[id] else { throw ModerationError("There is no live session \(id).") }
        guard user.name != entry.summary.engineer.name else {
            throw ModerationError("You cannot escort or review your own session.")
        }
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .bufferingNewest(4096))
        let token = UUID()
        entry.watchers[token] = Watcher(user: user, role: role, stream: continuation)
        if role == .escort, !entry.summary.escorts.contains(user.name) {
            entry.summary.escorts.append(user.name)
            for w in entry.escortWaiters { w.resume(returning: true) }
            entry.escortWaiters = []
        }
        if let held = entry.summary.held { continuation.yield(.held(held)) }
        sessions[id] = entry
        let control = entry.control
        let line = "\(role.rawValue.capitalized) \(user.displayName) (\(user.name)) joined."
        broadcastNotice(line, in: id, except: token)
        Task { await control.notify(line) }
        return (token, stream)
    }

    /// Detaches a watcher. When the last escort leaves an escorted session, it pauses: no command
    /// runs until an escort is back.
    public func detach(_ token: UUID, from id: String) {
        guard var entry = sessions[id], let watcher = entry.watchers.removeValue(forKey: token) else { return }
        watcher.stream.finish()
        let stillThere = entry.watchers.values.contains { $0.user.name == watcher.user.name && $0.role == .escort }
        if watcher.role == .escort, !stillThere {
            entry.summary.escorts.removeAll { $0 == watcher.user.name }
        }
        sessions[id] = entry
        let control = entry.control
        var line = "\(watcher.role.rawValue.capitalized) \(watcher.user.name) left."
        if entry.summary.waitingForEscort { line += " The session is paused until an escort joins." }
        broadcastNotice(line, in: id, except: nil)
        Task { await control.notify(line) }
    }

    /// Sends the engineer's view to every watcher and observer.
    public func broadcast(_ bytes: [UInt8], in id: String) {
        guard let entry = sessions[id] else { return }
        for (_, w) in entry.watchers { w.stream.yield(.output(bytes)) }
        for (_, o) in entry.observers { o.yield(.output(bytes)) }
    }

    /// A read-only stream of a session's output, for a terminal view beside an attached watcher
    /// (eligibility is checked by the caller). Observing neither counts as escort presence nor
    /// allows any decision.
    public func observe(_ id: String) throws -> (UUID, AsyncStream<WatchEvent>) {
        guard sessions[id] != nil else { throw ModerationError("There is no live session \(id).") }
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .bufferingNewest(4096))
        let token = UUID()
        sessions[id]?.observers[token] = continuation
        return (token, stream)
    }

    public func stopObserving(_ token: UUID, from id: String) {
        sessions[id]?.observers.removeValue(forKey: token)?.finish()
    }

    func broadcastNotice(_ text: String, in id: String, except token: UUID?) {
        guard let entry = sessions[id] else { return }
        for (t, w) in entry.watchers where t != token { w.stream.yield(.notice(text)) }
    }

    // MARK: Holding and deciding

    /// Holds a command until it is decided, withdrawn or the session ends.
    public func hold(session id: String, command: String, analysis: Analysis, ruling: CommandRuling, reasons: [String]) async -> HoldDecision {
        guard let entry = sessions[id] else { return .sessionEnded }
        let held = HeldCommand(
            id: nextHold, session: id, engineer: entry.summary.engineer.name, target: entry.summary.target,
            command: command, analysis: analysis, ruling: ruling, reasons: reasons, approvals: [], heldAt: Date())
        nextHold += 1
        let start = ContinuousClock.now
        let decision = await withCheckedContinuation { c in
            sessions[id]?.summary.held = held
            sessions[id]?.holdContinuation = c
            for (_, w) in sessions[id]?.watchers ?? [:] { w.stream.yield(.held(held)) }
        }
        if decision != .sessionEnded { GatewayTelemetry.holdWaited(since: start) }
        return decision
    }

    /// The engineer withdraws her held command (Ctrl-C).
    public func withdraw(session id: String) {
        resolve(id, .withdrawn, outcome: "withdrawn by the engineer")
    }

    /// An attached escort or reviewer approves or refuses the held command.
    ///
    /// - Returns: what happened, in words for the decider.
    /// - Throws: ``ModerationError`` saying why the decision is not accepted.
    @discardableResult
    public func decide(_ token: UUID, session id: String, holdID: Int?, approve: Bool, reason: String?) throws -> String {
        guard let entry = sessions[id] else { throw ModerationError("The session has ended.") }
        guard let watcher = entry.watchers[token] else { throw ModerationError("You are not attached to this session.") }
        guard watcher.user.name != entry.summary.engineer.name else {
            throw ModerationError("You cannot approve your own command.")
        }
        guard var held = entry.summary.held else { throw ModerationError("No command is waiting for a decision.") }
        if let holdID, holdID != held.id { throw ModerationError("Command #\(holdID) is no longer waiting (#\(held.id) is).") }
        let who = watcher.user.name
        if !approve {
            let why = (reason ?? "").trimmingCharacters(in: .whitespaces)
            guard !why.isEmpty else { throw ModerationError("A refusal needs a reason: refuse <reason>.") }
            resolve(id, .refused(by: who, reason: why), outcome: "refused by \(who): \(why)")
            return "Refused #\(held.id)."
        }
        if held.approvals.contains(where: { $0.name == who }) {
            throw ModerationError("You have already approved #\(held.id); it needs someone else as well.")
        }
        held.approvals.append((who, watcher.role))
        let escortApproved = held.approvals.contains { $0.role == .escort }
        let reviewerApproved = held.approvals.contains { $0.role == .reviewer }
        let done = held.needsReviewer ? (escortApproved && reviewerApproved) : escortApproved
        if done {
            let names = held.approvals.map(\.name)
            resolve(id, .approved(by: names), outcome: "approved by \(names.joined(separator: " and "))")
            return "Approved #\(held.id)."
        }
        sessions[id]?.summary.held = held
        let missing = escortApproved ? "a technical reviewer" : "an escort"
        broadcastNotice("#\(held.id) approved by \(who) (\(watcher.role.rawValue)); it still needs \(missing).", in: id, except: nil)
        return "Approval recorded; #\(held.id) still needs \(missing)."
    }

    func resolve(_ id: String, _ decision: HoldDecision, outcome: String) {
        guard let entry = sessions[id], let held = entry.summary.held, let c = entry.holdContinuation else { return }
        sessions[id]?.summary.held = nil
        sessions[id]?.holdContinuation = nil
        for (_, w) in entry.watchers { w.stream.yield(.resolved(id: held.id, outcome: outcome)) }
        c.resume(returning: decision)
    }

    // MARK: Pause and end

    /// Pauses or resumes a session (an attached escort only).
    public func setPaused(_ paused: Bool, token: UUID, session id: String) throws {
        guard let entry = sessions[id], let watcher = entry.watchers[token] else {
            throw ModerationError("You are not attached to this session.")
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

    /// Waits while the session is paused or lacks a required escort. False if it ended.
    public func awaitRunnable(_ id: String) async -> Bool {
        while let entry = sessions[id] {
            if !entry.summary.paused && !entry.summary.waitingForEscort { return true }
            let ok = await withCheckedContinuation { c in sessions[id]?.escortWaiters.append(c) }
            if !ok { return false }
        }
        return false
    }

    /// Ends a session (an attached escort only).
    public func end(token: UUID, session id: String, reason: String) throws {
        guard let entry = sessions[id], let watcher = entry.watchers[token] else {
            throw ModerationError("You are not attached to this session.")
        }
        let control = entry.control
        let who = watcher.user.name
        resolve(id, .refused(by: who, reason: "session ended: \(reason)"), outcome: "session ended by \(who)")
        Task { await control.terminate(by: who, reason: reason) }
    }
}
