/// The result of one check, in the manner of swift-certificates' `PolicyEvaluationResult`:
/// met (with the fact that met it) or failed (with the reason).
public enum PolicyEvaluationResult: Sendable, Hashable {
    /// Met; the associated sentence fragment states the fact (`alice is a citizen of US`).
    case meetsPolicy(String)
    /// Not met; the fragment says why (`alice's clearance public-trust is below secret`).
    case failsToMeetPolicy(reason: String)

    var meets: Bool {
        if case .meetsPolicy = self { return true }
        return false
    }

    var text: String {
        switch self {
        case .meetsPolicy(let s): s
        case .failsToMeetPolicy(let s): s
        }
    }
}

extension Array where Element == PolicyEvaluationResult {
    /// Every check met.
    var allMet: Bool { allSatisfy(\.meets) }
    /// The facts of the met checks.
    var facts: [String] { filter(\.meets).map(\.text) }
    /// The reasons of the failed checks.
    var failures: [String] { filter { !$0.meets }.map(\.text) }
}
