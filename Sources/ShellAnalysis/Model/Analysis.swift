/// What the analyser concluded about one input (a command line or a script).
public struct Analysis: Sendable, Hashable, Codable {
    /// Whether the input could be read in full.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Parsed and analysed.
        case complete
        /// Merely unfinished: an open quote, a trailing `\`, a here-document waiting for its
        /// delimiter, an open `if`. The line editor should ask for more input.
        case incomplete
        /// Not valid shell syntax. Held at high risk: the target's shell would reject it, or read it
        /// in a way Escort cannot vouch for.
        case syntaxError
        /// Over the nesting or size bound. Held at high risk (fail closed).
        case tooComplex
    }

    public var status: Status
    public var risk: RiskLevel
    /// ATT&CK technique ids, most severe first, without duplicates.
    public var techniques: [String]
    /// ATT&CK tactic ids (`TA…`), in the order their techniques appear.
    public var tactics: [String]
    /// One sentence: the verdict in plain English.
    public var summary: String
    public var findings: [Finding]
    /// Short sentences that say what each program does, what its significant flags mean here,
    /// and where data goes.
    public var explanation: [String]
    /// For `syntaxError`/`incomplete`: what was wrong or missing.
    public var diagnostic: String?
    /// Script files the input runs (`bash fix.sh`, `./deploy.sh`) whose contents were neither
    /// written by the input nor supplied to the analyser: the gateway reads them from the target
    /// and analyses again with ``Analyser/analyse(_:dialect:targetFiles:)``.
    public var unseenScripts: [String]
    /// Whether the input starts an interactive shell or interpreter prompt (`bash`, `python3`):
    /// what is typed into it would not pass through the gateway's line editor.
    public var opensPrompt: Bool

    public init(
        status: Status,
        risk: RiskLevel,
        techniques: [String],
        tactics: [String],
        summary: String,
        findings: [Finding],
        explanation: [String],
        diagnostic: String? = nil,
        unseenScripts: [String] = [],
        opensPrompt: Bool = false
    ) {
        self.status = status
        self.risk = risk
        self.techniques = techniques
        self.tactics = tactics
        self.summary = summary
        self.findings = findings
        self.explanation = explanation
        self.diagnostic = diagnostic
        self.unseenScripts = unseenScripts
        self.opensPrompt = opensPrompt
    }
}
