/// One reason the analyser gives for its verdict, pointing at the text that caused it.
public struct Finding: Sendable, Hashable, Codable {
    /// How dangerous this particular finding is on its own.
    public var risk: RiskLevel
    /// The MITRE ATT&CK technique id (e.g. `T1105`), if the finding matches one.
    public var technique: String?
    /// Why, in a short sentence a non-engineer can act on.
    public var reason: String
    /// The source text that triggered the finding.
    public var range: SourceRange

    public init(risk: RiskLevel, technique: String? = nil, reason: String, range: SourceRange) {
        self.risk = risk
        self.technique = technique
        self.reason = reason
        self.range = range
    }
}
