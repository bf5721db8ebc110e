/// The bound below which a training run is not a person answering: answers faster than anyone
/// can read an engineer's context and a command and decide (a piped or scripted run).
///
/// Chosen bound (``person``): every answer **on one's own** takes at least 1.5 s, and every
/// answer **with the analyser's explanation** at least 0.4 s. Reading the context sentence and a
/// command line takes a fast reader well over a second (about 250 words a minute, and a command
/// is read symbol by symbol); the explained answer follows a screen of explanation, and 0.4 s is
/// little more than a reaction time. Piped answers arrive in microseconds, so a scripted run fails
/// on its first answer. The bound is deliberately generous: it refuses machines, not quick readers.
public struct TrainingPlausibility: Sendable, Hashable {
    /// The least time for an answer without the explanation, in milliseconds.
    public var minimumBlindMilliseconds: Int64
    /// The least time for an answer with the explanation, in milliseconds.
    public var minimumExplainedMilliseconds: Int64

    public init(minimumBlindMilliseconds: Int64, minimumExplainedMilliseconds: Int64) {
        self.minimumBlindMilliseconds = minimumBlindMilliseconds
        self.minimumExplainedMilliseconds = minimumExplainedMilliseconds
    }

    /// The bound for a person: 1.5 s on one's own, 0.4 s with the explanation.
    public static let person = TrainingPlausibility(minimumBlindMilliseconds: 1_500, minimumExplainedMilliseconds: 400)

    /// No bound (tests that drive a run by program and check something else).
    public static let unchecked = TrainingPlausibility(minimumBlindMilliseconds: 0, minimumExplainedMilliseconds: 0)

    /// Why `result` is not a person answering, or nil when every answer is within the bound.
    public func implausibility(of result: TrainingResult) -> String? {
        var fast: [String] = []
        for (i, r) in result.responses.enumerated() {
            if r.blindMilliseconds < minimumBlindMilliseconds {
                fast.append("#\(i + 1) on your own in \(r.blindMilliseconds) ms")
            }
            if r.explainedMilliseconds < minimumExplainedMilliseconds {
                fast.append("#\(i + 1) with the explanation in \(r.explainedMilliseconds) ms")
            }
        }
        guard !fast.isEmpty else { return nil }
        let shown = fast.prefix(3).joined(separator: ", ") + (fast.count > 3 ? " and \(fast.count - 3) more" : "")
        return "\(fast.count) answer(s) faster than a person can read and decide (\(shown); at least \(minimumBlindMilliseconds) ms on one's own and \(minimumExplainedMilliseconds) ms with the explanation are needed)"
    }
}
