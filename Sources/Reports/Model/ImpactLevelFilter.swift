import EscortCore

/// Which impact levels a report covers: `IL4+` (IL4 and above), `IL5` (exactly IL5), or all.
public struct ImpactLevelFilter: Sendable, Hashable, CustomStringConvertible {
    public var minimum: ImpactLevel?
    public var exact: ImpactLevel?

    /// Every level.
    public static let all = ImpactLevelFilter(minimum: nil, exact: nil)

    private init(minimum: ImpactLevel?, exact: ImpactLevel?) {
        self.minimum = minimum
        self.exact = exact
    }

    /// Parses `IL4+`, `il5`, `4+`, `all`.
    ///
    /// - Throws: ``ReportError`` `.badImpactLevel`.
    public init(parsing text: String) throws(ReportError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.lowercased() == "all" { self = .all; return }
        let plus = t.hasSuffix("+")
        guard let level = ImpactLevel(parsing: plus ? String(t.dropLast()) : t) else {
            throw ReportError(.badImpactLevel, "impact-level: cannot read \"\(text)\" (use IL2, IL4, IL5, IL6, a level with + for that level and above, e.g. IL4+, or all)")
        }
        self = plus ? ImpactLevelFilter(minimum: level, exact: nil) : ImpactLevelFilter(minimum: nil, exact: level)
    }

    public func includes(_ level: ImpactLevel?) -> Bool {
        if let exact { return level == exact }
        if let minimum { return level.map { $0 >= minimum } ?? false }
        return true
    }

    public var description: String {
        if let exact { return exact.rawValue }
        if let minimum { return minimum.rawValue + "+" }
        return "all"
    }
}
