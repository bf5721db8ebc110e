import EscortCore
import Foundation

/// One escort in the exposure report's training section: who they are (employer and prime
/// contractor), what training the audit log shows, and the decisions they made on real sessions.
public struct EscortTrainingSummary: Sendable, Hashable {
    /// Where the person's training stands at the end of the period.
    public enum Standing: String, Sendable, Hashable {
        /// Training results in the log earned a date still unexpired, and the registry's date is unexpired.
        case trained
        /// Earned by training once, but expired by the end of the period.
        case lapsed
        /// The registry's date is unexpired but no training result earned it: an admin set it.
        case dateSetByAdmin = "date-set-by-admin"
        /// Neither a training result nor an unexpired date.
        case untrained
    }

    public var name: String
    public var displayName: String
    public var employer: String
    /// The prime contractor the person works under.
    public var contractor: String
    public var training: EscortTraining
    /// The registry's escort-training date (what the policy checks), as of the report.
    public var registryExpires: Date?
    public var standing: Standing
    /// Held commands this escort approved in the period.
    public var approved: Int
    /// Held commands this escort refused in the period.
    public var refused: Int
    /// Of the approved, those the analyser rated high or critical (recorded with the hold).
    public var approvedRisky: [String]
    /// Sessions in the period this escort watched.
    public var sessionsWatched: Int

    /// One sentence on the standing.
    public var standingText: String { standingText(ReportTime.format) }

    /// ``standingText`` with dates written by `format` (``ReportTime/readable(_:)`` in HTML).
    public func standingText(_ format: (Date) -> String) -> String {
        let until = training.earnedUntil.map(format) ?? "never"
        switch standing {
        case .trained: return "trained: training results earn escort training until \(until)"
        case .lapsed:
            if let r = registryExpires, let e = training.earnedUntil, r < e {
                return "LAPSED: the escort-training date the policy checks ran out \(format(r))"
            }
            return "LAPSED: training earned by results ran out \(until)"
        case .dateSetByAdmin:
            return "no training result recorded: the escort-training date (\(registryExpires.map(format) ?? "none")) was set by an admin"
        case .untrained: return "untrained: no training result and no unexpired escort-training date"
        }
    }

    /// The summaries for every registered escort and everyone who acted as one in `sessions`, sorted by login.
    static func all(
        registry: RegistrySnapshot, history: [String: EscortTraining], sessions: [SessionActivity], asOf: Date
    ) -> [EscortTrainingSummary] {
        var names = Set(registry.people.values.filter { $0.has(.escort) }.map(\.name))
        for s in sessions {
            names.formUnion(s.escorts)
            for c in s.commands {
                names.formUnion(c.approvedBy.filter { $0 != s.person })
                if c.outcome == .refused, c.held, let by = c.refusedBy, by != s.person { names.insert(by) }
            }
        }
        return names.sorted().map { login in
            let p = registry.people[login]
            let facts = registry.facts(of: login, at: asOf)
            let t = history[login] ?? EscortTraining(person: login, runs: 0, passes: [], refusedRuns: 0, earnedUntil: nil)
            let dateValid = p?.escortTrainingExpires.map { $0 > asOf } ?? false
            let standing: Standing
            if t.trained(at: asOf) && dateValid {
                standing = .trained
            } else if t.earnedUntil != nil {
                standing = .lapsed
            } else {
                standing = dateValid ? .dateSetByAdmin : .untrained
            }
            var approved = 0, refused = 0, watched = 0
            var risky: [String] = []
            for s in sessions {
                if s.escorts.contains(login) { watched += 1 }
                for c in s.commands where c.held {
                    if c.approvedBy.contains(login) {
                        approved += 1
                        if c.risk == "high" || c.risk == "critical" { risky.append("\(s.id) #\(c.number) `\(c.command)` (\(c.risk ?? ""))") }
                    } else if c.outcome == .refused && c.refusedBy == login {
                        refused += 1
                    }
                }
            }
            return EscortTrainingSummary(
                name: login, displayName: facts?.displayName ?? p?.displayName ?? login,
                employer: facts?.employer ?? p?.employer ?? "unknown", contractor: registry.contractor(of: login, at: asOf),
                training: t, registryExpires: p?.escortTrainingExpires, standing: standing, approved: approved, refused: refused,
                approvedRisky: risky, sessionsWatched: watched)
        }
    }
}
