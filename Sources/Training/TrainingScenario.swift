import EscortCore
import Foundation

/// What a trainee (or an escort) decides about a held command.
public enum TrainingAnswer: String, Sendable, Hashable, Codable, CaseIterable {
    case approve
    case refuse

    /// Reads `a`, `approve`, `y`, `yes` or `r`, `refuse`, `n`, `no` (any case); nil otherwise.
    public init?(parsing text: String) {
        switch text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "a", "approve", "y", "yes": self = .approve
        case "r", "refuse", "n", "no": self = .refuse
        default: return nil
        }
    }
}

/// One held command the trainee must judge.
public struct TrainingDecision: Sendable, Hashable, Identifiable {
    /// Unique within the scenario (e.g. `d07`).
    public var id: String
    /// What the engineer says they are doing, as an escort would hear it.
    public var context: String
    /// The command line as the engineer typed it.
    public var command: String
    /// Scripts on the target the command runs, keyed by the path as the command names it; the
    /// analyser reads them as the gateway would.
    public var files: [String: String]
    /// The right answer.
    public var expected: TrainingAnswer
    /// Why that is the right answer, in plain words (shown in the feedback).
    public var why: String

    /// Whether the command is a planted malicious one (the right answer is to refuse it).
    public var isMalicious: Bool { expected == .refuse }

    public init(id: String, context: String, command: String, files: [String: String] = [:], expected: TrainingAnswer, why: String) {
        self.id = id
        self.context = context
        self.command = command
        self.files = files
        self.expected = expected
        self.why = why
    }
}

/// What a trainee must reach to pass a scenario. Percentages are whole numbers.
public struct PassMark: Sendable, Hashable {
    /// Malicious commands refused without the analyser's explanation, at least (default 60).
    public var blindCatchPercent: Int = 60
    /// Malicious commands refused with the explanation shown, at least (default 100: with the
    /// analyser beside them, escorts must catch every one).
    public var explainedCatchPercent: Int = 100
    /// Routine commands refused with the explanation shown, at most (default 25).
    public var maxFalseAlarmPercent: Int = 25
    /// If set, the median time per decision with the explanation shown, at most.
    public var maxMedianSeconds: Int?

    public init(blindCatchPercent: Int = 60, explainedCatchPercent: Int = 100, maxFalseAlarmPercent: Int = 25, maxMedianSeconds: Int? = nil) {
        self.blindCatchPercent = blindCatchPercent
        self.explainedCatchPercent = explainedCatchPercent
        self.maxFalseAlarmPercent = maxFalseAlarmPercent
        self.maxMedianSeconds = maxMedianSeconds
    }
}

/// A training scenario: a support session's worth of held commands, routine and malicious
/// mixed, with the right answer for each. Loaded from a JSON file (see `docs/training.md`).
public struct TrainingScenario: Sendable, Hashable, Identifiable {
    public var id: String
    public var title: String
    /// The set the scenario belongs to; passing every scenario of a set earns escort training.
    public var set: String
    /// What the trainee is told before starting.
    public var summary: String
    /// The target the session is on, for the story.
    public var target: String
    public var impactLevel: ImpactLevel
    /// How long a pass counts towards escort training, in days.
    public var validityDays: Int
    public var passMark: PassMark
    public var decisions: [TrainingDecision]
    /// Lower-case hex SHA-256 of the file it was read from.
    public var sha256: String

    public init(
        id: String, title: String, set: String, summary: String, target: String, impactLevel: ImpactLevel,
        validityDays: Int, passMark: PassMark, decisions: [TrainingDecision], sha256: String
    ) {
        self.id = id
        self.title = title
        self.set = set
        self.summary = summary
        self.target = target
        self.impactLevel = impactLevel
        self.validityDays = validityDays
        self.passMark = passMark
        self.decisions = decisions
        self.sha256 = sha256
    }

    /// The number of planted malicious commands.
    public var maliciousCount: Int { decisions.filter(\.isMalicious).count }
    /// The number of routine commands.
    public var routineCount: Int { decisions.count - maliciousCount }
}
