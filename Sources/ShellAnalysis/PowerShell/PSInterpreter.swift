/// Reads PowerShell tokens and evaluates what can be known before running: it folds constant
/// strings, tracks variables and aliases set along the way, and reports each command to the
/// catalogue and the rules. Nothing is executed.
struct PSInterpreter {
    let catalogue: Catalogue
    let depth: Int
    var report: Report
    var tokens: [PSToken]
    var p = 0
    var variables: [String: PSValue] = [:]
    var aliases: [String: String] = [:]
    var functions: Set<String> = []
    var status: ReaderStatus = .complete
    var commands: [String] = []
    var lastVariable: String? = nil
    /// How deep brackets and unary operators are nested at this point of the reading; past
    /// ``maxNesting`` the reading stops (too complex, held) instead of recursing until the stack
    /// runs out (`@(@(@(…)))` two hundred deep crashed the process).
    var nesting = 0
    static let maxNesting = 40

    /// Enters one more level of nesting; false (and the rest of the input reads as its end) past
    /// the bound.
    mutating func enter() -> Bool {
        guard nesting < Self.maxNesting else {
            if case .complete = status { status = .tooComplex("brackets or operators nested more than \(Self.maxNesting) deep") }
            exhausted = true
            return false
        }
        nesting += 1
        return true
    }

    static let keywords: Set<String> = [
        "if", "elseif", "else", "foreach", "for", "while", "do", "until", "switch", "try", "catch", "finally",
        "function", "filter", "param", "begin", "process", "end", "return", "throw", "exit", "break", "continue", "trap",
    ]

    init(catalogue: Catalogue, depth: Int, report: Report, tokens: [PSToken]) {
        self.catalogue = catalogue
        self.depth = depth
        self.report = report
        self.tokens = tokens
    }

    /// Set when the step budget is spent: from then on every token reads as the end of input, so
    /// every loop, which stops at the end, stops.
    var exhausted = false

    var tok: PSToken { exhausted ? tokens[tokens.count - 1] : tokens[min(p, tokens.count - 1)] }
    func peek(_ k: Int) -> PSToken { exhausted ? tokens[tokens.count - 1] : tokens[min(p + k, tokens.count - 1)] }
    func isOp(_ s: String, _ t: PSToken? = nil) -> Bool { let t = t ?? tok; return t.kind == .op && t.text == s }
    mutating func advance() { if p < tokens.count - 1 { p += 1 } }

    /// One turn of a loop that may not consume a token: takes a step from the budget and, once it
    /// is spent, makes the rest of the input read as its end (see ``exhausted``). Every loop of the
    /// interpreter either advances or calls this, so none can run for ever.
    @discardableResult
    mutating func step() -> Bool {
        if exhausted { return false }
        if report.spend() { return true }
        exhausted = true
        if case .complete = status { status = .tooComplex("Escort could not finish reading this command") }
        return false
    }

    var atTerminator: Bool {
        switch tok.kind {
        case .end, .newline: return true
        case .op: return [";", ")", "}", "|", "&&", "||", "]"].contains(tok.text) || (tok.text == "&" && peek(1).spaceBefore && !isCallTarget(peek(1)))
        default: return false
        }
    }

    func isCallTarget(_ t: PSToken) -> Bool { t.kind != .newline && t.kind != .end && !(t.kind == .op && [";", ")", "}", "|"].contains(t.text)) }

    mutating func skipNewlines() { while tok.kind == .newline || isOp(";") { advance() } }

    /// Statements up to a closing `}` or `)` (not consumed) or the end.
    mutating func statements() {
        while step() {
            skipNewlines()
            if tok.kind == .end || isOp("}") || isOp(")") { return }
            let before = p
            statement()
            if isOp("&&") || isOp("||") { advance() }
            if p == before { advance() }
        }
    }

    mutating func block() {
        guard isOp("{") else { return }
        advance()
        statements()
        if isOp("}") { advance() }
    }

    mutating func statement() {
        if tok.kind == .word, !tok.escaped, Self.keywords.contains(tok.text.lowercased()) {
            keywordStatement(tok.text.lowercased())
            return
        }
        if tok.kind == .variable, peek(1).kind == .op, ["=", "+=", "-=", "*="].contains(peek(1).text) {
            let name = tok.text.lowercased()
            let op = peek(1).text
            advance()
            advance()
            skipNewlines()
            var value = pipeline()
            if op == "+=", let old = variables[name] { value = Self.add(old, value, range: value.range) }
            if name.hasPrefix("env:") { report.explain("Sets the environment variable `\(name.dropFirst(4))`.") }
            variables[name] = value
            return
        }
        _ = pipeline()
    }

    mutating func keywordStatement(_ k: String) {
        let start = tok.range
        advance()
        switch k {
        case "function", "filter":
            if tok.kind == .word {
                functions.insert(tok.text.lowercased())
                report.explain("Defines a function named `\(tok.text)`; its body is read below.")
                advance()
            }
            if isOp("(") { parenthesised() }
            block()
        case "if", "elseif", "while", "switch", "foreach", "for", "until":
            while tok.kind == .dash { advance() }
            if isOp("(") { parenthesised() }
            block()
        case "do":
            block()
            if tok.kind == .word, ["while", "until"].contains(tok.text.lowercased()) {
                advance()
                if isOp("(") { parenthesised() }
            }
        case "catch":
            // Each turn consumes a type literal or stops: a `[` that starts none (`[⻐x]`, whose
            // name starts with no letter) once kept this loop at the same token for ever.
            while isOp("["), step() {
                let before = p
                _ = typeLiteral()
                if p == before { skipBracket() }
                if isOp(",") { advance() }
            }
            block()
        case "param":
            if isOp("(") { parenthesised() }
        case "return", "throw", "exit":
            if !atTerminator { _ = pipeline() }
        case "break", "continue":
            break
        default:
            block()
        }
        _ = start
    }

    /// Skips a `[ … ]` that is not a type literal, with what is inside it.
    mutating func skipBracket() {
        var depth = 0
        repeat {
            if isOp("[") { depth += 1 } else if isOp("]") { depth -= 1 }
            advance()
        } while depth > 0 && tok.kind != .end && step()
    }

    /// `( … )` read as statements.
    mutating func parenthesised() {
        advance()
        statements()
        if isOp(")") { advance() }
    }

    /// A pipeline: elements joined by `|`, each fed the previous one's output.
    mutating func pipeline() -> PSValue {
        var input: PSValue? = nil
        var value = PSValue.unknown(tok.range)
        while step() {
            value = element(input: input)
            if isOp("|") {
                advance()
                skipNewlines()
                input = value
                continue
            }
            return value
        }
        return value
    }

    mutating func element(input: PSValue?) -> PSValue {
        if tok.kind == .word { return command(input: input) }
        if (isOp("&") || isOp(".")) && isCallTarget(peek(1)) { return command(input: input) }
        var v = expression()
        // Redirection after an expression: `'x' > file`.
        while isOp(">") || isOp(">>") || isOp("*>") || isOp("2>") {
            advance()
            let target = commandArgument()
            fileWritten(target)
        }
        if let input, input.taint.contains(.network) { v.taint.formUnion(.network) }
        return v
    }

    mutating func fileWritten(_ target: Argument) {
        guard let name = target.text, name.lowercased() != "\\$null", name.lowercased() != "$null" else { return }
        report.explain("Output is written to the file `\(name)`.")
        ProgramEvaluator(catalogue: catalogue).checkPath(name, writing: true, range: target.range, verb: "changes", into: &report)
    }
}
