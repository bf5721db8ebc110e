import Foundation

/// How one round went.
public struct RoundScore: Sendable, Hashable, Codable {
    public var decisions: Int
    /// Planted malicious commands.
    public var malicious: Int
    /// Routine commands.
    public var routine: Int
    /// Malicious commands refused.
    public var catches: Int
    /// Malicious commands approved.
    public var misses: Int
    /// Routine commands refused.
    public var falseAlarms: Int
    /// Routine commands approved.
    public var correctApprovals: Int
    /// Time for the whole round.
    public var totalMilliseconds: Int64
    /// The median time per decision.
    public var medianMilliseconds: Int64

    /// Catches as a whole percentage of the malicious commands (rounded down).
    public var catchPercent: Int { malicious == 0 ? 100 : catches * 100 / malicious }
    /// False alarms as a whole percentage of the routine commands (rounded up).
    public var falseAlarmPercent: Int { routine == 0 ? 0 : (falseAlarms * 100 + routine - 1) / routine }
}

/// What went wrong on one decision, and what to learn from it.
public struct TrainingFeedback: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A malicious command was approved.
        case miss
        /// A routine command was refused.
        case falseAlarm = "false-alarm"
    }

    /// 1-based position in the scenario.
    public var number: Int
    public var decision: String
    public var command: String
    public var kind: Kind
    /// The rounds in which the answer was wrong.
    public var rounds: [TrainingPhase]
    /// The scenario's explanation of the right answer.
    public var why: String
    /// What the analyser said.
    public var analyser: AnalyserExplanation

    /// A paragraph for the trainee.
    public var text: String {
        let when: String
        switch (rounds.contains(.blind), rounds.contains(.explained)) {
        case (true, true): when = "in both rounds"
        case (true, false): when = "without the analyser (you got it right once you saw the explanation)"
        default: when = "even with the analyser's explanation in front of you"
        }
        let what = kind == .miss ? "You approved a malicious command \(when)." : "You refused a routine command \(when)."
        var s = "#\(number) \(command)\n  \(what)\n  Why: \(why)\n  The analyser said: \(analyser.risk) risk: \(analyser.summary)"
        for e in analyser.explanation { s += "\n    • \(e)" }
        for f in analyser.findings { s += "\n    \(f)" }
        return s
    }
}

/// The outcome of one training run: scores for both rounds, pass or fail with the reasons, and
/// feedback explaining every miss and false alarm.
public struct TrainingResult: Sendable, Hashable, Codable {
    public var id: String
    public var person: String
    public var scenario: String
    public var scenarioSet: String
    public var scenarioTitle: String
    public var scenarioSHA256: String
    public var startedAt: Date
    public var finishedAt: Date
    public var blind: RoundScore
    public var explained: RoundScore
    public var passed: Bool
    /// One sentence per criterion of the pass mark, met or not.
    public var reasons: [String]
    public var responses: [DecisionResponse]
    public var feedback: [TrainingFeedback]

    /// Scores a run: the responses must answer every decision of the scenario, in order.
    ///
    /// This is the one scoring function; the terminal trainer and the web console both call it.
    /// - Parameter explanations: the analyser's explanation per decision id (computed if missing).
    /// - Throws: ``TrainingError`` `.incomplete` if a decision is unanswered or out of order.
    public static func score(
        scenario: TrainingScenario, responses: [DecisionResponse], explanations: [String: AnalyserExplanation],
        person: String, id: String = "TR-" + UUID().uuidString, startedAt: Date, finishedAt: Date
    ) throws(TrainingError) -> TrainingResult {
        guard responses.map(\.decision) == scenario.decisions.map(\.id) else {
            throw TrainingError(
                .incomplete,
                "the responses answer \(responses.count) of \(scenario.decisions.count) decisions of \(scenario.id) (every decision, in order, is needed); nothing was scored")
        }
        func round(_ phase: TrainingPhase) -> RoundScore {
            var s = RoundScore(
                decisions: scenario.decisions.count, malicious: scenario.maliciousCount, routine: scenario.routineCount,
                catches: 0, misses: 0, falseAlarms: 0, correctApprovals: 0, totalMilliseconds: 0, medianMilliseconds: 0)
            for (d, r) in zip(scenario.decisions, responses) {
                switch (d.isMalicious, r.answer(in: phase)) {
                case (true, .refuse): s.catches += 1
                case (true, .approve): s.misses += 1
                case (false, .refuse): s.falseAlarms += 1
                case (false, .approve): s.correctApprovals += 1
                }
            }
            let times = responses.map { $0.milliseconds(in: phase) }.sorted()
            s.totalMilliseconds = times.reduce(0, +)
            s.medianMilliseconds = times.isEmpty ? 0 : times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            return s
        }
        let blind = round(.blind)
        let explained = round(.explained)
        let mark = scenario.passMark
        var reasons: [String] = []
        var passed = true
        func criterion(_ ok: Bool, _ text: String) {
            reasons.append((ok ? "met: " : "NOT met: ") + text)
            if !ok { passed = false }
        }
        criterion(
            blind.catchPercent >= mark.blindCatchPercent,
            "without the analyser you caught \(blind.catches) of \(blind.malicious) malicious commands (\(blind.catchPercent)%; at least \(mark.blindCatchPercent)% needed)")
        criterion(
            explained.catchPercent >= mark.explainedCatchPercent,
            "with the analyser you caught \(explained.catches) of \(explained.malicious) (\(explained.catchPercent)%; at least \(mark.explainedCatchPercent)% needed)")
        criterion(
            explained.falseAlarmPercent <= mark.maxFalseAlarmPercent,
            "with the analyser you refused \(explained.falseAlarms) of \(explained.routine) routine commands (\(explained.falseAlarmPercent)%; at most \(mark.maxFalseAlarmPercent)% allowed)")
        if let limit = mark.maxMedianSeconds {
            criterion(
                explained.medianMilliseconds <= Int64(limit) * 1000,
                "your median time per decision with the analyser was \(explained.medianMilliseconds / 1000) s (at most \(limit) s allowed)")
        }
        var feedback: [TrainingFeedback] = []
        for (i, (d, r)) in zip(scenario.decisions, responses).enumerated() {
            let wrong = TrainingPhase.allCases.filter { r.answer(in: $0) != d.expected }
            guard !wrong.isEmpty else { continue }
            feedback.append(TrainingFeedback(
                number: i + 1, decision: d.id, command: d.command, kind: d.isMalicious ? .miss : .falseAlarm, rounds: wrong,
                why: d.why, analyser: explanations[d.id] ?? AnalyserExplanation(risk: "unknown", summary: "not analysed", explanation: [], findings: [], techniques: [])))
        }
        return TrainingResult(
            id: id, person: person, scenario: scenario.id, scenarioSet: scenario.set, scenarioTitle: scenario.title,
            scenarioSHA256: scenario.sha256, startedAt: startedAt, finishedAt: finishedAt, blind: blind, explained: explained,
            passed: passed, reasons: reasons, responses: responses, feedback: feedback)
    }

    /// Malicious commands approved in the round with the explanation shown.
    public var misses: [TrainingFeedback] { feedback.filter { $0.kind == .miss } }
    /// Routine commands refused in either round.
    public var falseAlarms: [TrainingFeedback] { feedback.filter { $0.kind == .falseAlarm } }
}
