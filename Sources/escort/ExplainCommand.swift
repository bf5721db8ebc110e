import ArgumentParser
import Foundation
import ShellAnalysis

/// `escort explain 'CMD'`: the analyser's verdict, for a person.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain what a command does and how dangerous it is.")

    @Option(name: .long, help: "The command's language: sh, bash, powershell or cmd.")
    var shell: String = "sh"

    @Flag(name: .long, help: "Never colour the output.")
    var noColor = false

    @OptionGroup(title: "Target context")
    var target: TargetContextOptions

    @ArgumentParser.Argument(help: "The command line, or - to read a script from standard input.")
    var command: String

    func run() throws {
        guard let dialect = ShellDialect(name: shell) else {
            throw ValidationError("unknown shell `\(shell)`: use sh, bash, powershell or cmd")
        }
        let source = command == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : command
        let analysis: Analysis
        switch Analyser.bundled() {
        case .success(let analyser): analysis = analyser.analyse(source, dialect: dialect, context: target.context)
        case .failure(let error): analysis = Analyser.failClosed(source, reason: error.description)
        }
        let colour = !noColor && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        print(ExplainFormatter(colour: colour).format(analysis, source: source))
        if analysis.status != .complete { throw ExitCode(2) }
    }
}

/// `--service`, `--app-dir`, `--database`, `--network` (each repeatable): the target's workload,
/// as the registry would describe it, so the analyser's use of it can be tried by hand.
struct TargetContextOptions: ParsableArguments {
    @Option(name: .customLong("service"), help: "One of the target's own services (repeatable): restarting or querying it is routine.")
    var services: [String] = []

    @Option(name: .customLong("app-dir"), help: "A folder with the target's application code and data (repeatable).")
    var appDirectories: [String] = []

    @Option(name: .customLong("database"), help: "One of the target's own databases (repeatable).")
    var databases: [String] = []

    @Option(name: .customLong("network"), help: "One of the target's own networks, a CIDR block or a domain (repeatable): not outside.")
    var networks: [String] = []

    var context: TargetContext {
        TargetContext(services: services, appDirectories: appDirectories, databases: databases, networks: networks)
    }
}

/// Formats an analysis for a terminal.
struct ExplainFormatter {
    var colour: Bool

    func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    func riskCode(_ r: RiskLevel) -> String {
        switch r {
        case .none: "32"
        case .low: "36"
        case .medium: "33"
        case .high: "31;1"
        case .critical: "41;97;1"
        }
    }

    func format(_ a: Analysis, source: String) -> String {
        var lines: [String] = []
        lines.append(paint("RISK: \(a.risk.rawValue.uppercased())", riskCode(a.risk)) + "  " + a.summary)
        if a.status != .complete {
            lines.append(paint("Status: \(a.status.rawValue)", "33") + (a.diagnostic.map { " — \($0)" } ?? ""))
        }
        if !a.techniques.isEmpty {
            let catalogue = try? Catalogue.bundled.get()
            let named = a.techniques.map { t in catalogue?.techniqueName(t).map { "\(t) \($0)" } ?? t }
            lines.append("ATT&CK: " + named.joined(separator: "; "))
        }
        if !a.explanation.isEmpty {
            lines.append("")
            lines.append(paint("What it does", "1"))
            for e in a.explanation { lines.append("  • " + e) }
        }
        let notable = a.findings.filter { $0.risk > .none }
        if !notable.isEmpty {
            lines.append("")
            lines.append(paint("Why", "1"))
            let bytes = Array(source.utf8)
            for f in notable {
                let lo = max(0, min(bytes.count, f.range.start))
                let hi = max(lo, min(bytes.count, f.range.end))
                var excerpt = String(decoding: bytes[lo..<hi], as: UTF8.self).replacingOccurrences(of: "\n", with: "⏎")
                if excerpt.count > 70 { excerpt = String(excerpt.prefix(70)) + "…" }
                let tag = paint("[\(f.risk.rawValue)]", riskCode(f.risk))
                lines.append("  \(tag) \(f.reason)" + (f.technique.map { " (\($0))" } ?? ""))
                if !excerpt.isEmpty { lines.append("      at: " + paint(excerpt, "4")) }
            }
        }
        return lines.joined(separator: "\n")
    }
}
