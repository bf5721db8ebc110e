import Foundation

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
            var nested = report.nested()
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
            if let flag = chromiumLaunchers.first(where: { t.hasPrefix($0) }) {
                report.add(.high, "T1218", "Tells `\(name)` to start another program (`\(flag)`): Chromium-based programs (Edge WebView, Teams, VS Code) run it as their own helper, a known way to run code under a trusted name.", a.range)
                continue
            }
            if let stream = alternateDataStream(t) {
                report.add(.high, "T1564.004", "Uses the hidden alternate data stream `\(stream)` of a file: data or code kept there does not show in folder listings.", a.range)
            }
            if !roles.contains("interpreter"), !roles.contains("shell"), let file = stagedCode(t) {
                report.add(.high, "T1218", "Hands `\(file)`, a program, library or script in \(StagingFolder.reason), to `\(name)`: trusted programs are used this way to run code that application control would stop.", a.range)
            }
            if t.hasPrefix("script:"), t.contains("http://") || t.contains("https://") || t.hasPrefix("script:\\\\") {
                report.add(.high, "T1216.001", "Hands `\(name)` a `script:` moniker pointing at a remote script: signed Windows scripts such as pubprn.vbs fetch and run it, a known way to run code past application control.", a.range)
                continue
            }
            if t.contains("javascript:") || t.contains("vbscript:") {
                report.add(.critical, "T1218", "Runs script code through the trusted program `\(name)` (`javascript:`/`vbscript:`), a known way to slip past application controls.", a.range)
                continue
            }
            if let share = adminShare(t) {
                report.add(.high, "T1021.002", "Reaches into `\(share)`, a hidden administrative share of another computer that gives full access to its disk or its Windows folder: the usual way to move from machine to machine.", a.range)
                continue
            }
            let remote = t.contains("http://") || t.contains("https://") || t.contains("ftp://")
                || (t.hasPrefix("\\\\") && !t.hasPrefix("\\\\?\\") && !t.hasPrefix("\\\\.\\"))
            if remote, !roles.contains("downloader"), !roles.contains("interpreter") {
                report.add(.high, "T1105", "Hands a remote address to `\(name)`, which is not a download tool: a known way to fetch files or load code with a trusted Windows program.", a.range)
            }
        }
    }

    /// The administrative share an argument names (`\\host\C$`, `\\10.0.0.5\ADMIN$\x.exe`,
    /// `-Root:\\host\c$`), if any: a drive letter or `ADMIN$` shared by Windows for
    /// administrators only. (`IPC$` carries no files and is left alone.)
    static func adminShare(_ arg: String) -> String? {
        var t = arg.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        if let start = t.range(of: "\\\\") { t = String(t[start.lowerBound...]) } else { return nil }
        let parts = t.dropFirst(2).split(separator: "\\", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[0].isEmpty, parts[0] != "?", parts[0] != "." else { return nil }
        let share = parts[1].lowercased()
        let isDrive = share.count == 2 && share.hasSuffix("$") && share.first!.isLetter
        guard isDrive || share == "admin$" else { return nil }
        return "\\\\" + parts[0] + "\\" + parts[1]
    }

    /// Chromium and Electron switches that name a program to start instead of the real helper.
    static let chromiumLaunchers = ["--gpu-launcher", "--renderer-cmd-prefix", "--utility-cmd-prefix", "--browser-subprocess-path", "--plugin-launcher", "--ppapi-plugin-launcher"]

    /// Extensions of files Windows runs or loads as code.
    static let codeExtensions: Set<String> = ["exe", "dll", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "sct", "msi", "cpl", "scr", "com", "inf", "xsl", "cs", "vb", "csx", "fsscript", "ocx", "sys", "lnk"]

    /// The code file in a staging folder that an argument names (`C:\Users\Public\x.dll`,
    /// `-LoadDLL:%TEMP%\x.dll`, `/launch:C:\Windows\Temp\x.exe`), if any.
    static func stagedCode(_ arg: String) -> String? {
        var t = arg.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        // An option's value: `-exec=…`, `/launch:…`, `--browser-subprocess-path=…`.
        if let eq = t.firstIndex(of: "="), t.hasPrefix("-") || t.hasPrefix("/") { t = String(t[t.index(after: eq)...]) }
        if t.hasPrefix("/") || t.hasPrefix("-"), let colon = t.firstIndex(of: ":"), t.distance(from: t.startIndex, to: colon) > 1 {
            t = String(t[t.index(after: colon)...])
        }
        guard StagingFolder.contains(t), let dot = t.lastIndex(of: ".") else { return nil }
        let ext = t[t.index(after: dot)...].prefix { $0.isLetter || $0.isNumber }
        return codeExtensions.contains(String(ext)) ? t : nil
    }

    /// `file.txt:stream` (an NTFS alternate data stream), as opposed to the drive's colon or a
    /// URL; returns the stream's name.
    static func alternateDataStream(_ arg: String) -> String? {
        var t = arg.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        if t.contains("://") { return nil }
        if t.count > 2, Array(t)[1] == ":" { t = String(t.dropFirst(2)) }  // C:
        else if t.hasPrefix("/") || t.hasPrefix("-") { return nil }  // an option: /flag:value
        guard let colon = t.lastIndex(of: ":") else { return nil }
        let file = t[..<colon], stream = t[t.index(after: colon)...]
        guard file.contains("\\"), file.last != "\\", !stream.isEmpty,
            stream.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" || $0 == "$" }),
            stream.contains(where: \.isLetter)
        else { return nil }
        return String(t.split(separator: "\\").last ?? Substring(t))
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
