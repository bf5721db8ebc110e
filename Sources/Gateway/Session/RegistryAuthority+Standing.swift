import EscortCore
import Foundation
import Policy
import Store

/// Re-deciding an open session from the registry as it is now: what was allowed at connect time
/// goes on only while the registry and the policy still allow it.
extension RegistryAuthority {
    public func standing(of session: LiveSession) async throws -> SessionStanding {
        let at = now()
        guard let person = try await store.person(named: session.user.name) else {
            return SessionStanding(ended: "\(session.user.name) is no longer in the registry")
        }
        if let why = person.unavailableReason { return SessionStanding(ended: why) }
        if let line = session.user.key, let problem = Self.keyProblem(line, of: person) {
            return SessionStanding(ended: problem)
        }
        guard let target = try await store.target(named: session.target.name) else {
            return SessionStanding(ended: "target \(session.target.name) is no longer in the registry")
        }
        if let why = target.unavailableReason { return SessionStanding(ended: why) }
        // A session runs under its level's rules from the start (agent or not, the escort's
        // eligibility): a new level means a new session.
        if target.impactLevel != session.target.impactLevel {
            return SessionStanding(
                ended: "target \(target.name) is now \(target.impactLevel.rawValue) (it was \(session.target.impactLevel.rawValue) when this session began); connect again")
        }
        let tickets = try await store.activeTickets(person: person.name, target: target.name, at: at)
        let decision = engine.access(AccessRequest(person: person, target: target, sourceAddress: session.source, tickets: tickets, now: at))
        switch (decision.mode, session.mode) {
        case (.refused, _):
            let headline = try await ticketProblem(person: person, target: target, session: session, at: at)
                ?? "the policy no longer allows \(person.name) on \(target.name) (\(target.impactLevel.rawValue))"
            return SessionStanding(ended: headline, reasons: decision.reasons)
        case (.escorted, .direct):
            return SessionStanding(
                ended: "the policy now allows \(person.name) on \(target.name) only with an escort; connect again for an escorted session",
                reasons: decision.reasons)
        default:
            break
        }
        var escorts: [String: String] = [:]
        var moments: [Date] = []
        for name in session.escorts {
            guard let escort = try await store.person(named: name) else {
                escorts[name] = "\(name) is no longer in the registry"
                continue
            }
            let e = engine.escortEligibility(person: escort, target: target, now: at)
            if !e.eligible {
                escorts[name] = e.reasons.last ?? "\(name) may no longer escort sessions on \(target.name)"
            } else if let expires = escort.escortTrainingExpires, expires > at {
                moments.append(expires)
            }
        }
        // The ticket the session runs under, and its escorts' training, end at known moments:
        // check again exactly then.
        if let end = tickets.map({ t in t.revokedAt.map { min($0, t.validUntil) } ?? t.validUntil }).max() { moments.append(end) }
        let recheckBy = moments.min()
        return SessionStanding(reasons: decision.reasons, recheckBy: recheckBy, ineligibleEscorts: escorts)
    }

    /// Why the key `line` (`ssh-ed25519 AAAA…`) no longer lets `person` in, or nil if it does.
    static func keyProblem(_ line: String, of person: Person) -> String? {
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let blob = Data(base64Encoded: String(parts[1])).map([UInt8].init) else {
            return "the key this session signed in with cannot be read"
        }
        if person.keys.contains(where: { $0.blob == blob }) { return nil }
        if let revoked = person.revokedKeys.last(where: { $0.key.blob == blob }) {
            return "the key this session signed in with (\(revoked.key.fingerprint)) was revoked \(revoked.mark.sentence)"
        }
        return "the key this session signed in with is no longer registered to \(person.name)"
    }

    /// "ticket T-… expired at …" or "was revoked at …", for a ticket that was active when the
    /// session began and is not now.
    func ticketProblem(person: Person, target: Target, session: LiveSession, at: Date) async throws -> String? {
        let all = try await store.tickets(person: person.name, target: target.name)
        guard let lapsed = all.last(where: { $0.isActive(at: session.started) && !$0.isActive(at: at) }) else { return nil }
        if let r = lapsed.revokedAt, r <= at {
            return "ticket \(lapsed.id) for \(target.name) was revoked at \(RegistryDate.format(r))"
        }
        return "ticket \(lapsed.id) for \(target.name) expired at \(RegistryDate.format(lapsed.validUntil))"
    }
}
