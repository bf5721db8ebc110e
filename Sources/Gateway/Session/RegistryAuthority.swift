import EscortCore
import Foundation
import Policy
import ShellAnalysis
import Store

/// The gateway's authority over the real registry (people, targets, tickets) and the policy
/// engine. Every lookup failure propagates as a throw, which the gateway turns into a refusal.
public struct RegistryAuthority: GatewayAuthority {
    let store: any RegistryStore
    let engine: PolicyEngine
    /// Where local-shell targets start (one folder per target); nil: the gateway's directory.
    let localHome: String?
    let now: @Sendable () -> Date

    public init(store: any RegistryStore, engine: PolicyEngine, localHome: String? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.engine = engine
        self.localHome = localHome
        self.now = now
    }

    public func user(forKey key: String) async throws -> GatewayUser? {
        let parts = key.split(separator: " ")
        guard parts.count >= 2, let blob = Data(base64Encoded: String(parts[1])) else { return nil }
        return try await store.person(withKey: [UInt8](blob)).map { p in
            var u = Self.user(p)
            u.key = parts.prefix(2).joined(separator: " ")
            return u
        }
    }

    /// The gateway's view of a registered person.
    public static func user(_ p: Person) -> GatewayUser {
        let citizen = p.citizenships.map(\.code).joined(separator: "+")
        let profile = "citizen of \(citizen), resident in \(p.residence.code), located in \(p.location.code); clearance \(p.clearance.rawValue); \(p.employer) (contractor: \(p.contractor))"
        return GatewayUser(name: p.name, displayName: p.displayName, roles: p.roles, profile: profile)
    }

    func gatewayTarget(_ t: Target) -> GatewayTarget {
        let connector: any TargetConnector
        switch t.connection {
        case .localShell:
            let dir = localHome.map { "\($0)/\(t.name)" }
            if let dir { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            connector = LocalShellConnector(directory: dir)
        case .ssh(let host, let port, let user, let keyPath):
            connector = SSHTargetConnector(host: host, port: port, user: user, keyPath: keyPath, hostKey: t.sshHostKey)
        }
        return GatewayTarget(name: t.name, impactLevel: t.impactLevel, connector: connector, context: Self.context(t.workload))
    }

    /// The analyser's view of what the registry says a target runs.
    static func context(_ w: TargetWorkload) -> TargetContext {
        TargetContext(services: w.services, appDirectories: w.appDirectories, databases: w.databases, networks: w.networks)
    }

    /// The menu: every target nobody disabled or removed.
    public func targets() async throws -> [GatewayTarget] {
        try await store.targets().filter(\.isEnabled).map(gatewayTarget)
    }

    public func target(named name: String) async throws -> GatewayTarget? {
        try await store.target(named: name).map(gatewayTarget)
    }

    func records(_ user: GatewayUser, _ target: GatewayTarget) async throws -> (Person, Target) {
        guard let person = try await store.person(named: user.name) else {
            throw GatewayError(.policyUnavailable, "\(user.name) is no longer in the registry")
        }
        guard let t = try await store.target(named: target.name) else {
            throw GatewayError(.policyUnavailable, "\(target.name) is no longer in the registry")
        }
        return (person, t)
    }

    public func access(user: GatewayUser, target: GatewayTarget, source: String?) async throws -> AccessOutcome {
        let (person, t) = try await records(user, target)
        let at = now()
        let tickets = try await store.activeTickets(person: person.name, target: t.name, at: at)
        let decision = engine.access(AccessRequest(person: person, target: t, sourceAddress: source, tickets: tickets, now: at))
        var facts: [String: JSONValue] = ["effective_location": .string(decision.effectiveLocation.code)]
        if let c = decision.sourceCountry { facts["source_country"] = .string(c.code) }
        if let r = decision.rule { facts["rule"] = .string(r) }
        if !tickets.isEmpty { facts["tickets"] = .array(tickets.map { .string($0.id) }) }
        let mode: SessionMode? = switch decision.mode {
        case .direct: .direct
        case .escorted: .escorted
        case .refused: nil
        }
        return AccessOutcome(mode: mode, reasons: decision.reasons, facts: facts)
    }

    public func ruling(for analysis: Analysis, mode: SessionMode, target: GatewayTarget) -> (CommandRuling, [String]) {
        // The registry target is only needed for its level; build it from what the gateway knows.
        let t = Target(name: target.name, impactLevel: target.impactLevel, owner: "", connection: .localShell)
        let decision = engine.command(analysis, mode: mode == .direct ? .direct : .escorted, target: t)
        let ruling: CommandRuling = switch decision.verdict {
        case .run: .run
        case .hold: .hold
        case .holdWithReview: .holdWithReview
        case .refuse: .refuse
        }
        return (ruling, decision.reasons)
    }

    public func mayEscort(user: GatewayUser, target: GatewayTarget) async throws -> Verdict {
        let (person, t) = try await records(user, target)
        let e = engine.escortEligibility(person: person, target: t, now: now())
        return Verdict(allowed: e.eligible, reasons: e.reasons)
    }

    public func mayReview(user: GatewayUser, target: GatewayTarget) async throws -> Verdict {
        let (person, t) = try await records(user, target)
        let e = engine.reviewerEligibility(person: person, target: t, now: now())
        return Verdict(allowed: e.eligible, reasons: e.reasons)
    }

    public func allowsInteractive(program: String) -> Bool {
        engine.allowsInteractive(program: program)
    }
}
