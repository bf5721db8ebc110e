/// Runs one resolved Windows command (program or cmdlet, with its arguments) through the
/// cross-cutting rules and the catalogue. Shared by the cmd and PowerShell readers.
struct WindowsCommandRunner: Sendable {
    let catalogue: Catalogue

    /// cmd.exe built-ins that the catalogue may not list, with what they do and their risk.
    static let builtins: [String: (String, RiskLevel)] = [
        "dir": ("lists the files in a folder", .none),
        "type": ("shows the contents of a file", .none),
        "cd": ("changes the current folder", .none),
        "chdir": ("changes the current folder", .none),
        "pushd": ("changes the current folder", .none),
        "popd": ("returns to the previous folder", .none),
        "ver": ("shows the Windows version", .none),
        "vol": ("shows the disk's label", .none),
        "path": ("shows or changes the program search path for this prompt", .low),
        "copy": ("copies files", .medium),
        "xcopy": ("copies files and folders", .medium),
        "move": ("moves or renames files", .medium),
        "ren": ("renames files", .medium),
        "rename": ("renames files", .medium),
        "del": ("deletes files", .medium),
        "erase": ("deletes files", .medium),
        "rd": ("removes folders", .medium),
        "rmdir": ("removes folders", .medium),
        "md": ("creates a folder", .low),
        "mkdir": ("creates a folder", .low),
        "mklink": ("creates a file or folder link", .medium),
        "assoc": ("shows or changes which program opens a file type", .none),
        "ftype": ("shows or changes the command that opens a file type", .none),
        "find": ("searches text for a string", .none),
        "findstr": ("searches text for a string", .none),
        "more": ("shows text a page at a time", .none),
        "sort": ("sorts text", .none),
        "date": ("shows the date", .none),
        "time": ("shows the time", .none),
    ]

    /// Reports what `name args` does. Returns the status of any nested reading.
    @discardableResult
    func run(
        name: String, args: [Argument], range: SourceRange, depth: Int, stdin: String?, into report: inout Report
    ) -> ReaderStatus {
        let key = Catalogue.windowsKey(name)
        if StagingFolder.contains(name) {
            // Whatever it is named: a copy of a trusted program runs as well from there.
            report.add(.high, "T1204.002", "Runs `\(name)` from \(StagingFolder.reason).", range)
        }
        PowerShellRules.checkCommand(key, args: args, range: range, into: &report)
        switch key {
        case "powershell", "pwsh", "powershell_ise":
            return PowerShellHost(catalogue: catalogue).run(name: name, args: args, range: range, depth: depth, stdin: stdin, into: &report)
        case "cmd":
            let line = "cmd " + args.map { Self.requote($0.text ?? "") }.joined(separator: " ")
            var nested = Report()
            let status = CmdReader(catalogue: catalogue).read(line, origin: 0, depth: depth, into: &nested)
            report.merge(nested, at: range)
            return status
        default:
            break
        }
        Self.checkLivingOffTheLand(name: Self.displayName(name), entry: catalogue.windowsProgram(name), args: args, range: range, into: &report)
        if let entry = catalogue.windowsProgram(name) {
            _ = ProgramEvaluator(catalogue: catalogue).evaluate(
                entry: entry, name: Self.displayName(name), args: args, commandRange: range, windows: true, into: &report)
        } else if let (what, risk) = Self.builtins[key] {
            report.explain(ProgramEvaluator.sentence("`\(Self.displayName(name))` \(what)"))
            if risk > .none { report.add(risk, nil, ProgramEvaluator.sentence("`\(Self.displayName(name))` \(what)"), range) }
            let evaluator = ProgramEvaluator(catalogue: catalogue)
            for a in args {
                guard let t = a.text, !t.hasPrefix("/"), ProgramEvaluator.looksLikePath(t) else { continue }
                evaluator.checkPath(t, writing: risk >= .medium, range: a.range, verb: risk >= .medium ? "changes" : "reads", into: &report)
            }
        } else {
            let shown = Self.displayName(name)
            report.add(.medium, nil, "Escort does not know the program `\(shown)`: treat it as a change.", range)
            report.explain("`\(shown)` is a program Escort does not know; ask the engineer what it does.")
        }
        return .complete
    }

    /// Trusted Windows programs made to fetch or run something they were not meant to (LOLBAS):
    /// a remote address handed to a program that is not a downloader, or script code in a
    /// `javascript:`/`vbscript:` argument.
    static func checkLivingOffTheLand(name: String, entry: ProgramEntry?, args: [Argument], range: SourceRange, into report: inout Report) {
        let roles = Set(entry?.roles ?? [])
        for a in args {
            guard let t = a.text?.lowercased() else { continue }
            if t.contains("javascript:") || t.contains("vbscript:") {
                report.add(.critical, "T1218", "Runs script code through the trusted program `\(name)` (`javascript:`/`vbscript:`), a known way to slip past application controls.", a.range)
                continue
            }
            let remote = t.contains("http://") || t.contains("https://") || t.contains("ftp://")
                || (t.hasPrefix("\\\\") && !t.hasPrefix("\\\\?\\") && !t.hasPrefix("\\\\.\\"))
            if remote, !roles.contains("downloader"), !roles.contains("interpreter") {
                report.add(.high, "T1105", "Hands a remote address to `\(name)`, which is not a download tool: a known way to fetch files or load code with a trusted Windows program.", a.range)
            }
        }
    }

    static func displayName(_ name: String) -> String {
        var n = name
        if let slash = n.lastIndex(where: { $0 == "\\" || $0 == "/" }) { n = String(n[n.index(after: slash)...]) }
        return n.isEmpty ? name : n
    }

    static func requote(_ s: String) -> String {
        s.contains(" ") || s.isEmpty ? "\"" + s + "\"" : s
    }
}
