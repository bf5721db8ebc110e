import EscortCore
import Foundation

extension PolicyEngine {
    /// The access decision at connect time.
    ///
    /// Order: the location check (from `[location] enforce_from` up, a source address in a
    /// country of concern or in a country other than the declared location refuses); then any
    /// matching `never` rule refuses; else the first matching `direct` rule; else the first
    /// matching `escorted` rule; else refused by default. Every step adds its reason.
    public func access(_ request: AccessRequest) -> AccessDecision {
        let person = request.person
        let target = request.target
        let level = target.impactLevel
        let where_ = "\(target.name) (\(level.rawValue))"
        let concern = document.countriesOfConcern
        var reasons: [String] = []
        var refusals: [String] = []

        // 0. A disabled or removed person or target: nobody decides further.
        if let why = person.unavailableReason ?? target.unavailableReason {
            let located = locate(person: person, address: request.sourceAddress)
            return AccessDecision(
                mode: .refused, reasons: [located.reason, "\(why): refused"], sourceCountry: located.sourceCountry,
                effectiveLocation: located.effective)
        }

        // 1. Where is the person?
        let located = locate(person: person, address: request.sourceAddress)
        reasons.append(located.reason)
        let enforce = level >= document.locationEnforcedFrom
        if let source = located.sourceCountry {
            if concern.contains(source) {
                let r = "\(person.name) connects from an address in \(source.code), a country of concern"
                if enforce {
                    refusals.append("\(r): refused for \(level.rawValue) (no access from countries of concern from \(document.locationEnforcedFrom.rawValue) up)")
                } else {
                    reasons.append("\(r); the rules for \(level.rawValue) decide")
                }
            } else if source != person.location {
                let r = "\(person.name) connects from an address in \(source.code) but declared location \(person.location.code)"
                if enforce {
                    refusals.append("\(r): refused for \(level.rawValue) (location mismatch; \(person.name) must declare where they are)")
                } else {
                    reasons.append("\(r); \(source.code) is used for the \(level.rawValue) rules")
                }
            }
        }
        let subject = Subject(person: person, effectiveLocation: located.effective, sourceCountry: located.sourceCountry, concern: concern)
        func decision(_ mode: AccessMode, rule: String? = nil) -> AccessDecision {
            AccessDecision(mode: mode, reasons: reasons, sourceCountry: located.sourceCountry, effectiveLocation: located.effective, rule: rule)
        }

        // 2. Never rules.
        let rules = document.accessRules.filter { $0.levels.contains(level) }
        for rule in rules where rule.mode == .never {
            let results = rule.conditions.map(subject.check)
            if results.allMet {
                let why = rule.reason.map { " (\($0))" } ?? " (rule \"\(rule.name)\")"
                refusals.append(results.facts.joined(separator: " and ") + ": refused for \(level.rawValue)\(why)")
            }
        }
        if !refusals.isEmpty {
            reasons += refusals
            return decision(.refused, rule: rules.first { $0.mode == .never && $0.conditions.map(subject.check).allMet }?.name)
        }
        guard !rules.isEmpty else {
            reasons.append("the policy has no access rule for \(level.rawValue) targets: \(person.name) is refused \(where_) by default")
            return decision(.refused)
        }

        // 3. Direct, then 4. escorted.
        let tickets = request.tickets.filter { $0.person == person.name && $0.target == target.name }
        for mode in [RuleMode.direct, .escorted] {
            for rule in rules where rule.mode == mode {
                var results = rule.conditions.map(subject.check)
                if rule.requiresTicket { results.append(ticketCheck(person: person, target: target, tickets: tickets, now: request.now)) }
                if results.allMet {
                    let how = mode == .direct ? "directly" : "only with an eligible escort watching"
                    let facts = results.facts
                    let because = facts.isEmpty ? "" : ": " + facts.joined(separator: "; ")
                    reasons.append("\(person.name) may work on \(where_) \(how) under rule \"\(rule.name)\"\(because)")
                    return decision(mode == .direct ? .direct : .escorted, rule: rule.name)
                }
                reasons.append("rule \"\(rule.name)\" (\(mode.rawValue)) does not apply: " + results.failures.joined(separator: "; "))
            }
        }
        reasons.append("no rule allows \(person.name) to work on \(where_): refused by default")
        return decision(.refused)
    }

    /// The source country (if the table knows a global address), the effective location, and
    /// the sentence that says which was used and why.
    func locate(person: Person, address: String?) -> (sourceCountry: CountryCode?, effective: CountryCode, reason: String) {
        let declared = "\(person.name)'s declared location (\(person.location.code)) is used"
        guard let address, !address.isEmpty else {
            return (nil, person.location, "no source address is known, so \(declared)")
        }
        guard let ip = IPAddress(address) else {
            return (nil, person.location, "the source address \"\(address)\" cannot be read, so \(declared)")
        }
        switch ip.scope {
        case .loopback, .privateNetwork, .linkLocal, .unspecified:
            let kind = ip.scope == .loopback ? "a loopback" : ip.scope == .privateNetwork ? "a private" : ip.scope == .linkLocal ? "a link-local" : "an unspecified"
            return (nil, person.location, "the source address \(ip) is \(kind) address, which says nothing of where \(person.name) is, so \(declared)")
        case .global:
            guard let country = ipTable.country(for: ip) else {
                return (nil, person.location, "the source address \(ip) is not in the IP-to-country table, so \(declared)")
            }
            if country == person.location {
                return (country, country, "the source address \(ip) is in \(country.code) by the IP-to-country table, matching \(person.name)'s declared location")
            }
            return (country, country, "the source address \(ip) is in \(country.code) by the IP-to-country table")
        }
    }

    func ticketCheck(person: Person, target: Target, tickets: [Ticket], now: Date) -> PolicyEvaluationResult {
        if let t = tickets.filter({ $0.isActive(at: now) }).max(by: { $0.validUntil < $1.validUntil }) {
            return .meetsPolicy("\(person.name) holds ticket \(t.id) for \(target.name), valid until \(RegistryDate.format(t.validUntil)) (\(t.reason))")
        }
        guard !tickets.isEmpty else {
            return .failsToMeetPolicy(reason: "\(person.name) holds no ticket for \(target.name)")
        }
        let why = tickets.map { t -> String in
            if let r = t.revokedAt, r <= now { return "\(t.id) was revoked at \(RegistryDate.format(r))" }
            if now < t.validFrom { return "\(t.id) starts only at \(RegistryDate.format(t.validFrom))" }
            return "\(t.id) expired at \(RegistryDate.format(t.validUntil))"
        }
        return .failsToMeetPolicy(reason: "\(person.name) holds no active ticket for \(target.name) (\(why.joined(separator: "; ")))")
    }
}
