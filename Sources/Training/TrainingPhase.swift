/// The two rounds of every decision.
public enum TrainingPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// The trainee sees the command and its context only.
    case blind
    /// The trainee sees the analyser's explanation too.
    case explained
}

/// The trainee's two answers to one decision, with the time each took.
public struct DecisionResponse: Sendable, Hashable, Codable {
    /// The decision's id.
    public var decision: String
    public var blind: TrainingAnswer
    public var blindMilliseconds: Int64
    public var explained: TrainingAnswer
    public var explainedMilliseconds: Int64

    public init(decision: String, blind: TrainingAnswer, blindMilliseconds: Int64, explained: TrainingAnswer, explainedMilliseconds: Int64) {
        self.decision = decision
        self.blind = blind
        self.blindMilliseconds = blindMilliseconds
        self.explained = explained
        self.explainedMilliseconds = explainedMilliseconds
    }

    /// The answer in `phase`.
    public func answer(in phase: TrainingPhase) -> TrainingAnswer { phase == .blind ? blind : explained }

    /// The time taken in `phase`, in milliseconds.
    public func milliseconds(in phase: TrainingPhase) -> Int64 { phase == .blind ? blindMilliseconds : explainedMilliseconds }
}
