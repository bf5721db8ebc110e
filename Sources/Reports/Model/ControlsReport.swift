import AuditLog
import EscortCore
import Foundation
import Store

/// What the policy says, for the control evidence (the CLI reads the policy; Reports does not
/// depend on the Policy module).
public struct PolicyFacts: Sendable, Hashable {
    /// SHA-256 of the policy file in force.
    public var sha256: String
    public var countriesOfConcern: [String]
    /// Levels from which a source address in a country of concern is refused.
    public var locationEnforcedFrom: String
    /// Number of access, escort and reviewer rules.
    public var accessRules: Int
    public var escortRules: Int
    public var reviewerRules: Int
    /// Whether port forwarding, agent forwarding and subsystems are refused.
    public var forwardingRefused: Bool

    public init(sha256: String, countriesOfConcern: [String], locationEnforcedFrom: String, accessRules: Int, escortRules: Int, reviewerRules: Int, forwardingRefused: Bool) {
        self.sha256 = sha256
        self.countriesOfConcern = countriesOfConcern
        self.locationEnforcedFrom = locationEnforcedFrom
        self.accessRules = accessRules
        self.escortRules = escortRules
        self.reviewerRules = reviewerRules
        self.forwardingRefused = forwardingRefused
    }
}

/// Evidence for one NIST SP 800-53 Rev. 5 control.
public struct ControlEvidence: Sendable, Hashable {
    /// OSCAL control id, e.g. `ac-2`.
    public var id: String
    /// `AC-2`.
    public var label: String
    public var title: String
    /// How Escort implements it.
    public var implementation: String
    /// Figures from the audit log and the registries, one sentence each.
    public var evidence: [String]
    /// Whether the evidence shows the control working in the period.
    public var satisfied: Bool
    /// Why not, when not.
    public var gap: String?
}

/// Evidence for the NIST SP 800-53 controls Escort implements, derived from the audit log (up to
/// one signed checkpoint), the registries and the policy.
public struct ControlsReport: Sendable {
    /// The time the evidence is judged at (the period's end, or the checkpoint's time).
    public var asOf: Date
    public var start: Date
    public var provenance: ReportProvenance
    public var policy: PolicyFacts
    public var controls: [ControlEvidence]

    /// The controls covered, in order.
    public static let controlIDs = ["ac-2", "ac-3", "ac-5", "ac-6", "ac-17", "at-3", "au-2", "au-3", "au-6", "au-8", "au-9", "au-10", "au-12", "ps-3", "ps-7", "sa-9"]

    public init(
        evidence: ReportEvidence, registry: RegistrySnapshot, training: [StoredTrainingResult], policy: PolicyFacts,
        period: ReportPeriod?
    ) {
        let a = evidence.activity
        let checkpointTime = ReportTime.parse(evidence.provenance.time) ?? Date(timeIntervalSince1970: 0)
        let asOf = period?.to ?? checkpointTime
        let start = period?.from ?? a.firstTime ?? checkpointTime
        self.asOf = asOf
        self.start = start
        provenance = evidence.provenance
        self.policy = policy
        let window = (try? ReportPeriod(from: start, to: asOf.addingTimeInterval(0.001))) ?? ReportPeriod.lastFourteenDays(before: asOf)
        var registry = registry
        registry.learnHistory(from: a.registryChanges)
        let concernSet = Set(policy.countriesOfConcern.compactMap { try? CountryCode(validating: $0) })
        var sessions = a.sessions.filter { window.contains($0.time) }
        for i in sessions.indices { sessions[i].concernTies = registry.ties(of: sessions[i], concern: concernSet).ties }
        func n(_ code: AuditEventCode) -> Int { a.countsByCode[code.code] ?? 0 }
        let admitted = sessions.filter(\.wasAdmitted)
        let refused = sessions.filter { !$0.wasAdmitted }
        let escorted = admitted.filter { $0.decision == "escorted" }
        let escortedWatched = escorted.filter { !$0.escorts.isEmpty }
        let commands = sessions.flatMap(\.commands)
        let held = commands.filter(\.held)
        let ran = commands.filter { $0.outcome == .ran }
        let heldRan = held.filter { $0.outcome == .ran }
        let heldRanApproved = heldRan.filter { !$0.approvedBy.isEmpty }
        let selfApproved = sessions.flatMap { s in s.commands.filter { $0.approvedBy.contains(s.person) } }
        let reviewHolds = held.filter { $0.ruling == "hold+review" && $0.outcome == .ran }
        let reviewHoldsTwo = reviewHolds.filter { Set($0.approvedBy).count >= 2 }
        // Removed people stay in the registry for the history; they are no longer accounts.
        let everyone = registry.people.values.sorted { $0.name < $1.name }
        let people = everyone.filter { $0.removed == nil }
        let removedAccounts = everyone.count - people.count
        let disabledAccounts = people.filter { $0.disabled != nil }.count
        let escorts = people.filter { $0.has(.escort) }
        // Trained means the registry's date (what the policy checks) is unexpired and training
        // passes in the log earned an unexpired date; a date an admin set with no pass behind it
        // is evidence of nothing having been trained.
        let history = EscortTraining.history(from: a.registryChanges, through: asOf)
        let dated = escorts.filter { ($0.escortTrainingExpires.map { $0 > asOf }) ?? false }
        let trainedEscorts = dated.filter { history[$0.name]?.trained(at: asOf) ?? false }
        let dateOnly = dated.filter { !(history[$0.name]?.trained(at: asOf) ?? false) }
        let concernCodes = Set(policy.countriesOfConcern)
        let concernAdmittedDoD = admitted.filter { s in (s.impactLevel.map { $0 >= .il4 } ?? false) && !s.concernTies.isEmpty }
        let ticketsUsed = Set(admitted.flatMap(\.tickets))
        let contractors = Set(people.map(\.contractor))
        let passes = training.filter { $0.passed && window.contains($0.finishedAt) }
        let verified = evidence.provenance.verified
        let span = "from \(ReportTime.format(start)) to \(ReportTime.format(asOf))"

        var c: [ControlEvidence] = []
        c.append(ControlEvidence(
            id: "ac-2", label: "AC-2", title: "Account Management",
            implementation: "People, their roles (engineer, escort, reviewer, admin), SSH keys, citizenships, residence, clearance and contractor are held in the personnel registry; every change is an audit record (registry.changed, ESC-3002) with the actor; tickets grant time-bound access per person and target.",
            evidence: [
                "\(people.count) registered people (\(escorts.count) escorts) under \(contractors.count) contractor(s); \(registry.targets.count) registered targets; \(registry.tickets.count) tickets.",
                "\(a.registryChanges.count) registry changes recorded in the audit log, each with its actor.",
                "\(disabledAccounts) disabled and \(removedAccounts) removed account(s), each marked with when, by whom and why; a revoked key, a disabled or removed person ends their open sessions.",
            ],
            satisfied: verified, gap: verified ? nil : "the audit log did not verify"))
        c.append(ControlEvidence(
            id: "ac-3", label: "AC-3", title: "Access Enforcement",
            implementation: "Every connection is decided by the policy engine (direct, escorted or refused, with reasons) before any shell opens; every command is analysed and ruled (run, hold, hold+review, refuse) and written durably to the audit log before it reaches the target.",
            evidence: [
                "\(sessions.count) connection attempts \(span): \(admitted.count - escorted.count) direct, \(escorted.count) escorted, \(refused.count) refused by policy.",
                "\(commands.count) commands: \(ran.count) run, \(held.count) held for a person, \(commands.filter { $0.outcome == .refused }.count) refused.",
                "Held commands that ran: \(heldRan.count), of which \(heldRanApproved.count) carry a recorded approval.",
            ],
            satisfied: verified && heldRan.count == heldRanApproved.count,
            gap: heldRan.count == heldRanApproved.count ? (verified ? nil : "the audit log did not verify") : "\(heldRan.count - heldRanApproved.count) held command(s) ran without a recorded approval"))
        c.append(ControlEvidence(
            id: "ac-5", label: "AC-5", title: "Separation of Duties",
            implementation: "Nobody escorts or approves their own session; the riskiest commands need two people (an escort and a technical reviewer).",
            evidence: [
                "Approvals of a person's own commands: \(selfApproved.count).",
                "Commands ruled hold+review that ran: \(reviewHolds.count), approved by two different people: \(reviewHoldsTwo.count).",
            ],
            satisfied: selfApproved.isEmpty && reviewHolds.count == reviewHoldsTwo.count,
            gap: selfApproved.isEmpty && reviewHolds.count == reviewHoldsTwo.count ? nil : "self-approval or a two-person command approved by fewer than two people"))
        c.append(ControlEvidence(
            id: "ac-6", label: "AC-6", title: "Least Privilege",
            implementation: "Engineers never hold target credentials (the gateway injects them); access is per target, limited in time by tickets; escorted sessions run only low-risk commands unaided; port, agent forwarding and subsystems are refused unless the policy allows them.",
            evidence: [
                "\(ticketsUsed.count) distinct tickets used by admitted sessions; \(admitted.filter { $0.tickets.isEmpty }.count) admitted sessions without a ticket (allowed only where the policy's rule needs none).",
                "Forwarding and subsystems refused by the policy: \(policy.forwardingRefused ? "yes" : "no").",
            ],
            satisfied: policy.forwardingRefused, gap: policy.forwardingRefused ? nil : "the policy allows forwarding or subsystems"))
        c.append(ControlEvidence(
            id: "ac-17", label: "AC-17", title: "Remote Access",
            implementation: "All remote administrative access to targets goes through the gateway's SSH server, authenticated by registered keys, monitored and recorded.",
            evidence: [
                "\(n(.sessionStarted)) sessions started through the gateway in the log; \(n(.recordingClosed)) recordings closed with their SHA-256 in the log.",
                "Admitted sessions \(span) by how they ran (session.started field execution): \(admitted.filter { $0.execution == "mediated" }.count) mediated under escort-agent (every program start checked), \(admitted.filter { $0.execution == "agentless" }.count) agentless (only what is typed is seen)\(admitted.filter { $0.execution != "mediated" && $0.execution != "agentless" }.count > 0 ? ", \(admitted.filter { $0.execution != "mediated" && $0.execution != "agentless" }.count) not recorded" : "").",
            ],
            satisfied: verified, gap: verified ? nil : "the audit log did not verify"))
        c.append(ControlEvidence(
            id: "at-3", label: "AT-3", title: "Role-Based Training",
            implementation: "Escorts train on scenarios of held commands (escort train); passing every scenario of a set sets their escort-training date, which the policy requires of every escort.",
            evidence: [
                "\(trainedEscorts.count) of \(escorts.count) escorts hold unexpired escort training earned by training results recorded in the audit log at \(ReportTime.format(asOf)).",
                "\(dateOnly.count) escort(s) hold an unexpired escort-training date set by an admin with no training result behind it\(dateOnly.isEmpty ? "" : ": " + dateOnly.map(\.name).joined(separator: ", ")).",
                "\(passes.count) passing training results \(span); \(history.values.reduce(0) { $0 + $1.refusedRuns }) run(s) refused as faster than a person; \(escortedWatched.count) of \(escorted.count) escorted sessions were watched by an escort.",
            ],
            satisfied: !escorts.isEmpty && trainedEscorts.count == escorts.count,
            gap: escorts.isEmpty
                ? "no escorts are registered"
                : trainedEscorts.count == escorts.count
                ? nil
                : "\(escorts.count - trainedEscorts.count) escort(s) without unexpired training earned by a recorded training result (\(dateOnly.count) of them with only a date set by an admin)"))
        c.append(ControlEvidence(
            id: "au-2", label: "AU-2", title: "Event Logging",
            implementation: "A catalogue of \(AuditEventCode.allCases.count) event types with stable codes (docs/event-codes.md) covers sessions, access decisions, every command and its ruling, approvals, escorts, registry and policy changes, reports and verification.",
            evidence: AuditEventCode.allCases.filter { n($0) > 0 }.map { "\($0.code) \($0.name): \(n($0)) record(s)." },
            satisfied: true, gap: nil))
        c.append(ControlEvidence(
            id: "au-3", label: "AU-3", title: "Content of Audit Records",
            implementation: "Each record holds what happened (code and event), when (UTC, milliseconds), where (session, target, source address and country), who (actor), the outcome (decision, ruling, approvers, exit status) and the command itself with the analyser's findings.",
            evidence: ["\(evidence.records.count) records read; \(evidence.records.filter { $0.actor != nil }.count) name an actor; \(evidence.records.filter { $0.session != nil }.count) name a session."],
            satisfied: true, gap: nil))
        c.append(ControlEvidence(
            id: "au-6", label: "AU-6", title: "Audit Record Review, Analysis, and Reporting",
            implementation: "Reports (exposure, two-week review, this evidence) are derived from verified records and record their own generation (report.generated, ESC-4001, with the SHA-256 of the report).",
            evidence: [
                "\(n(.reportGenerated)) reports and \(n(.verificationRun)) verification runs recorded in audit records 1–\(evidence.provenance.treeSize).",
                "Runs recorded after that checkpoint (this report's own among them) are not evidence here: a report's figures stop at its checkpoint, so that the same log gives the same report; they count in a report whose period covers later gateway activity.",
            ],
            satisfied: verified && n(.reportGenerated) + n(.verificationRun) > 0,
            gap: n(.reportGenerated) + n(.verificationRun) == 0
                ? "no report or verification run is recorded up to checkpoint \(evidence.provenance.treeSize): the evidence does not show the log being reviewed"
                : verified ? nil : "the audit log did not verify"))
        c.append(ControlEvidence(
            id: "au-8", label: "AU-8", title: "Time Stamps",
            implementation: "Every record and checkpoint carries an RFC 3339 UTC time with milliseconds.",
            evidence: ["First record \(a.firstTime.map(ReportTime.format) ?? "none"), last read \(a.lastTime.map(ReportTime.format) ?? "none")."],
            satisfied: true, gap: nil))
        c.append(ControlEvidence(
            id: "au-9", label: "AU-9", title: "Protection of Audit Information",
            implementation: "Records form a hash chain over canonical JSON with an RFC 6962 Merkle tree; checkpoints are signed with the gateway's Ed25519 key; verification works offline from an export and names the first record that fails.",
            evidence: [evidence.provenance.statement],
            satisfied: verified, gap: verified ? nil : evidence.provenance.verification))
        c.append(ControlEvidence(
            id: "au-10", label: "AU-10", title: "Non-repudiation",
            implementation: "Approvals and refusals name the person who made them in signed, hash-chained records; checkpoints are Ed25519 signatures an auditor can check with the gateway's public key.",
            evidence: [
                "\(n(.commandApproved)) approvals and \(n(.commandRefused)) refusals recorded with their actor.",
                "Signatures checked against \(evidence.provenance.keyPinned ? "a pinned gateway key" : "the key named in the log") \(evidence.provenance.key).",
            ],
            satisfied: verified, gap: verified ? nil : "the audit log did not verify"))
        c.append(ControlEvidence(
            id: "au-12", label: "AU-12", title: "Audit Record Generation",
            implementation: "The gateway writes and syncs the record of a command before forwarding it; if the record cannot be written, the command does not run (fail closed).",
            evidence: ["\(n(.commandForwarded)) command.forwarded records (each written before the command was sent); \(n(.commandFinished)) command.finished records."],
            satisfied: verified, gap: verified ? nil : "the audit log did not verify"))
        c.append(ControlEvidence(
            id: "ps-3", label: "PS-3", title: "Personnel Screening",
            implementation: "The registry records citizenships, residence, declared location and clearance; the policy (countries of concern: \(policy.countriesOfConcern.joined(separator: ", "))) refuses persons tied to a country of concern on IL4 and above, and checks clearance per level.",
            evidence: [
                "\(people.filter { p in p.citizenships.contains { concernCodes.contains($0.code) } || concernCodes.contains(p.residence.code) }.count) registered people are citizens or residents of a country of concern.",
                "Admitted sessions at IL4+ by people tied to a country of concern: \(concernAdmittedDoD.count); such connections refused: \(refused.filter { s in (s.impactLevel.map { $0 >= .il4 } ?? false) && !s.concernTies.isEmpty }.count).",
            ],
            satisfied: concernAdmittedDoD.isEmpty,
            gap: concernAdmittedDoD.isEmpty ? nil : "\(concernAdmittedDoD.count) admitted IL4+ session(s) by people tied to a country of concern"))
        c.append(ControlEvidence(
            id: "ps-7", label: "PS-7", title: "External Personnel Security",
            implementation: "Every person is registered with employer and contractor; the exposure report lists per contractor who did what on which system.",
            evidence: contractors.sorted().map { name in
                let mine = sessions.filter { registry.contractor(of: $0.person, at: $0.time) == name }
                return "\(name): \(people.filter { $0.contractor == name }.count) people, \(mine.count) connection attempts, \(mine.reduce(0) { $0 + $1.count(.ran) }) commands run."
            },
            satisfied: true, gap: nil))
        c.append(ControlEvidence(
            id: "sa-9", label: "SA-9", title: "External System Services",
            implementation: "Contractors' personnel reach government systems only through Escort; their work is supervised, recorded and reported per contractor, and personnel tied to countries of concern are refused on DoD systems.",
            evidence: [
                "\(contractors.count) contractor(s) registered; \(sessions.filter { registry.facts(of: $0.person, at: $0.time) == nil }.count) connection attempts by people unknown to the registry and the log.",
                "Policy in force: SHA-256 \(policy.sha256), \(policy.accessRules) access rules, \(policy.escortRules) escort rules, \(policy.reviewerRules) reviewer rules; location enforced from \(policy.locationEnforcedFrom).",
            ],
            satisfied: verified, gap: verified ? nil : "the audit log did not verify"))
        controls = c
    }
}
