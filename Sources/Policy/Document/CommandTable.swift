import ShellAnalysis

/// One `[commands.MODE]` table: the verdict for each risk level, and for a command the
/// analyser could not read in full.
public struct CommandTable: Sendable, Hashable {
    /// The verdict per risk; a risk the file leaves out is refused (default deny).
    public var verdicts: [RiskLevel: CommandVerdict]
    /// For an analysis whose status is not `.complete` (syntax error, too complex, unfinished).
    /// Never `run`: the parser refuses it and the engine would hold instead.
    public var unanalysable: CommandVerdict

    public init(verdicts: [RiskLevel: CommandVerdict], unanalysable: CommandVerdict) {
        self.verdicts = verdicts
        self.unanalysable = unanalysable
    }

    /// The verdict for `risk`.
    public func verdict(for risk: RiskLevel) -> CommandVerdict { verdicts[risk] ?? .refuse }

    static let keys = RiskLevel.allCases.map(\.rawValue) + ["unanalysable"]

    static func read(_ r: inout TableReader) throws(PolicyError) -> CommandTable {
        func verdict(_ key: String, _ r: inout TableReader) throws(PolicyError) -> CommandVerdict? {
            guard let s = try r.string(key) else { return nil }
            guard let v = CommandVerdict(rawValue: s) else {
                throw PolicyError(
                    .unknownVerdict, "unknown verdict \"\(s)\" (use run, hold, hold+review or refuse)", field: r.keyPath(key))
            }
            return v
        }
        var verdicts: [RiskLevel: CommandVerdict] = [:]
        for risk in RiskLevel.allCases {
            if let v = try verdict(risk.rawValue, &r) { verdicts[risk] = v }
        }
        let unanalysable = try verdict("unanalysable", &r) ?? .refuse
        if unanalysable == .run {
            throw PolicyError(
                .invalidValue, "a command Escort could not analyse is never run unseen (use hold, hold+review or refuse)",
                field: r.keyPath("unanalysable"))
        }
        try r.finish(allowed: keys)
        return CommandTable(verdicts: verdicts, unanalysable: unanalysable)
    }
}
