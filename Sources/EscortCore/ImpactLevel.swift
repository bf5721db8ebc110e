/// A DoD cloud impact level, which sets how strictly a target is guarded.
public enum ImpactLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case il2 = "IL2"
    case il4 = "IL4"
    case il5 = "IL5"
    case il6 = "IL6"

    private var rank: Int {
        switch self {
        case .il2: 2
        case .il4: 4
        case .il5: 5
        case .il6: 6
        }
    }

    public static func < (lhs: ImpactLevel, rhs: ImpactLevel) -> Bool { lhs.rank < rhs.rank }

    /// Parses `IL5`, `il5` or `5`.
    public init?(parsing text: String) {
        let t = text.uppercased()
        self.init(rawValue: t.hasPrefix("IL") ? t : "IL" + t)
    }
}
