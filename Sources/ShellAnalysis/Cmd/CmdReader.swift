import Foundation

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
        if let sign = Self.obfuscationSign(source) {
            let built = machine.commands.prefix(3).map { "`\($0)`" }.joined(separator: ", ")
            machine.report.add(.high, "T1027", "The command line is disguised (\(sign))" + (built.isEmpty ? "." : "; it really runs \(built)."), whole)
        }
        report = machine.report
        return (machine.status, machine.commands)
    }

    /// Signs that a cmd line was written to hide what it runs: carets inside words, environment
    /// substrings (`%VAR:~3,2%`), substitutions (`%VAR:a=b%`), `call set` re-expansion, delayed
    /// expansion assembling names. Ordinary administration uses none of them.
    static func obfuscationSign(_ source: String) -> String? {
        let chars = Array(source)
        var carets = 0
        for i in chars.indices where chars[i] == "^" && i > 0 && i + 1 < chars.count {
            if chars[i - 1].isLetter && chars[i + 1].isLetter { carets += 1 }
        }
        if carets > 0 { return "carets split the words" }
        if source.range(of: #"%[^%\s]+:~\s*-?\s*\d+"#, options: .regularExpression) != nil { return "it takes pieces of environment variables" }
        if source.range(of: #"(?i)\bin[\s,;]*\([\s,;]*'[\s,;]*(assoc|ftype)"#, options: .regularExpression) != nil { return "it pulls letters out of the output of `assoc` or `ftype`" }
        if source.range(of: #"[,;]\s*[,;]\s*[,;]\s*[,;]"#, options: .regularExpression) != nil { return "it pads the line with separators cmd.exe ignores" }
        if source.range(of: #"%[A-Za-z0-9_#$@]+:[^%=~]+=[^%]*%"#, options: .regularExpression) != nil { return "it rewrites environment variables to build text" }
        if source.range(of: #"(?i)call\s+set\b"#, options: .regularExpression) != nil { return "`call set` expands text twice" }
        if source.range(of: #"(?i)/v(:on)?\b"#, options: .regularExpression) != nil, source.range(of: #"![A-Za-z0-9_]+(:[^!]*)?!"#, options: .regularExpression) != nil { return "delayed expansion assembles the command" }
        return nil
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
