/// How dangerous a command is, from the escort's point of view.
///
/// The levels are ordered: `none < low < medium < high < critical`.
public enum RiskLevel: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads harmless information and changes nothing.
    case none
    /// Reads something sensitive-ish, or makes a trivial change.
    case low
    /// An ordinary administrative change, or a program Escort does not know (never lower).
    case medium
    /// Matches an attack technique: credential access, persistence, privilege escalation,
    /// defence evasion, exfiltration, download-and-run, lateral movement.
    case high
    /// Destructive, or unmistakably hostile: reverse shells, wiping, decoding-and-executing hidden payloads.
    case critical

    var rank: Int {
        switch self {
        case .none: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool { lhs.rank < rhs.rank }
}
