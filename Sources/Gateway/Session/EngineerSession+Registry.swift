import AuditLog
import EscortCore
import Foundation
import ShellAnalysis

/// Ending a session the registry no longer allows: a revoked key, a disabled or removed person
/// or target, a lapsed ticket, clearance, training or location. The session is decided again
/// before each command is forwarded and on a timer (``GatewayContext/registryRecheckInterval``,
/// and at the exact end of the ticket it runs under), reading the store — so a change made on
/// any node, or by `escort person …` on the store directly, reaches every open session.
extension EngineerSession {
    /// What the registry says the target runs, for the analyser.
    var targetContext: TargetContext { target?.context ?? .none }

    /// The session as the re-check sees it, or nil before it was allowed.
    func openSession() async -> LiveSession? {
        guard let target, state != .ended else { return nil }
        let summary = await context.hub.summary(id)
        return LiveSession(
            user: user, target: target, mode: mode, source: source, started: summary?.started ?? Date(),
            escorts: summary?.escorts ?? [])
    }

    /// Starts deciding the session again every few seconds (and at its ticket's end) until it ends.
    func watchRegistry() {
        let interval = context.registryRecheckInterval
        Task { [self] in
            // The first check at once: it learns when the session's ticket ends.
            var wait: Duration = .zero
            while true {
                try? await Task.sleep(for: wait)
                guard let next = await self.registryTick(interval) else { return }
                wait = next
            }
        }
    }

    /// One timed re-check; nil once the session has ended, else how long until the next. A
    /// store that cannot be read ends nothing here: the next command is refused instead (the
    /// check before forwarding fails closed).
    func registryTick(_ interval: Duration) async -> Duration? {
        guard let open = await openSession() else { return state == .ended ? nil : interval }
        let standing: SessionStanding
        do {
            standing = try await context.authority.standing(of: open)
        } catch {
            recorder?.marker("the registry could not be read (\(error)); nothing more is forwarded until it can")
            return min(interval, .seconds(5))
        }
        guard await apply(standing) else { return nil }
        guard let by = standing.recheckBy else { return interval }
        let until = by.timeIntervalSinceNow
        // Just after the ticket's end, so the check sees it ended.
        return until < interval.seconds ? .milliseconds(max(0, Int64(until * 1000)) + 20) : interval
    }

    /// Whether the next command may be forwarded: the registry is read afresh; if it cannot be
    /// read, the command is refused (not sent) and the session goes on; if it no longer allows
    /// the session, the session ends.
    ///
    /// A command approved by an escort the registry no longer lets escort the session, or an
    /// escorted session left without an eligible escort, sends nothing either.
    func registryAllowsForwarding(_ n: Int, approvedBy: [String] = []) async -> Bool {
        guard let open = await openSession() else { return false }
        let standing: SessionStanding
        do {
            standing = try await context.authority.standing(of: open)
        } catch {
            let reason = "the gateway cannot read its registry (\(error)), so it cannot tell whether this session is still allowed"
            guard await audit(.commandRefused, ["n": .integer(Int64(n)), "by": "gateway", "reason": .string(reason)]) else { return false }
            await say("Escort: not sent: the gateway cannot reach its store to check that this session is still allowed. Try again shortly.", inline: false)
            await afterCommand(status: 126)
            return false
        }
        guard await apply(standing) else { return false }
        let dismissed = Set(standing.ineligibleEscorts.keys)
        guard !dismissed.isEmpty else { return true }
        var problem: String?
        if let by = approvedBy.first(where: dismissed.contains) {
            problem = "it was approved by \(by), who may no longer escort this session (\(standing.ineligibleEscorts[by] ?? ""))"
        } else if mode == .escorted, await context.hub.summary(id)?.escorts.isEmpty ?? true {
            problem = "no escort who may escort this session is watching any more"
        }
        guard let problem else { return true }
        guard await audit(.commandRefused, ["n": .integer(Int64(n)), "by": "registry", "reason": .string(problem)]) else { return false }
        await say("Escort: not sent: \(problem).", inline: false)
        await afterCommand(status: 126)
        return false
    }

    /// Acts on a re-check: escorts no longer eligible are taken off the session; a session no
    /// longer allowed ends. Returns whether it goes on.
    func apply(_ standing: SessionStanding) async -> Bool {
        guard state != .ended else { return false }
        for (name, why) in standing.ineligibleEscorts.sorted(by: { $0.key < $1.key }) {
            await audit(.escortDetached, ["escort": .string(name), "by": "registry", "reason": .string(why)], failClosed: false, actor: "system")
            await context.hub.dismiss(name, from: id, why: "may no longer escort this session (\(why))")
        }
        guard let why = standing.ended else { return true }
        await endByRegistry(why, reasons: standing.reasons)
        return false
    }

    /// Ends the session because the registry no longer allows it: the engineer is told why,
    /// and the audit log records `session.revoked` and then `session.ended` with the reason.
    public func endByRegistry(_ why: String, reasons: [String] = []) async {
        guard state != .ended else { return }
        await audit(.sessionRevoked, [
            "reason": .string(why), "reasons": .array(reasons.map { .string($0) }),
            "target": target.map { .string($0.name) } ?? .null, "commands": .integer(Int64(commandCount)),
        ], failClosed: false, actor: "system")
        SecurityTelemetry.record(.sessionEndedByPolicy, "a session was ended: the registry no longer allows it", [
            "session": "\(id)", "by": "registry", "person": "\(user.name)", "target": "\(target?.name ?? "-")", "reason": "\(why)",
        ])
        await say("Escort: this session ends: \(why)." + reasons.map { "\r\n  - \($0)" }.joined(), inline: false)
        await end(reason: "registry: \(why)", status: 1)
    }
}

extension Duration {
    /// The duration in seconds, as a double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
