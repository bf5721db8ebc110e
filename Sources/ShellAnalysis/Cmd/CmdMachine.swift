/// Runs a cmd.exe command line in imitation: it keeps the variables `set` along the way, expands
/// them as cmd.exe would, unrolls `for` loops and `call`, and hands each command that would really
/// run to the catalogue. Nothing is executed; the only "outputs" are of harmless built-ins
/// (`echo`, `assoc`, `ftype`, `find`) that obfuscators read letters from.
struct CmdMachine {
    let catalogue: Catalogue
    let source: [UInt8]
    let origin: Int
    var report: Report
    var vars = CmdVariables()
    var delayed = false
    var status: ReaderStatus = .complete
    /// Output lines captured for a pipe or a `for /f`.
    var captured: [String]? = nil
    /// Commands run (after expansion), for tests and the corpus figure.
    var commands: [String] = []
    private var steps = 0

    static let maxDepth = 8
    static let maxSteps = 20_000

    init(catalogue: Catalogue, source: String, origin: Int, report: Report) {
        self.catalogue = catalogue
        self.source = Array(source.utf8)
        self.origin = origin
        self.report = report
    }

    /// Reads a whole command line as a fresh cmd.exe would: expands `%VAR%`, parses, runs.
    mutating func runLine(_ line: LText, depth: Int) {
        guard depth <= Self.maxDepth else {
            tooComplex("the command hides commands inside commands more than \(Self.maxDepth) levels deep", line.span)
            return
        }
        let expanded = vars.expandPercent(line)
        var parser = CmdParser(expanded)
        do {
            let node = try parser.parse()
            run(node, depth: depth, stdin: nil)
        } catch {
            let range = line.span ?? SourceRange(origin, origin)
            if case .complete = status { status = .syntaxError(error.message) }
            report.add(.high, nil, "cmd.exe cannot read this command (\(error.message)): Escort holds it for review.", range)
        }
    }

    mutating func tooComplex(_ why: String, _ range: SourceRange?) {
        status = .tooComplex(why)
        report.add(.high, "T1027", "Escort stopped reading: \(why). Treat it as hostile until someone reads it.", range ?? SourceRange(origin, origin))
    }

    mutating func run(_ node: CmdNode, depth: Int, stdin: [String]?) {
        steps += 1
        if steps > Self.maxSteps || !report.spend() {
            if case .tooComplex = status { return }
            tooComplex("the command loops too many times to follow", nil)
            return
        }
        switch node {
        case .sequence(let nodes):
            for n in nodes { run(n, depth: depth, stdin: stdin) }
        case .pipe(let nodes):
            var input = stdin
            for (k, n) in nodes.enumerated() {
                let saved = captured
                captured = []
                run(n, depth: depth, stdin: input)
                input = captured
                captured = saved
                if k == nodes.count - 1, captured != nil { captured! += input ?? [] }
            }
        case .forLoop(let header, let body):
            runFor(header, body, depth: depth, stdin: stdin)
        case .ifCommand(let cond, let body):
            if evaluate(cond) != false { run(body, depth: depth, stdin: stdin) }
        case .simple(let text, let redirects):
            for r in redirects {
                // `> file.txt:payload.bat`, `< file.txt:payload.bat`: data kept in, or code run from,
                // an NTFS alternate data stream, which folder listings do not show.
                let target = delayed ? vars.expandDelayed(r.target) : r.target
                if let range = target.span, let stream = WindowsCommandRunner.alternateDataStream(target.text.lowercased()) {
                    let what = r.writes ? "Writes output into" : "Reads its input from"
                    report.add(.high, "T1564.004", "\(what) `\(stream)`, a hidden alternate data stream of a file: what is kept there does not show in folder listings.", range)
                }
                if let range = target.span, let share = WindowsCommandRunner.adminShare(target.text) {
                    report.add(.high, "T1021.002", "Sends output to `\(share)`, a hidden administrative share of another computer: the usual way to move from machine to machine.", range)
                }
            }
            for r in redirects where r.writes {
                let target = delayed ? vars.expandDelayed(r.target) : r.target
                let name = target.text
                if name.lowercased() != "nul", let range = target.span {
                    report.explain("Output is written to the file `\(name)`.")
                    let unc = String(name.filter { $0 != "\"" })
                    if unc.hasPrefix("\\\\"), !unc.hasPrefix("\\\\.\\"), !unc.hasPrefix("\\\\?\\") {
                        report.add(.medium, "T1048", "Writes output to `\(unc)`, a file on another computer: data leaves this machine.", range)
                    }
                    ProgramEvaluator(catalogue: catalogue).checkPath(name, writing: true, range: range, verb: "changes", into: &report)
                }
            }
            runSimple(LText(text.map(\.ch)), depth: depth, stdin: stdin)
        }
    }

    /// `true`, `false`, or `nil` when the answer is only known on the target.
    func evaluate(_ cond: IfCondition) -> Bool? {
        func text(_ p: [PChar]) -> String {
            let t = LText(p.map(\.ch))
            return (delayed ? vars.expandDelayed(t) : t).text
        }
        let l = text(cond.lhs)
        let r = text(cond.rhs)
        var result: Bool?
        switch cond.op {
        case "defined": result = vars.isDefined(l)
        case "exist", "errorlevel", "cmdextversion": result = nil
        case "==": result = cond.ignoreCase ? l.lowercased() == r.lowercased() : l == r
        default:
            let cmp: Int
            if let a = Int(l), let b = Int(r) {
                cmp = a < b ? -1 : (a > b ? 1 : 0)
            } else {
                let (x, y) = cond.ignoreCase ? (l.lowercased(), r.lowercased()) : (l, r)
                cmp = x < y ? -1 : (x > y ? 1 : 0)
            }
            switch cond.op {
            case "equ": result = cmp == 0
            case "neq": result = cmp != 0
            case "lss": result = cmp < 0
            case "leq": result = cmp <= 0
            case "gtr": result = cmp > 0
            case "geq": result = cmp >= 0
            default: result = nil
            }
        }
        return result.map { cond.negated ? !$0 : $0 }
    }

    /// Writes a line to the current output, when something is listening.
    mutating func output(_ line: String) {
        if captured != nil { captured!.append(line) }
    }

    /// The text the engineer typed at `range`, when it lies in this reader's source.
    func typed(_ range: SourceRange) -> String? {
        let a = range.start - origin
        let b = range.end - origin
        guard a >= 0, b <= source.count, a <= b else { return nil }
        return String(decoding: source[a..<b], as: UTF8.self)
    }
}
