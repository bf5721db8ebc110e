import AuditLog
import EscortCore
import Foundation

/// One person's access to one target in the review period, and on what basis.
public struct AccessHolder: Sendable, Hashable {
    public var person: String
    public var displayName: String
    /// Citizenships, residence.
    public var profile: String
    /// Sentences: `direct under rule "il5-direct" (2 sessions)`, `escorted under rule … (1 session)`,
    /// `ticket T-… valid 2026-11-01T00:00:00Z to …`.
    public var basis: [String]
    public var directSessions: Int
    public var escortedSessions: Int
    public var refusedConnections: Int
    public var commandsRun: Int
    /// Admitted sessions by how they ran: under escort-agent, or agentless (the gateway reads
    /// only what the engineer types). Sessions whose start record names neither are in neither.
    public var mediatedSessions: Int = 0
    public var agentlessSessions: Int = 0
    /// Escorts who watched this person's sessions.
    public var escorts: [String]
}

/// Something that departed from the ordinary run of the policy.
public struct PolicyException: Sendable, Hashable {
    /// `approved-hold` (a command the policy would not run unaided was approved by a person),
    /// `refused-by-policy` (an attempt the policy refused outright), `refused-by-escort` (a held
    /// command a person refused), `session-killed` (at the time it was ended), `policy-changed`,
    /// `undecided-hold`.
    public var kind: String
    public var time: Date
    public var session: String?
    public var person: String?
    public var description: String
}

/// One target under one contract.
public struct TargetReview: Sendable, Hashable {
    public var target: String
    public var impactLevel: ImpactLevel?
    public var access: [AccessHolder]
    public var exceptions: [PolicyException]
    /// Refused connections by people tied to a country of concern.
    public var concernRefusals: [SessionActivity]
}

/// One contract (the `contractor` of the people who work under it).
public struct ContractReview: Sendable, Hashable {
    public var name: String
    /// Registered people under the contract.
    public var personnel: [String]
    public var targets: [TargetReview]
}

/// The two-week review: per contract and target, who had access and on what basis, policy
/// exceptions, refused connections from countries of concern, and whether the log verified.
public struct ReviewReport: Sendable {
    public var period: ReportPeriod
    public var countriesOfConcern: [String]
    public var provenance: ReportProvenance
    public var contracts: [ContractReview]
    /// `policy.changed` records in the period (they concern every contract).
    public var policyChanges: [PolicyException]

    /// Builds the review for `contracts` (nil: every contract). Pure.
    ///
    /// - Throws: ``ReportError`` `.unknownContract` for a name no registered person works under,
    ///   naming the contracts there are.
    public init(
        evidence: ReportEvidence, registry: RegistrySnapshot, period: ReportPeriod, contract: String?,
        countriesOfConcern: Set<CountryCode>
    ) throws(ReportError) {
        self.period = period
        self.countriesOfConcern = countriesOfConcern.map(\.code).sorted()
        provenance = evidence.provenance
        var registry = registry
        registry.learnHistory(from: evidence.activity.registryChanges)
        let inLog = Set(evidence.activity.sessions.map { registry.contractor(of: $0.person, at: $0.time) })
        let known = Set(registry.contractors).union(inLog)
        let chosen: [String]
        if let contract {
            guard let match = known.first(where: { $0.lowercased() == contract.lowercased() }) else {
                throw ReportError(
                    .unknownContract,
                    "no contract named \"\(contract)\" (contracts: \(known.sorted().joined(separator: ", ")); a contract is the contractor people are registered under)")
            }
            chosen = [match]
        } else {
            chosen = known.sorted()
        }
        var sessions = evidence.activity.sessions.filter { period.contains($0.time) }
        for i in sessions.indices { sessions[i].concernTies = registry.ties(of: sessions[i], concern: countriesOfConcern).ties }
        var contracts: [ContractReview] = []
        for name in chosen {
            let personnel = registry.people.values.filter { $0.contractor == name }.map(\.name).sorted()
            let mine = sessions.filter { registry.contractor(of: $0.person, at: $0.time) == name }
            let tickets = registry.tickets.filter { t in
                registry.contractor(of: t.person) == name && t.validFrom < period.to && period.from < (t.revokedAt.map { min($0, t.validUntil) } ?? t.validUntil)
            }
            let targetNames = Set(mine.map(\.target)).union(tickets.map(\.target)).sorted()
            var reviews: [TargetReview] = []
            for target in targetNames {
                let here = mine.filter { $0.target == target }.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
                let level = here.first?.impactLevel ?? registry.targets[target]?.impactLevel
                var holders: [AccessHolder] = []
                let people = Set(here.map(\.person)).union(tickets.filter { $0.target == target }.map(\.person)).sorted()
                for login in people {
                    let theirs = here.filter { $0.person == login }
                    let p = registry.facts(of: login, at: theirs.map(\.time).max() ?? period.to)
                    var basis: [String] = []
                    for mode in ["direct", "escorted"] {
                        let byRule = Dictionary(grouping: theirs.filter { $0.decision == mode }) { $0.rule ?? "no rule recorded" }
                        for (rule, list) in byRule.sorted(by: { $0.key < $1.key }) {
                            basis.append("\(mode == "direct" ? "eligible directly" : "escorted") under rule \"\(rule)\" (\(list.count) session\(list.count == 1 ? "" : "s"))")
                        }
                    }
                    // A ticket is used only by a connection that was let in; one named at refused
                    // connections gave no access.
                    let used = Set(theirs.filter(\.wasAdmitted).flatMap(\.tickets))
                    let presented = Set(theirs.filter { !$0.wasAdmitted }.flatMap(\.tickets))
                    if theirs.allSatisfy({ !$0.wasAdmitted }) && !theirs.isEmpty { basis.append("none: every connection was refused") }
                    for t in tickets where t.person == login && t.target == target {
                        var s = "ticket \(t.id) (\(t.reason), granted by \(t.grantedBy)) valid \(ReportTime.readable(t.validFrom)) to \(ReportTime.readable(t.validUntil))"
                        if let r = t.revokedAt { s += ", revoked \(ReportTime.readable(r))" }
                        s += used.contains(t.id) ? ", used" : presented.contains(t.id) ? ", held but every connection was refused" : ", not used in the period"
                        // A ticket for someone tied to a country of concern, on IL4 and above, is flagged.
                        let concern = Set(countriesOfConcern.map(\.code))
                        if let p, let level, level >= .il4 {
                            let ties = p.citizenships.filter(concern.contains).map { "citizen of \($0)" }
                                + (concern.contains(p.residence) ? ["resides in \(p.residence)"] : [])
                            if !ties.isEmpty {
                                s += "; FLAGGED: granted for \(level.rawValue) to a person tied to a country of concern (\(ties.joined(separator: ", ")))"
                            }
                        }
                        basis.append(s)
                    }
                    for id in used.union(presented).sorted() where !tickets.contains(where: { $0.id == id }) { basis.append("ticket \(id) (no longer in the registry)") }
                    holders.append(AccessHolder(
                        person: login, displayName: p?.displayName ?? login,
                        profile: p.map { "citizen of \($0.citizenships.joined(separator: "+")), resides in \($0.residence)" } ?? "not in the registry",
                        basis: basis,
                        directSessions: theirs.filter { $0.decision == "direct" }.count,
                        escortedSessions: theirs.filter { $0.decision == "escorted" }.count,
                        refusedConnections: theirs.filter { !$0.wasAdmitted }.count,
                        commandsRun: theirs.reduce(0) { $0 + $1.count(.ran) },
                        mediatedSessions: theirs.filter { $0.execution == "mediated" }.count,
                        agentlessSessions: theirs.filter { $0.execution == "agentless" }.count,
                        escorts: Array(Set(theirs.flatMap(\.escorts))).sorted()))
                }
                var exceptions: [PolicyException] = []
                for s in here {
                    // Attempts the policy refused outright (never held, never sent).
                    for c in s.commands where !c.held && c.outcome == .refused {
                        exceptions.append(PolicyException(
                            kind: "refused-by-policy", time: c.time, session: s.id, person: s.person,
                            description: "#\(c.number) `\(c.command)` (\(c.risk ?? "unrated") risk\(c.techniques.isEmpty ? "" : ", " + c.techniques.joined(separator: ", "))) refused by the \(c.refusedBy ?? "policy"): \(c.refusalReason ?? "no reason recorded")"))
                    }
                    for c in s.commands where c.held {
                        if !c.approvedBy.isEmpty {
                            exceptions.append(PolicyException(
                                kind: "approved-hold", time: c.time, session: s.id, person: s.person,
                                description: "#\(c.number) `\(c.command)` (\(c.risk ?? "unrated") risk, ruling \(c.ruling ?? "hold")) approved by \(c.approvedBy.joined(separator: " and "))"))
                        } else if c.outcome == .refused {
                            exceptions.append(PolicyException(
                                kind: "refused-by-escort", time: c.time, session: s.id, person: s.person,
                                description: "#\(c.number) `\(c.command)` (\(c.risk ?? "unrated") risk) held, refused by \(c.refusedBy ?? "unknown"): \(c.refusalReason ?? "no reason recorded")"))
                        } else if c.outcome == .undecided {
                            exceptions.append(PolicyException(
                                kind: "undecided-hold", time: c.time, session: s.id, person: s.person,
                                description: "#\(c.number) `\(c.command)` was held and never decided (the session ended)"))
                        }
                    }
                    if let by = s.killedBy {
                        exceptions.append(PolicyException(
                            kind: "session-killed", time: s.killedAt ?? s.time, session: s.id, person: s.person,
                            description: "session ended by \(by): \(s.endReason ?? "no reason recorded")"))
                    }
                }
                let refusals = here.filter { !$0.wasAdmitted && !$0.concernTies.isEmpty }
                reviews.append(TargetReview(target: target, impactLevel: level, access: holders, exceptions: exceptions, concernRefusals: refusals))
            }
            contracts.append(ContractReview(name: name, personnel: personnel, targets: reviews))
        }
        self.contracts = contracts
        policyChanges = evidence.activity.policyChanges.compactMap { (r: AuditRecord) -> PolicyException? in
            guard let t = ReportTime.parse(r.time), period.contains(t) else { return nil }
            return PolicyException(
                kind: "policy-changed", time: t, session: nil, person: r.actor, description: Self.describePolicyChange(r))
        }
    }
}

extension ReviewReport {
    /// A `policy.changed` record in words, saying only what the record holds: the old and new
    /// SHA-256 when it has them, else what the gateway recorded at its start (policy file,
    /// countries of concern), never a "?" for a field the record does not have.
    static func describePolicyChange(_ r: AuditRecord) -> String {
        let f = r.fields
        let who = r.actor ?? "unknown"
        let old: String? = f["old_sha256"]?.stringValue ?? f["old"]?.stringValue
        let given: String? = f["new_sha256"]?.stringValue ?? f["new"]?.stringValue
        let new: String? = given ?? f["sha256"]?.stringValue
        var parts: [String] = []
        if let policy = f["policy"]?.stringValue { parts.append("policy \(policy)") }
        switch (old, new) {
        case (let o?, let n?): parts.append("SHA-256 \(o) → \(n)")
        case (nil, let n?): parts.append("SHA-256 \(n)")
        case (let o?, nil): parts.append("previously SHA-256 \(o)")
        case (nil, nil): break
        }
        if let countries = f["countries_of_concern"]?.arrayValue?.compactMap(\.stringValue), !countries.isEmpty {
            parts.append("countries of concern \(countries.map(CountryNames.label).joined(separator: ", "))")
        }
        let started = f["event"]?.stringValue == "gateway started"
        let what = started ? "gateway started by \(who)" : "policy changed by \(who)"
        return parts.isEmpty ? what + " (the record names no policy file or digest)" : what + ": " + parts.joined(separator: "; ")
    }
}
