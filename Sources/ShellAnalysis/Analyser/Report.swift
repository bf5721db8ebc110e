/// Collects findings and explanation lines while an input is analysed, then builds the `Analysis`.
public struct Report: Sendable {
    public private(set) var findings: [Finding] = []
    public private(set) var explanation: [String] = []
    private var seenFindings: Set<Finding> = []
    private var seenLines: Set<String> = []
    /// Script files the input runs whose contents it neither wrote nor was given, as written.
    public private(set) var unseenScripts: [String] = []
    /// Whether the input starts an interactive shell or interpreter prompt.
    public var opensPrompt = false
    /// Credentials and key material read so far, in words with their path ("the hashed passwords
    /// of every account (`/etc/shadow`)"): what a later sending carries out.
    public private(set) var secrets: [String] = []
    /// Reading steps taken so far by every reader of this input (see ``ParserLimits/maxSteps``).
    public private(set) var steps = 0
    /// Steps allowed before the readers stop; past it the analysis fails closed.
    public private(set) var stepLimit = Int.max

    public init() {}

    /// A report with a step budget of `limit` steps.
    public init(stepLimit limit: Int) { stepLimit = limit }

    /// Whether the readers have used up their step budget. Once true it stays true, and every
    /// reader stops at its next step.
    public var outOfSteps: Bool { steps > stepLimit }

    /// Takes `n` reading steps from the budget; false once it is spent (the caller must stop).
    @discardableResult
    public mutating func spend(_ n: Int = 1) -> Bool {
        steps &+= n
        return steps <= stepLimit
    }

    /// An empty report for text read on behalf of this one (a decoded payload), sharing its step
    /// budget: ``merge(_:at:)`` carries the steps back.
    public func nested() -> Report {
        var r = Report(stepLimit: stepLimit)
        r.steps = steps
        return r
    }

    /// Records a finding (duplicates are dropped).
    public mutating func add(_ risk: RiskLevel, _ technique: String?, _ reason: String, _ range: SourceRange) {
        let f = Finding(risk: risk, technique: technique, reason: reason, range: range)
        if seenFindings.insert(f).inserted { findings.append(f) }
    }

    /// Records one finding per technique (or one without a technique when the list is empty).
    public mutating func add(_ risk: RiskLevel, techniques: [String], _ reason: String, _ range: SourceRange) {
        if techniques.isEmpty {
            add(risk, nil, reason, range)
        } else {
            for t in techniques { add(risk, t, reason, range) }
        }
    }

    /// Records a finding that leads the report among findings of its risk (the summary names
    /// it): what happens to the data, before the reads that gave it.
    public mutating func addLeading(_ risk: RiskLevel, _ technique: String?, _ reason: String, _ range: SourceRange) {
        let f = Finding(risk: risk, technique: technique, reason: reason, range: range)
        if seenFindings.insert(f).inserted { findings.insert(f, at: 0) }
    }

    /// Notes credentials or key material read by the input.
    public mutating func noteSecret(_ what: String) {
        if !secrets.contains(what) { secrets.append(what) }
    }

    /// Adds a sentence to the explanation (duplicates are dropped).
    public mutating func explain(_ line: String) {
        if seenLines.insert(line).inserted { explanation.append(line) }
    }

    /// Notes a script file whose contents must be read from the target before deciding.
    public mutating func unseenScript(_ path: String) {
        if !unseenScripts.contains(path) { unseenScripts.append(path) }
    }

    public var risk: RiskLevel { findings.map(\.risk).max() ?? .none }

    /// Builds the final analysis.
    public func analysis(status: Analysis.Status, catalogue: Catalogue?, diagnostic: String? = nil) -> Analysis {
        var ordered = findings.enumerated().sorted { a, b in
            a.element.risk != b.element.risk ? a.element.risk > b.element.risk : a.offset < b.offset
        }.map(\.element)
        // Data destroyed (T1485) or encrypted for ransom (T1486) is impact, not the hiding of
        // traces that file deletion (T1070.004) names.
        if ordered.contains(where: { $0.technique == "T1485" || $0.technique == "T1486" }) {
            ordered = ordered.map { f in
                guard f.technique == "T1070.004" else { return f }
                var g = f
                g.technique = nil
                return g
            }
        }
        var techniques: [String] = []
        var seen: Set<String> = []
        for f in ordered {
            if let t = f.technique, seen.insert(t).inserted { techniques.append(t) }
        }
        var tactics: [String] = []
        var seenTactics: Set<String> = []
        for t in techniques {
            for tactic in catalogue?.tactics(of: t) ?? [] where seenTactics.insert(tactic).inserted {
                tactics.append(tactic)
            }
        }
        let risk = self.risk
        let summary: String
        if let top = ordered.first, top.risk > .none {
            summary = "\(Self.label(risk)): \(top.reason)"
        } else {
            summary = "\(Self.label(risk)): reads information and changes nothing Escort knows to be sensitive."
        }
        return Analysis(
            status: status, risk: risk, techniques: techniques, tactics: tactics, summary: summary,
            findings: ordered, explanation: explanation, diagnostic: diagnostic, unseenScripts: unseenScripts,
            opensPrompt: opensPrompt)
    }

    static func label(_ risk: RiskLevel) -> String {
        switch risk {
        case .none: "Harmless"
        case .low: "Low risk"
        case .medium: "Medium risk"
        case .high: "High risk"
        case .critical: "Critical"
        }
    }
}
