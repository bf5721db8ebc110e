/// The analyser: reads a command line or script the way the target's shell will and judges it.
///
/// Pure: no I/O beyond loading the bundled catalogue once. Any failure inside yields a high or
/// critical verdict, never a harmless one (fail closed).
public struct Analyser: Sendable {
    public let catalogue: Catalogue
    public let limits: ParserLimits

    public init(catalogue: Catalogue, limits: ParserLimits = ParserLimits()) {
        self.catalogue = catalogue
        self.limits = limits
    }

    /// An analyser over the bundled catalogue, or the error that kept it from loading.
    public static func bundled() -> Result<Analyser, CatalogueError> {
        Catalogue.bundled.map { Analyser(catalogue: $0) }
    }

    /// Analyses `source` written for `dialect`.
    ///
    /// - Parameter targetFiles: contents of script files read from the target, keyed by the path
    ///   as the command names it (see ``Analysis/unseenScripts``). A script run by the command is
    ///   then judged by what it contains.
    /// - Parameter context: what the registry knows of the target's workload (its services,
    ///   application folders, databases, networks); ``TargetContext/none`` assumes nothing.
    public func analyse(_ source: String, dialect: ShellDialect = .sh, targetFiles: [String: String] = [:],
                        context: TargetContext = .none) -> Analysis {
        var report = Report(stepLimit: limits.stepBudget(byteCount: source.utf8.count))
        let status: ReaderStatus
        switch dialect {
        case .sh, .bash:
            var reader = ShellReader(catalogue: catalogue, limits: limits)
            reader.report = report
            reader.context = context
            for (path, text) in targetFiles { reader.targetFiles[PathPattern.normalise(path)] = text }
            status = reader.readTopLevel(source)
            report = reader.report
        case .powershell:
            if source.utf8.count > limits.maxBytes {
                status = .tooComplex("input is over the \(limits.maxBytes)-byte bound")
            } else {
                status = PowerShellReader(catalogue: catalogue).read(source, origin: 0, depth: 0, into: &report)
            }
        case .cmd:
            if source.utf8.count > limits.maxBytes {
                status = .tooComplex("input is over the \(limits.maxBytes)-byte bound")
            } else {
                status = CmdReader(catalogue: catalogue).read(source, origin: 0, depth: 0, into: &report)
            }
        }
        let whole = SourceRange(0, source.utf8.count)
        InstanceMetadata.scanText(source, range: whole, into: &report)
        // Text that reads as something else is never below medium, whatever it does.
        let disguise = DisguisedText(source)
        if let first = disguise.marks.first {
            for warning in disguise.warnings { report.add(.medium, "T1036", warning, first.range) }
        }
        if report.outOfSteps { return Self.couldNotFinish(source, partial: report, catalogue: catalogue) }
        switch status {
        case .complete:
            return report.analysis(status: .complete, catalogue: catalogue)
        case .incomplete(let why):
            report.add(.high, nil, "The command is unfinished (\(why)); nothing runs until it is complete.", whole)
            return report.analysis(status: .incomplete, catalogue: catalogue, diagnostic: why)
        case .syntaxError(let why) where (dialect == .sh || dialect == .bash) && Self.isKeystrokes(source):
            // Keys written the way manuals write them (`<Ctrl c>`, `<q>`, `<Esc><:>q<Enter>`) are
            // meant for a program that is already running. On one line the shell rejects the
            // whole line before running any of it (a redirection with nothing after it).
            report.add(.low, nil, "Keystrokes written as `<Key>` (\(source.count > 40 ? String(source.prefix(40)) + "…" : source)): the shell rejects this line and runs nothing.", whole)
            report.explain("This is not a command: the shell refuses the line (\(why)) and runs none of it.")
            return report.analysis(status: .syntaxError, catalogue: catalogue, diagnostic: why)
        case .syntaxError(let why):
            report.add(.high, nil, "The command is not valid \(dialect.rawValue) syntax (\(why)); Escort cannot vouch for how the target will read it.", whole)
            return report.analysis(status: .syntaxError, catalogue: catalogue, diagnostic: why)
        case .tooComplex(let why):
            report.add(.high, "T1027", "The command is too complex to analyse (\(why)); it is held as if it were dangerous.", whole)
            return report.analysis(status: .tooComplex, catalogue: catalogue, diagnostic: why)
        }
    }

    /// Whether `source` is one line of keystrokes in manual notation that ends in a `>` with
    /// nothing after it (`<Ctrl b><d>`, `<q>`, `<Ctrl r>error<Enter>`): bash and dash reject such
    /// a line whole, so none of it runs. Nothing but `<…>` groups and plain words between them.
    static func isKeystrokes(_ source: String) -> Bool {
        let b = Array(source.utf8)
        guard b.count >= 3, b.count <= 200, b.first == UInt8(ascii: "<"), b.last == UInt8(ascii: ">") else { return false }
        var depth = 0
        for c in b {
            switch c {
            case UInt8(ascii: "<"):
                if depth != 0 { return false }
                depth = 1
            case UInt8(ascii: ">"):
                if depth != 1 { return false }
                depth = 0
            case UInt8(ascii: "\n"), UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "$"), UInt8(ascii: "`"),
                 UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "\\"):
                return false
            default:
                break
            }
        }
        return depth == 0
    }

    /// The sentence that leads the verdict on a command whose reading was cut short.
    public static let couldNotFinishReason = "Escort could not finish reading this command; it is held until someone reads it."

    /// The verdict on a command Escort could not finish reading: its step budget
    /// (``ParserLimits/maxSteps``) was spent, or a caller's deadline passed first. High risk, so
    /// the gateway holds it (fail closed). A caller that runs ``analyse(_:dialect:targetFiles:)``
    /// under a deadline answers with this when the deadline passes.
    public static func couldNotFinish(_ source: String) -> Analysis {
        couldNotFinish(source, partial: Report(), catalogue: nil)
    }

    /// The same, keeping what was found before the budget ran out (never less than high).
    static func couldNotFinish(_ source: String, partial: Report, catalogue: Catalogue?) -> Analysis {
        var report = partial.nested()
        report.add(.high, nil, couldNotFinishReason, SourceRange(0, source.utf8.count))
        report.explain("Escort could not finish reading this command: it takes more steps to follow than any real command does, so it is held.")
        report.merge(partial, at: nil)
        return report.analysis(status: .tooComplex, catalogue: catalogue, diagnostic: "the analysis step budget was spent")
    }

    /// The verdict when the analyser itself cannot run (for example, its catalogue is missing).
    public static func failClosed(_ source: String, reason: String) -> Analysis {
        Analysis(
            status: .tooComplex, risk: .critical, techniques: [], tactics: [],
            summary: "Critical: the analyser could not run (\(reason)); the command is held.",
            findings: [Finding(risk: .critical, reason: "The analyser could not run: \(reason).",
                               range: SourceRange(0, source.utf8.count))],
            explanation: ["Escort could not analyse this command, so it treats it as dangerous."],
            diagnostic: reason)
    }
}
