/// Reads a PowerShell command line or script: strings, here-strings, escapes, variables,
/// pipelines, script blocks and .NET calls. It folds the text that obfuscators build
/// (`&('I'+'EX')`, `"{1}{0}" -f 'EX','I'`, ``i`e`x``, `[char]73`), decodes base64 payloads and
/// reads them again, and reports every command to the catalogue and the rules.
public struct PowerShellReader: Sendable {
    public let catalogue: Catalogue

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    public static let maxDepth = 8

    /// Reads `source` (whose first byte is at `origin` in the text the user typed; pass 0 at top level) and reports into `report`.
    /// `depth` counts nested decodings; stop at 8 and report tooComplex (fail closed: add a high finding).
    public func read(_ source: String, origin: Int, depth: Int, into report: inout Report) -> ReaderStatus {
        run(source, origin: origin, depth: depth, into: &report).status
    }

    /// Like `read`, and also returns the commands it resolved (canonical name and arguments).
    func run(_ source: String, origin: Int, depth: Int, into report: inout Report) -> (status: ReaderStatus, commands: [String]) {
        let whole = SourceRange(origin, origin + source.utf8.count)
        if depth >= Self.maxDepth {
            report.add(.high, "T1027", "Escort stopped reading: code is hidden inside code more than \(Self.maxDepth) levels deep. Treat it as hostile until someone reads it.", whole)
            return (.tooComplex("nested more than \(Self.maxDepth) levels"), [])
        }
        var lexer = PSLexer(source, origin: origin)
        let tokens: [PSToken]
        do {
            tokens = try lexer.tokenize()
        } catch {
            report.add(.high, nil, "PowerShell cannot read this (\(error.message)): Escort holds it for review.", error.range)
            return (.syntaxError(error.message), [])
        }
        if let problem = Self.unbalanced(tokens) {
            report.add(.high, nil, "PowerShell cannot read this (\(problem.message)): Escort holds it for review.", problem.range)
            return (.syntaxError(problem.message), [])
        }
        var interpreter = PSInterpreter(catalogue: catalogue, depth: depth, report: report, tokens: tokens)
        interpreter.statements()
        PowerShellRules.scanText(source, range: whole, into: &interpreter.report)
        report = interpreter.report
        return (interpreter.status, interpreter.commands)
    }

    /// The first bracket that is not closed, or closed by the wrong kind.
    static func unbalanced(_ tokens: [PSToken]) -> (message: String, range: SourceRange)? {
        var stack: [PSToken] = []
        let closer: [String: String] = ["(": ")", "$(": ")", "@(": ")", "{": "}", "@{": "}", "[": "]"]
        for t in tokens where t.kind == .op {
            if closer[t.text] != nil {
                stack.append(t)
            } else if [")", "}", "]"].contains(t.text) {
                guard let open = stack.popLast() else { return ("a `\(t.text)` has no opening partner", t.range) }
                if closer[open.text] != t.text { return ("a `\(open.text)` is closed by `\(t.text)`", open.range.union(t.range)) }
            }
        }
        if let open = stack.last { return ("a `\(open.text)` is never closed", open.range) }
        return nil
    }
}
