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
    public func analyse(_ source: String, dialect: ShellDialect = .sh, targetFiles: [String: String] = [:]) -> Analysis {
        var report = Report()
        let status: ReaderStatus
        switch dialect {
        case .sh, .bash:
            var reader = ShellReader(catalogue: catalogue, limits: limits)
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
        // Text that reads as something else is never below medium, whatever it does.
        let disguise = DisguisedText(source)
        if let first = disguise.marks.first {
            for warning in disguise.warnings { report.add(.medium, "T1036", warning, first.range) }
        }
        switch status {
        case .complete:
            return report.analysis(status: .complete, catalogue: catalogue)
        case .incomplete(let why):
            report.add(.high, nil, "The command is unfinished (\(why)); nothing runs until it is complete.", whole)
            return report.analysis(status: .incomplete, catalogue: catalogue, diagnostic: why)
        case .syntaxError(let why):
            report.add(.high, nil, "The command is not valid \(dialect.rawValue) syntax (\(why)); Escort cannot vouch for how the target will read it.", whole)
            return report.analysis(status: .syntaxError, catalogue: catalogue, diagnostic: why)
        case .tooComplex(let why):
            report.add(.high, "T1027", "The command is too complex to analyse (\(why)); it is held as if it were dangerous.", whole)
            return report.analysis(status: .tooComplex, catalogue: catalogue, diagnostic: why)
        }
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
