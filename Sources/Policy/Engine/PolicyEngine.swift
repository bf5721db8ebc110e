import EscortCore
import Foundation
import ShellAnalysis

/// The pure policy evaluator: plain values in, decisions with reasons out. No I/O, no clock
/// (the caller passes `now`), no randomness, so every decision can be replayed from the log.
public struct PolicyEngine: Sendable {
    public let document: PolicyDocument
    public let ipTable: IPCountryTable

    public init(document: PolicyDocument, ipTable: IPCountryTable) {
        self.document = document
        self.ipTable = ipTable
    }

    /// Whether keystrokes go through to `program` while it runs (by its base name:
    /// `/usr/bin/top` counts as `top`).
    public func allowsInteractive(program: String) -> Bool {
        let base = program.split(separator: "/").last.map(String.init) ?? program
        return document.interactivePrograms.contains(base)
    }

    /// The verdict on one analysed command in a session of `mode` on `target`.
    ///
    /// Fail closed: a refused session runs nothing, and an analysis whose status is not
    /// `.complete` is never `run`, whatever the table says.
    public func command(_ analysis: Analysis, mode: AccessMode, target: Target) -> CommandDecision {
        guard let table = document.commands(for: mode) else {
            return CommandDecision(verdict: .refuse, reasons: ["the session was refused access to \(target.name), so no command runs"])
        }
        let level = target.impactLevel.rawValue
        var reasons = ["the analyser rates this command \(analysis.risk.rawValue) risk: \(analysis.summary)"]
        var verdict: CommandVerdict
        if analysis.status != .complete {
            verdict = table.unanalysable
            let why = analysis.diagnostic.map { " (\($0))" } ?? ""
            reasons.append(
                "the command could not be analysed in full (\(analysis.status.rawValue)\(why)); for \(mode.rawValue) sessions on \(level) targets the policy says \(verdict.rawValue): \(verdict.meaning)")
            if verdict == .run {
                verdict = .hold
                reasons.append("a command Escort could not analyse never runs unseen, so it is held for an escort (fail closed)")
            }
        } else {
            verdict = table.verdict(for: analysis.risk)
            let stated = table.verdicts[analysis.risk] == nil ? " (the policy sets nothing for this risk, so the default applies)" : ""
            reasons.append(
                "for \(mode.rawValue) sessions on \(level) targets the policy maps \(analysis.risk.rawValue) risk to \(verdict.rawValue)\(stated): \(verdict.meaning)")
        }
        return CommandDecision(verdict: verdict, reasons: reasons)
    }

    /// Whether `person` may escort sessions on `target` at `now`: the escort role, and an
    /// `[[escort]]` rule for the target's level whose conditions (and training) are met.
    ///
    /// With `sourceAddress` (the escort's own connection), the location check of ``access(_:)``
    /// applies too: from `[location] enforce_from` up, an address in a country of concern or in
    /// a country other than the declared location makes the person ineligible.
    public func escortEligibility(person: Person, target: Target, now: Date, sourceAddress: String? = nil) -> Eligibility {
        eligibility(person: person, target: target, now: now, address: sourceAddress, role: .escort, rules: document.escortRules, what: "escort")
    }

    /// Whether `person` may be the technical reviewer for `target` at `now`: the reviewer role
    /// and a `[[reviewer]]` rule for the target's level (and the location check, as for escorts).
    public func reviewerEligibility(person: Person, target: Target, now: Date, sourceAddress: String? = nil) -> Eligibility {
        eligibility(
            person: person, target: target, now: now, address: sourceAddress, role: .reviewer, rules: document.reviewerRules,
            what: "technical reviewer")
    }

    private func eligibility(
        person: Person, target: Target, now: Date, address: String?, role: Role, rules: [EligibilityRule], what: String
    ) -> Eligibility {
        let level = target.impactLevel
        if let why = person.unavailableReason ?? target.unavailableReason {
            return Eligibility(eligible: false, reasons: ["\(why): may not be \(what) for \(target.name)"])
        }
        let located = locate(person: person, address: address)
        let subject = Subject(
            person: person, effectiveLocation: located.effective, sourceCountry: located.sourceCountry,
            concern: document.countriesOfConcern)
        if level >= document.locationEnforcedFrom, let source = located.sourceCountry,
            document.countriesOfConcern.contains(source) || source != person.location
        {
            let why = document.countriesOfConcern.contains(source) ? "a country of concern" : "not the declared location \(person.location.code)"
            return Eligibility(
                eligible: false,
                reasons: [located.reason, "\(person.name) connects from an address in \(source.code), \(why): may not be \(what) for \(target.name) (\(level.rawValue))"])
        }
        guard person.has(role) else {
            return Eligibility(eligible: false, reasons: ["\(person.name) does not have the \(role.rawValue) role, so cannot be \(what) for \(target.name)"])
        }
        let applicable = rules.filter { $0.levels.contains(level) }
        guard !applicable.isEmpty else {
            return Eligibility(
                eligible: false, reasons: ["the policy has no \(role.rawValue) rule for \(level.rawValue) targets, so nobody may be \(what) for \(target.name)"])
        }
        var reasons: [String] = []
        for rule in applicable {
            var results = rule.conditions.map(subject.check)
            if rule.requiresTraining { results.append(subject.training(at: now)) }
            if results.allMet {
                let facts = results.facts
                let because = facts.isEmpty ? "" : ": " + facts.joined(separator: "; ")
                reasons.append("\(person.name) may be \(what) for \(target.name) (\(level.rawValue)) under rule \"\(rule.name)\"\(because)")
                return Eligibility(eligible: true, reasons: reasons)
            }
            reasons.append("rule \"\(rule.name)\" does not apply: " + results.failures.joined(separator: "; "))
        }
        reasons.append("\(person.name) may not be \(what) for \(target.name) (\(level.rawValue))")
        return Eligibility(eligible: false, reasons: reasons)
    }
}
