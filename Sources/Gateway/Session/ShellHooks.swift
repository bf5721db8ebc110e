import ShellAnalysis

/// Code a command leaves in the shell to run later, out of the escort's sight: prompt variables
/// whose expansion runs commands (`PS0='$(…)'`, `PROMPT_COMMAND`), `trap` actions, and builtins
/// loaded from a shared object (`enable -f`). The gateway judges that code when it is installed,
/// as if it were typed, since it runs later with no command to show.
struct ShellHooks: Sendable {
    /// (what installs it, the code).
    var code: [(String, String)] = []
    /// `enable -f FILE`: native code loaded into the shell itself.
    var loadsNativeCode = false

    static let promptVariables: Set<String> = ["PS0", "PS1", "PS2", "PS3", "PS4"]

    init(command: String, limits: ParserLimits) {
        guard case .success(let tree) = ShellParser.parse(command, limits: limits) else { return }
        for s in ShellWalk.simpleCommands(in: tree.script) {
            var assignments = s.assignments.map { ($0.name, $0.value?.literalValue ?? "") }
            let words = s.words.compactMap(\.literalValue)
            if let first = words.first, ["export", "declare", "typeset", "readonly", "local"].contains(first) {
                for w in words.dropFirst() where w.contains("=") {
                    let parts = w.split(separator: "=", maxSplits: 1)
                    assignments.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
                }
            }
            for (name, value) in assignments {
                if name == "PROMPT_COMMAND", !value.isEmpty { code.append((name, value)) }
                if Self.promptVariables.contains(name), value.contains("$(") || value.contains("`") { code.append((name, value)) }
            }
            guard let first = words.first else { continue }
            if first == "trap", words.count >= 3, words[1] != "-" , !words[1].hasPrefix("-") {
                code.append(("trap on \(words[2...].joined(separator: " "))", words[1]))
            }
            if first == "enable", words.dropFirst().contains(where: { $0.hasPrefix("-") && $0.contains("f") }) {
                loadsNativeCode = true
            }
        }
    }

    var isEmpty: Bool { code.isEmpty && !loadsNativeCode }

    /// Raises `analysis` to what the installed code does (at least medium: it runs unseen later).
    func judge(_ analysis: inout Analysis, with analyser: Analyser) {
        if loadsNativeCode {
            analysis.risk = max(analysis.risk, .high)
            analysis.summary = "High risk: loads native code into the shell itself (`enable -f`), which runs with no program start to see."
            analysis.explanation.insert(analysis.summary, at: 0)
        }
        for (what, text) in code {
            var body = text
            if body.hasPrefix("$(") || body.contains("$(") {
                body = body.replacingOccurrences(of: "$(", with: "\n").replacingOccurrences(of: ")", with: "\n")
            }
            let inner = analyser.analyse(body)
            let floor: RiskLevel = max(inner.risk, .medium)
            if floor > analysis.risk || inner.risk > .low {
                analysis.risk = max(analysis.risk, floor)
                analysis.techniques = Array(Set(analysis.techniques + inner.techniques)).sorted()
                let line = "Sets \(what) so that the shell runs, later and with no command shown: \(inner.summary)"
                analysis.summary = "\(analysis.risk.rawValue.capitalized) risk: " + line
                analysis.explanation.insert(line, at: 0)
            }
        }
    }
}
