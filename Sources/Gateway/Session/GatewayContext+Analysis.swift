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
            DispatchQueue.global(qos: .userInitiated).async {
                let value = work(analyser)
                if answered.withLockedValue({ let first = !$0; $0 = true; return first }) { c.resume(returning: value) }
            }
            Task {
                try? await Task.sleep(for: Self.analysisDeadline)
                if answered.withLockedValue({ let first = !$0; $0 = true; return first }) { c.resume(returning: fallback) }
            }
        }
    }

    /// The analysis of `source`, bounded (``bounded(_:_:)``); past the deadline, the analyser's
    /// "could not finish" verdict (high: held).
    func analyse(_ source: String, targetFiles: [String: String] = [:]) async -> Analysis {
        await bounded(Analyser.couldNotFinish(source)) { $0.analyse(source, targetFiles: targetFiles) }
    }
}
