import Dispatch
import NIOConcurrencyHelpers
import ShellAnalysis

extension GatewayContext {
    /// How long one analysis may take before the command is held as unreadable.
    static let analysisDeadline: Duration = .seconds(2)

    /// Runs analyser work off the cooperative thread pool (one command cannot starve every other
    /// session), answering `fallback` if it has not finished by the deadline. The analyser's own
    /// step budget ends the work itself soon after.
    func bounded<T: Sendable>(_ fallback: T, _ work: @escaping @Sendable (Analyser) -> T) async -> T {
        let analyser = self.analyser
        let answered = NIOLockedValueBox(false)
        return await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            // Whichever comes first answers; the other is dropped.
            let answer: @Sendable (T) -> Void = { value in
                if answered.withLockedValue({ let first = !$0; $0 = true; return first }) { c.resume(returning: value) }
            }
            DispatchQueue.global(qos: .userInitiated).async { answer(work(analyser)) }
            Task {
                try? await Task.sleep(for: Self.analysisDeadline)
                answer(fallback)
            }
        }
    }

    /// The analysis of `source`, bounded (``bounded(_:_:)``); past the deadline, the analyser's
    /// "could not finish" verdict (high: held).
    ///
    /// - Parameter target: what the registry says the session's target runs (its services,
    ///   application folders, databases, networks); `.none` assumes nothing.
    func analyse(_ source: String, targetFiles: [String: String] = [:], target: TargetContext = .none) async -> Analysis {
        await bounded(Analyser.couldNotFinish(source)) { $0.analyse(source, targetFiles: targetFiles, context: target) }
    }
}
