import EscortCore
import Foundation

/// Counts over a group of sessions (a contractor, a person, a target, the whole report).
public struct ExposureCounts: Sendable, Hashable {
    /// Connection attempts (admitted or refused).
    public var attempts = 0
    public var directSessions = 0
    public var escortedSessions = 0
    /// Connections the policy refused.
    public var refusedConnections = 0
    /// Commands sent to the target.
    public var commandsRun = 0
    /// Commands held for a person.
    public var commandsHeld = 0
    /// Commands refused (by the policy, the analyser or a person).
    public var commandsRefused = 0
    public var commandsWithdrawn = 0
    /// Admitted sessions under escort-agent (`session.started` field `execution` = `mediated`).
    public var mediatedSessions = 0
    /// Admitted sessions without it (`agentless`: the gateway sees only what is typed).
    public var agentlessSessions = 0
    /// Commands per analyser risk (`none` … `critical`; `unrated` for commands refused as invalid syntax).
    public var risk: [String: Int] = [:]

    public init() {}

    mutating func add(_ s: SessionActivity) {
        attempts += 1
        switch s.decision {
        case "direct": directSessions += 1
        case "escorted": escortedSessions += 1
        default: refusedConnections += 1
        }
        if s.wasAdmitted {
            switch s.execution {
            case "mediated": mediatedSessions += 1
            case "agentless": agentlessSessions += 1
            default: break
            }
        }
        for c in s.commands {
            switch c.outcome {
            case .ran: commandsRun += 1
            case .refused: commandsRefused += 1
            case .withdrawn: commandsWithdrawn += 1
            case .undecided: break
            }
            if c.held { commandsHeld += 1 }
            risk[c.risk ?? "unrated", default: 0] += 1
        }
    }

    /// The risk levels in order, with their counts (zeros included).
    public var riskProfile: [(level: String, count: Int)] {
        (["none", "low", "medium", "high", "critical", "unrated"]).map { ($0, risk[$0] ?? 0) }
    }
}

/// One person's sessions on one target.
public struct TargetExposure: Sendable, Hashable {
    public var target: String
    public var impactLevel: ImpactLevel?
    public var sessions: [SessionActivity]
    public var counts: ExposureCounts
}

/// One person of a contractor: who they are and what they did.
public struct PersonExposure: Sendable, Hashable {
    public var name: String
    public var displayName: String
    public var employer: String
    public var citizenships: [String]
    public var residence: String
    /// Locations the person was taken to be at, over their sessions (sorted, unique).
    public var locations: [String]
    /// Ties to countries of concern over the period (citizenship, residence, location at a session).
    public var concernTies: [String]
    public var targets: [TargetExposure]
    public var counts: ExposureCounts
}

/// One contractor.
public struct ContractorExposure: Sendable, Hashable {
    public var name: String
    public var people: [PersonExposure]
    public var counts: ExposureCounts
}

/// The front page's answer for one contractor: personnel tied to a country of concern who
/// touched, or tried to touch, a system at IL4 or above.
public struct ConcernFinding: Sendable, Hashable {
    public var contractor: String
    /// Logins, sorted.
    public var people: [String]
    /// Per person, in the same order: `Wei Li (wei), employed by Shenzhen Sub, under prime contractor CloudCo`.
    public var personnel: [String]
    /// Every tie found, e.g. `li: citizen of CN`.
    public var ties: [String]
    /// IL4+ targets touched or tried, sorted.
    public var targets: [String]
    /// Counts over those people's IL4+ sessions.
    public var counts: ExposureCounts
}

/// A bucket of the time series (a day, or a week for long periods).
public struct ExposureBucket: Sendable, Hashable {
    /// The bucket's first day, `2026-11-01`.
    public var start: String
    public var direct: Int
    public var escorted: Int
    public var refused: Int
}

/// The contractor exposure report: by contractor, person, target and session, with a front page
/// that answers "which contractors had personnel from countries of concern on DoD systems".
public struct ExposureReport: Sendable {
    public var period: ReportPeriod
    public var levels: ImpactLevelFilter
    /// ISO codes, sorted.
    public var countriesOfConcern: [String]
    public var provenance: ReportProvenance
    public var contractors: [ContractorExposure]
    public var concernFindings: [ConcernFinding]
    public var totals: ExposureCounts
    public var series: [ExposureBucket]
    /// `day` or `week`.
    public var bucketSize: String
    /// The senator's second question (how escorts are trained to detect suspicious activity): per
    /// escort, the training the log shows and the decisions made on real sessions in the period.
    public var escortTraining: [EscortTrainingSummary]

    /// Builds the report from verified evidence and the registries. Pure: same inputs, same report.
    public init(
        evidence: ReportEvidence, registry: RegistrySnapshot, period: ReportPeriod, levels: ImpactLevelFilter,
        countriesOfConcern: Set<CountryCode>
    ) {
        self.period = period
        self.levels = levels
        self.countriesOfConcern = countriesOfConcern.map(\.code).sorted()
        provenance = evidence.provenance
        var registry = registry
        registry.learnHistory(from: evidence.activity.registryChanges)
        var all = evidence.activity.sessions.filter { period.contains($0.time) }
        for i in all.indices { all[i].concernTies = registry.ties(of: all[i], concern: countriesOfConcern).ties }
        let sessions = all.filter { levels.includes($0.impactLevel) }

        var totals = ExposureCounts()
        var contractors: [ContractorExposure] = []
        let byContractor = Dictionary(grouping: sessions) { registry.contractor(of: $0.person, at: $0.time) }
        for name in byContractor.keys.sorted() {
            var cCounts = ExposureCounts()
            var people: [PersonExposure] = []
            let byPerson = Dictionary(grouping: byContractor[name] ?? [], by: \.person)
            for login in byPerson.keys.sorted() {
                let mine = byPerson[login] ?? []
                // The person as recorded at their last session in the period.
                let p = mine.map(\.time).max().flatMap { registry.facts(of: login, at: $0) }
                var pCounts = ExposureCounts()
                var targets: [TargetExposure] = []
                let byTarget = Dictionary(grouping: mine, by: \.target)
                for t in byTarget.keys.sorted() {
                    let list = (byTarget[t] ?? []).sorted { ($0.time, $0.id) < ($1.time, $1.id) }
                    var tCounts = ExposureCounts()
                    for s in list { tCounts.add(s); pCounts.add(s); cCounts.add(s); totals.add(s) }
                    targets.append(TargetExposure(target: t, impactLevel: list.first?.impactLevel, sessions: list, counts: tCounts))
                }
                people.append(PersonExposure(
                    name: login, displayName: p?.displayName ?? login, employer: p?.employer ?? "unknown",
                    citizenships: p?.citizenships ?? [], residence: p?.residence ?? "unknown",
                    locations: Set(mine.compactMap(\.effectiveLocation)).sorted(), concernTies: Set(mine.flatMap(\.concernTies)).sorted(),
                    targets: targets, counts: pCounts))
            }
            contractors.append(ContractorExposure(name: name, people: people, counts: cCounts))
        }
        self.contractors = contractors
        self.totals = totals

        // The front page: IL4 and above, whatever the level filter, within the period.
        var findings: [ConcernFinding] = []
        let tied = all.filter { ($0.impactLevel.map { $0 >= .il4 } ?? false) && !$0.concernTies.isEmpty }
        for (name, list) in Dictionary(grouping: tied, by: { registry.contractor(of: $0.person, at: $0.time) }) {
            var counts = ExposureCounts()
            var ties = Set<String>()
            for s in list {
                counts.add(s)
                for t in s.concernTies { ties.insert("\(s.person): \(t)") }
            }
            let logins = Set(list.map(\.person)).sorted()
            let personnel = logins.map { login in
                let p = registry.facts(of: login, at: list.filter { $0.person == login }.map(\.time).max() ?? period.to)
                return "\(p?.displayName ?? login) (\(login)), employed by \(p?.employer ?? "unknown"), under prime contractor \(name)"
            }
            findings.append(ConcernFinding(
                contractor: name, people: logins, personnel: personnel, ties: ties.sorted(),
                targets: Set(list.map(\.target)).sorted(), counts: counts))
        }
        concernFindings = findings.sorted { $0.contractor < $1.contractor }

        // The time series.
        let days = Int((period.to.timeIntervalSince(period.from) / 86_400).rounded(.up))
        let width: Double = days > 92 ? 7 * 86_400 : 86_400
        bucketSize = days > 92 ? "week" : "day"
        let count = max(1, Int((period.to.timeIntervalSince(period.from) / width).rounded(.up)))
        var buckets = (0..<count).map { i in
            ExposureBucket(start: ReportTime.day(period.from.addingTimeInterval(Double(i) * width)), direct: 0, escorted: 0, refused: 0)
        }
        for s in sessions {
            let i = min(count - 1, max(0, Int(s.time.timeIntervalSince(period.from) / width)))
            switch s.decision {
            case "direct": buckets[i].direct += 1
            case "escorted": buckets[i].escorted += 1
            default: buckets[i].refused += 1
            }
        }
        series = buckets
        escortTraining = EscortTrainingSummary.all(
            registry: registry, history: EscortTraining.history(from: evidence.activity.registryChanges, through: period.to),
            sessions: all, asOf: period.to)
    }
}
