import Foundation
import Hummingbird
import ShellAnalysis
import Training

/// Escort-training runs in progress in the console, kept on the server: a form carries only the
/// answer and the step it answers, never the run's state or its times.
///
/// A run belongs to the person and the sign-in session that started it; a person has at most
/// one (starting another replaces it), and a run left alone for ``idle`` is dropped. The time for
/// each answer runs from when the step's page was first served (a reload does not restart it)
/// to when the answer arrives.
actor TrainingRuns {
    struct Active: Sendable {
        let id: String
        let person: String
        let session: String
        var run: TrainingRun
        /// When the current step's page was first served.
        var served: ContinuousClock.Instant?
        var touched: ContinuousClock.Instant
    }

    /// What an accepted answer led to.
    enum Outcome: Sendable {
        case next
        case finished(TrainingRun)
    }

    private var runs: [String: Active] = [:]
    private let clock = ContinuousClock()
    /// How long a run may sit unanswered before it is dropped.
    let idle: Duration = .seconds(30 * 60)

    /// Starts `scenario` for the signed-in `identity`, replacing any run the person had.
    func start(_ scenario: TrainingScenario, analyser: Analyser, identity: WebIdentity) -> String {
        sweep()
        runs = runs.filter { $0.value.person != identity.user.name }
        let id = WebSessions.randomToken()
        runs[id] = Active(
            id: id, person: identity.user.name, session: identity.token,
            run: TrainingRun(scenario: scenario, analyser: analyser, person: identity.user.name, startedAt: Date()),
            served: nil, touched: clock.now)
        return id
    }

    /// The id of the person's run in progress, if any.
    func active(for identity: WebIdentity) -> String? {
        sweep()
        return runs.values.first { $0.person == identity.user.name && $0.session == identity.token }?.id
    }

    /// The run `id` as it stands, with the current step's page marked served.
    func serve(_ id: String, identity: WebIdentity) throws -> TrainingRun {
        var active = try owned(id, identity)
        if active.served == nil { active.served = clock.now }
        active.touched = clock.now
        runs[id] = active
        return active.run
    }

    /// Takes the answer to `step` of run `id`. A finished run is removed and returned, so it is
    /// recorded exactly once.
    ///
    /// - Throws: `HTTPError` 409 for a step that is not the current one (a replayed or stale
    ///   form) or one whose page was never served; 403/404 as ``owned(_:_:)``.
    func answer(_ id: String, identity: WebIdentity, step: Int, _ answer: TrainingAnswer) throws -> Outcome {
        var active = try owned(id, identity)
        guard let current = active.run.current?.step else {
            throw HTTPError(.conflict, message: "This training run is already finished.")
        }
        guard step == current else {
            throw HTTPError(
                .conflict,
                message: "This answer is for step \(step + 1), but the run is at step \(current + 1): that step was already answered (a replayed or stale form). Nothing was changed; continue at /training/runs/\(id).")
        }
        guard let served = active.served else {
            throw HTTPError(.conflict, message: "Open the decision before answering it: the time is measured from when its page is served.")
        }
        let elapsed = clock.now - served
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        do {
            try active.run.answer(answer, milliseconds: ms)
        } catch {
            throw HTTPError(.conflict, message: error.message)
        }
        if active.run.isFinished {
            runs[id] = nil
            return .finished(active.run)
        }
        active.served = nil
        active.touched = clock.now
        runs[id] = active
        return .next
    }

    /// The run `id`, if it is still open and belongs to `identity`'s person and sign-in session.
    private func owned(_ id: String, _ identity: WebIdentity) throws -> Active {
        sweep()
        guard let active = runs[id] else {
            throw HTTPError(
                .notFound,
                message: "There is no training run \(id) in progress (it finished, was left for more than 30 minutes, or was replaced by a newer one). Start again from /training.")
        }
        guard active.person == identity.user.name else {
            throw HTTPError(.forbidden, message: "This training run is someone else's: only the person who started it may answer it.")
        }
        guard active.session == identity.token else {
            throw HTTPError(.forbidden, message: "This training run was started in another sign-in session; start again from /training.")
        }
        return active
    }

    private func sweep() {
        let now = clock.now
        runs = runs.filter { now - $0.value.touched < idle }
    }
}

extension TrainingPrompt {
    /// The 0-based step of the run: two per decision (on your own, then with the explanation).
    var step: Int { (number - 1) * 2 + (phase == .explained ? 1 : 0) }
}
