import Foundation

/// Reads a parsed sh/bash script the way the shell will run it: evaluates words whose value is
/// known, follows variables, nested shells, wrappers and payloads, and applies the rules.
struct ShellReader {
    let catalogue: Catalogue
    let evaluator: ProgramEvaluator
    let limits: ParserLimits
    var report = Report()
    /// Variables assigned earlier in the same input, with their values when known.
    var variables: [String: Value] = [:]
    /// Files written earlier in the same input.
    var files: [String: Stream] = [:]
    /// Script files read from the target by the gateway, keyed by normalised path.
    var targetFiles: [String: String] = [:]
    /// Files this input filled with text that starts a shell (`echo 'exec /bin/sh' > f`), by
    /// normalised path: handing one to a program that runs what it is given is the GTFOBins escape.
    var shellPayloads: Set<String> = []
    /// Files this input filled with credentials it read (`tar czf /tmp/k.tgz ~/.ssh`), by
    /// normalised path, with what they hold: sending one out is sending the credentials.
    var secretFiles: [String: String] = [:]
    /// Files this input encrypted (`openssl enc -in F`, `gpg -c F`), by normalised path: deleting
    /// one afterwards leaves only the encrypted copy, which is what ransomware does.
    var encryptedFiles: Set<String> = []
    /// Functions defined in the input.
    var functions: [String: Command] = [:]
    /// How many payloads deep the reader is.
    var nesting = 0
    /// When reading decoded or nested text, every finding points at this range of the outer text.
    var origin: SourceRange? = nil
    var hereDocuments: [Int: HereDocument] = [:]
    /// Whether the text being read was hidden (decoded, or built at run time).
    var hidden = false
    /// The pipeline being read was prefixed with bash's `time` keyword: its first command runs
    /// through `time` the way it would through `/usr/bin/time`, a wrapper.
    var timedVia: String? = nil
    /// What the registry knows of the target's workload (its services, application folders,
    /// databases, networks); ``TargetContext/none`` assumes nothing is the target's own.
    var context: TargetContext = .none
    /// What flows into the `while` loop being read (`… | while read l; do …; done`): what its
    /// condition's `read` reads.
    var loopInput: Stream = .none
    /// What each wildcard program name met so far matched (`g[a]t | g[a]t | …` is tried once).
    var globbed: [String: [String]] = [:]

    static let maxNesting = 8

    /// A variable's value.
    struct Value {
        var text: String?
        var taint: Taint
    }

    init(catalogue: Catalogue, limits: ParserLimits) {
        self.catalogue = catalogue
        self.evaluator = ProgramEvaluator(catalogue: catalogue)
        self.limits = limits
    }

    // MARK: - Reporting

    func at(_ range: SourceRange) -> SourceRange { origin ?? range }

    mutating func add(_ risk: RiskLevel, _ technique: String?, _ reason: String, _ range: SourceRange) {
        report.add(risk, technique, reason, at(range))
    }

    mutating func add(_ risk: RiskLevel, techniques: [String], _ reason: String, _ range: SourceRange) {
        report.add(risk, techniques: techniques, reason, at(range))
    }

    mutating func explain(_ line: String) { report.explain(line) }

    // MARK: - Entry points

    /// Reads a whole input typed by the user.
    mutating func readTopLevel(_ source: String) -> ReaderStatus {
        switch ShellParser.parse(source, limits: limits) {
        case .success(let tree):
            hereDocuments = tree.hereDocuments
            walk(tree.script)
            return .complete
        case .failure(let f):
            switch f.kind {
            case .incomplete: return .incomplete(f.message)
            case .syntaxError: return .syntaxError(f.message)
            case .tooComplex: return .tooComplex(f.message)
            }
        }
    }

    /// Reads shell text that another command will run (`sh -c`, `eval`, a decoded payload, a
    /// script written earlier). Findings point at `range` in the outer text.
    mutating func readNested(_ source: String, range: SourceRange, hidden isHidden: Bool) {
        // Parsing costs about one step per few bytes; past the budget nothing more is read.
        guard report.spend(1 + source.utf8.count / 8) else { return }
        guard nesting < Self.maxNesting else {
            add(.high, "T1027", "Commands are nested or encoded more than \(Self.maxNesting) levels deep; Escort stops reading and holds the command.", range)
            return
        }
        switch ShellParser.parse(source, limits: limits) {
        case .success(let tree):
            let saved = (origin, hidden, hereDocuments)
            origin = origin ?? range
            hidden = hidden || isHidden
            nesting += 1
            hereDocuments.merge(tree.hereDocuments) { a, _ in a }
            walk(tree.script)
            nesting -= 1
            (origin, hidden, hereDocuments) = saved
        case .failure(let f):
            let excerpt = Self.excerpt(source)
            switch f.kind {
            case .tooComplex:
                add(.high, "T1027", "Text run as commands (`\(excerpt)`) is too complex to analyse (\(f.message)).", range)
            default:
                // The inner shell would reject it or wait for more; it could still run in part.
                add(isHidden ? .high : .medium, isHidden ? "T1027" : nil,
                    "Text run as commands (`\(excerpt)`) is not valid shell syntax (\(f.message)); Escort cannot tell what the shell will do with it.", range)
            }
        }
    }

    static func excerpt(_ s: String, limit: Int = 60) -> String {
        let one = s.contains("\n") ? s.replacingOccurrences(of: "\n", with: "⏎") : s
        return one.count > limit ? String(one.prefix(limit)) + "…" : one
    }

    // MARK: - Walking the tree

    mutating func walk(_ script: Script) {
        for item in script.items {
            if item.background, nesting == 0 {
                explain("The `&` at the end runs it in the background.")
            }
            for pipeline in item.andOr.pipelines { walk(pipeline) }
        }
    }

    mutating func walk(_ pipeline: Pipeline) {
        _ = walkReturning(pipeline)
    }

    /// What a command in a pipeline turned out to be, for the pipeline-wide rules.
    struct PipelineMember {
        var name: String?
        var roles: Set<String> = []
        /// A shell or interpreter that runs code from its standard input.
        var runsStdin = false
        /// An interactive shell.
        var interactiveShell = false
        var range: SourceRange
    }

    struct CommandOutput {
        var stdout: Stream
        var member: PipelineMember
    }

    mutating func run(_ command: Command, stdin: Stream) -> CommandOutput {
        // Every command read takes a step; past the budget the rest is not read (the analysis
        // fails closed: see `Analyser.analyse`).
        guard report.spend() else { return CommandOutput(stdout: .dynamic([]), member: PipelineMember(name: nil, range: command.range)) }
        switch command {
        case .simple(let simple):
            return runSimple(simple, stdin: stdin)
        case .function(let name, let body, let range):
            functions[name] = body
            if Self.callsItselfInBackground(name: name, body: body) {
                add(.critical, "T1499", "Defines `\(name)`, a function that starts copies of itself without end (a fork bomb): it exhausts the machine and stops it serving anyone.", range)
            }
            explain("Defines a shell function `\(name)`.")
            _ = run(body, stdin: .none)
            return CommandOutput(stdout: .none, member: PipelineMember(name: name, range: range))
        case .compound(let compound, let redirects, let range):
            let input = applyRedirects(redirects, stdin: stdin, commandName: nil)
            walkCompound(compound, stdin: input.stdin)
            return CommandOutput(stdout: .dynamic([]), member: PipelineMember(name: nil, range: range))
        }
    }

    mutating func walkCompound(_ compound: CompoundCommand, stdin: Stream) {
        switch compound {
        case .braceGroup(let s), .subshell(let s):
            walk(s)
        case .ifClause(let branches, let elseBody):
            for b in branches {
                walk(b.condition)
                walk(b.body)
            }
            if let e = elseBody { walk(e) }
        case .forClause(let variable, let words, let body), .selectClause(let variable, let words, let body):
            var values: [Argument] = []
            for w in words ?? [] { values.append(contentsOf: evaluate(w)) }
            if values.count == 1, let only = values.first {
                variables[variable] = Value(text: only.text, taint: only.taint)
            } else {
                variables[variable] = Value(text: nil, taint: values.reduce(into: Taint()) { $0.formUnion($1.taint) })
            }
            checkSweep(variable: variable, body: body)
            walk(body)
        case .arithmeticFor(let expression, let body):
            if let variable = Self.arithmeticLoopVariable(expression) { checkSweep(variable: variable, body: body) }
            walk(body)
        case .whileClause(let condition, let body, _):
            let saved = loopInput
            if !Self.isEmpty(stdin) { loopInput = stdin }
            walk(condition)
            loopInput = saved
            walk(body)
        case .caseClause(let subject, let items):
            _ = evaluate(subject)
            for item in items { walk(item.body) }
        case .arithmetic(let text):
            readArithmetic(text)
        case .conditional(let words):
            for w in words { _ = evaluate(w) }
        }
    }

    /// Arithmetic can hide command substitutions (`$(( $(cmd) ))`, `a[$(cmd)]`).
    mutating func readArithmetic(_ text: String) {
        guard text.contains("$(") || text.contains("`") else { return }
        // Arithmetic inside arithmetic is read as nested text: bounded as every nesting is.
        guard report.spend(1 + text.utf8.count / 8) else { return }
        guard nesting < Self.maxNesting else {
            add(.high, "T1027", "Commands are nested or encoded more than \(Self.maxNesting) levels deep; Escort stops reading and holds the command.", SourceRange(0, 0))
            return
        }
        nesting += 1
        defer { nesting -= 1 }
        let wrapped = "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        if case .success(let tree) = ShellParser.parse(": " + wrapped, limits: limits) {
            walk(tree.script)
        }
    }

    static func callsItselfInBackground(name: String, body: Command) -> Bool {
        guard case .compound(let c, _, _) = body, case .braceGroup(let script) = c else { return false }
        for item in script.items {
            let mentions = item.andOr.pipelines.contains { p in
                p.commands.contains { cmd in
                    if case .simple(let s) = cmd, s.words.first?.literalValue == name { return true }
                    return false
                }
            }
            let piped = item.andOr.pipelines.contains { $0.commands.count > 1 }
            if mentions && (item.background || piped) { return true }
        }
        return false
    }
}
