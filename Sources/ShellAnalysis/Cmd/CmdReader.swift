/// Reads a cmd.exe command line: carets, quotes, `&`/`&&`/`||`/`|`, `( … )` blocks, `set` and
/// `call`, `%VAR%` with substrings and substitutions, `!VAR!` under `cmd /V:ON`, `for` loops and
/// `cmd /c` nesting. Every command that would really run goes to the catalogue, and `powershell`
/// goes to the PowerShell reader.
public struct CmdReader: Sendable {
    public let catalogue: Catalogue

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// Reads `source` (whose first byte is at `origin` in the text the user typed; pass 0 at top level) and reports into `report`.
    /// `depth` counts nested decodings; stop at 8 and report tooComplex (fail closed: add a high finding).
    public func read(_ source: String, origin: Int, depth: Int, into report: inout Report) -> ReaderStatus {
        run(source, origin: origin, depth: depth, into: &report).status
    }

    /// Like `read`, and also returns the commands that would run, with their disguises removed.
    func run(_ source: String, origin: Int, depth: Int, into report: inout Report) -> (status: ReaderStatus, commands: [String]) {
        let whole = SourceRange(origin, origin + source.utf8.count)
        if depth >= CmdMachine.maxDepth {
            report.add(.high, "T1027", "Escort stopped reading: commands are hidden inside commands more than \(CmdMachine.maxDepth) levels deep. Treat it as hostile until someone reads it.", whole)
            return (.tooComplex("nested more than \(CmdMachine.maxDepth) levels"), [])
        }
        if let problem = Self.unclosedQuote(source) {
            report.add(.high, nil, "cmd.exe cannot read this command (\(problem)): Escort holds it for review.", whole)
            return (.syntaxError(problem), [])
        }
        var machine = CmdMachine(catalogue: catalogue, source: source, origin: origin, report: report)
        machine.runLine(LText(located: source, origin: origin), depth: depth)
        PowerShellRules.scanText(source, range: whole, into: &machine.report)
        report = machine.report
        return (machine.status, machine.commands)
    }

    /// cmd.exe itself tolerates an unclosed quote, but an engineer who typed one almost always made
    /// a mistake, and Escort cannot tell what was meant.
    static func unclosedQuote(_ source: String) -> String? {
        var inQuote = false
        var caret = false
        for c in source.unicodeScalars {
            if caret { caret = false; continue }
            if c == "^", !inQuote { caret = true; continue }
            if c == "\"" { inQuote.toggle() }
            if c == "\n" { inQuote = false }
        }
        return inQuote ? "a quotation mark is never closed" : nil
    }
}
