import ShellAnalysis

/// What the analyser says about a command, as the trainee sees it in the second round (and as
/// an escort sees it in the gateway's held-command view).
public struct AnalyserExplanation: Sendable, Hashable, Codable {
    /// `none`, `low`, `medium`, `high` or `critical`.
    public var risk: String
    /// One sentence.
    public var summary: String
    /// What the command does, step by step.
    public var explanation: [String]
    /// Each finding of some risk: `[high] Reads /etc/shadow … (T1003.008)`.
    public var findings: [String]
    /// ATT&CK technique ids.
    public var techniques: [String]

    public init(risk: String, summary: String, explanation: [String], findings: [String], techniques: [String]) {
        self.risk = risk
        self.summary = summary
        self.explanation = explanation
        self.findings = findings
        self.techniques = techniques
    }

    /// The explanation of an analysis.
    public init(_ analysis: Analysis) {
        risk = analysis.risk.rawValue
        summary = analysis.summary
        explanation = analysis.explanation
        findings = analysis.findings.filter { $0.risk > .none }.map { f in
            "[\(f.risk.rawValue)] \(f.reason)" + (f.technique.map { " (\($0))" } ?? "")
        }
        techniques = analysis.techniques
    }

    /// Analyses `decision` as the gateway would (with the scripts it runs read from the target).
    public init(decision: TrainingDecision, analyser: Analyser) {
        self.init(analyser.analyse(decision.command, targetFiles: decision.files))
    }

    /// The explanation as lines of text.
    public var lines: [String] {
        var out = ["RISK: \(risk.uppercased())  \(summary)"]
        if !techniques.isEmpty { out.append("ATT&CK: " + techniques.joined(separator: ", ")) }
        out += explanation.map { "  • " + $0 }
        out += findings.map { "  " + $0 }
        return out
    }
}
