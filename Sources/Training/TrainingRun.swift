import Foundation
import ShellAnalysis

/// What to put in front of the trainee next.
public struct TrainingPrompt: Sendable, Hashable {
    /// 1-based.
    public var number: Int
    public var total: Int
    public var decision: TrainingDecision
    public var phase: TrainingPhase
    /// The analyser's explanation: nil in the blind round (hidden), set in the explained round.
    public var explanation: AnalyserExplanation?
}

/// One trainee working through one scenario: for each decision, an answer without the
/// analyser's explanation, then one with it. A pure state machine (the caller measures time),
/// so the terminal trainer and a web console drive it the same way.
///
/// ```swift
/// var run = TrainingRun(scenario: s, analyser: a, person: "bob", startedAt: Date())
/// while let p = run.current { try run.answer(readAnswer(p), milliseconds: elapsed) }
/// let result = try run.result(finishedAt: Date())
/// ```
public struct TrainingRun: Sendable {
    public let scenario: TrainingScenario
    public let person: String
    public let startedAt: Date
    /// The analyser's explanation for every decision, by id.
    public let explanations: [String: AnalyserExplanation]
    private var index = 0
    private var phase = TrainingPhase.blind
    private var pendingBlind: (TrainingAnswer, Int64)?
    public private(set) var responses: [DecisionResponse] = []

    public init(scenario: TrainingScenario, analyser: Analyser, person: String, startedAt: Date) {
        self.scenario = scenario
        self.person = person
        self.startedAt = startedAt
        var e: [String: AnalyserExplanation] = [:]
        for d in scenario.decisions { e[d.id] = AnalyserExplanation(decision: d, analyser: analyser) }
        explanations = e
    }

    /// The next prompt, or nil when every decision has both answers.
    public var current: TrainingPrompt? {
        guard index < scenario.decisions.count else { return nil }
        let d = scenario.decisions[index]
        return TrainingPrompt(
            number: index + 1, total: scenario.decisions.count, decision: d, phase: phase,
            explanation: phase == .explained ? explanations[d.id] : nil)
    }

    /// Whether every decision has been answered twice.
    public var isFinished: Bool { current == nil }

    /// Answers the current prompt.
    ///
    /// - Throws: ``TrainingError`` `.badAnswer` when the run is already finished.
    public mutating func answer(_ answer: TrainingAnswer, milliseconds: Int64) throws(TrainingError) {
        guard index < scenario.decisions.count else {
            throw TrainingError(.badAnswer, "every decision of \(scenario.id) is already answered")
        }
        let ms = max(0, milliseconds)
        switch phase {
        case .blind:
            pendingBlind = (answer, ms)
            phase = .explained
        case .explained:
            let blind = pendingBlind ?? (answer, 0)
            responses.append(DecisionResponse(
                decision: scenario.decisions[index].id, blind: blind.0, blindMilliseconds: blind.1,
                explained: answer, explainedMilliseconds: ms))
            pendingBlind = nil
            phase = .blind
            index += 1
        }
    }

    /// The scored result.
    ///
    /// - Throws: ``TrainingError`` `.incomplete` if decisions remain.
    public func result(finishedAt: Date, id: String = "TR-" + UUID().uuidString) throws(TrainingError) -> TrainingResult {
        try TrainingResult.score(
            scenario: scenario, responses: responses, explanations: explanations, person: person, id: id,
            startedAt: startedAt, finishedAt: finishedAt)
    }
}
