import Foundation

/// Shells and interpreters started by a command, and scripts run from files.
extension ShellReader {
    mutating func runShell(_ name: String, args: [Argument], stdin: Stream, range: SourceRange, via: String?, member: inout PipelineMember) -> Stream {
        let valueOptions: Set<String> = ["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]
        var i = 0
        var command: Argument? = nil
        var interactive = false
        var readsStdin = false
        var privileged = false
        while i < args.count, let t = args[i].text, t.hasPrefix("-") || t.hasPrefix("+") {
            if t == "--" || t == "-" { i += 1; break }
            if valueOptions.contains(t) { i += 2; continue }
            if t.hasPrefix("-"), !t.hasPrefix("--"), t.contains("p") { privileged = true }
            if !t.hasPrefix("--"), t.contains("c") {
                if i + 1 < args.count { command = args[i + 1] }
                i += 2
                if t.contains("i") { interactive = true }
                break
            }
            if t == "--login" || t == "--norc" || t == "--noprofile" || t == "--posix" { i += 1; continue }
            if !t.hasPrefix("--"), t.contains("i") { interactive = true }
            if !t.hasPrefix("--"), t.contains("s") { readsStdin = true }
            i += 1
        }
        explain("`\(name)` is a shell: it runs shell commands.")
        if privileged {
            // `-p`: a shell started from a set-user-ID program keeps its owner's rights (usually
            // root) instead of dropping them; the GTFOBins way to turn such a program into a root shell.
            add(.high, "T1548.001", "Starts `\(name)` in privileged mode (`-p`), which keeps the rights of a set-user-ID program that started it instead of dropping them.", range)
        }
        if let command {
            nestedString(command, range: range, via: "\(name) -c")
            return .dynamic([])
        }
        if !readsStdin, i < args.count {
            guard let path = args[i].text else {
                add(.high, "T1059.004", "Runs a script whose name is only known at run time.", range)
                return .dynamic([])
            }
            runFile(path, language: .shell, range: range, directly: false)
            return .dynamic([])
        }
        if case .none = stdin {
            member.interactiveShell = true
            if let via {
                add(.high, techniques: Self.shellThrough(via), "Starts an interactive shell through `\(via)`: a known way to escape restrictions, and what is typed into it is not read command by command.", range)
            } else {
                add(.medium, "T1059.004", "Starts a new shell; what is typed into it is read separately.", range)
                report.opensPrompt = true
            }
            return .dynamic([])
        }
        member.runsStdin = true
        runCode(stdin, language: .shell, range: range, what: "its input")
        if interactive { member.interactiveShell = true }
        return .dynamic([])
    }

    /// Runs code arriving on standard input or from a file, according to what is known of it.
    mutating func runCode(_ stream: Stream, language: Interpreter.Language, range: SourceRange, what: String) {
        let lang = language == .shell ? "shell" : language.rawValue
        switch stream {
        case .text(let code, let taint, _):
            if taint.contains(.network) {
                add(.critical, "T1105", "Downloads code and runs it at once as \(lang): nobody sees it before it runs.", range)
                add(.critical, language == .shell ? "T1059.004" : language.technique, "Downloads code and runs it at once as \(lang): nobody sees it before it runs.", range)
            }
            if taint.contains(.decoded) {
                add(.critical, "T1140", "Decodes a hidden payload and runs it as \(lang).", range)
                add(.high, "T1027", "Decodes a hidden payload and runs it as \(lang).", range)
            }
            explain("It runs, as \(lang), \(what): `\(Self.excerpt(code, limit: 120))`.")
            if language == .shell {
                readNested(code, range: range, hidden: taint.contains(.decoded))
            } else {
                scanCode(code, language: language, range: range, hidden: taint.contains(.decoded))
            }
        case .dynamic(let taint):
            if taint.contains(.network) {
                add(.critical, "T1105", "Downloads code and runs it at once as \(lang): nobody sees it before it runs.", range)
                add(.critical, language == .shell ? "T1059.004" : language.technique, "Downloads code and runs it at once as \(lang): nobody sees it before it runs.", range)
            } else if taint.contains(.decoded) {
                add(.critical, "T1140", "Decodes a hidden payload and runs it as \(lang).", range)
            } else {
                add(.high, language == .shell ? "T1059.004" : language.technique, "Runs, as \(lang), \(what), which is produced when the command runs; Escort cannot see it.", range)
            }
        case .none:
            break
        }
    }

    mutating func runInterpreter(_ language: Interpreter.Language, name: String, entry: ProgramEntry, args: [Argument], stdin: Stream, range: SourceRange, via: String?, member: inout PipelineMember) -> Stream {
        let codeFlags = language.codeFlags
        // `perl -pi -e CODE FILE…`, `ruby -i`: the files are edited in place, so they are written.
        if name == "perl" || name == "ruby", args.contains(where: { ($0.text ?? "").range(of: #"^-[a-zA-Z]*i"#, options: .regularExpression) != nil }) {
            for a in args {
                guard let t = a.text, t.hasPrefix("/") || t.hasPrefix("~") || t.hasPrefix("./") else { continue }
                evaluator.checkPath(t, writing: true, range: at(a.range), verb: "changes", into: &report)
            }
        }
        var i = 0
        var code: Argument? = nil
        var own: [Argument] = []
        var usesModule = false
        while i < args.count, let t = args[i].text {
            if language == .awk {
                if t == "-f", i + 1 < args.count {
                    if let p = args[i + 1].text { runFile(p, language: .awk, range: range, directly: false) }
                    return .dynamic([])
                }
                if t == "-v" || t == "-F" { i += 2; continue }
                if t.hasPrefix("-") { i += 1; continue }
                code = args[i]
                break
            }
            if codeFlags.contains(t) || (t.count > 2 && codeFlags.contains(String(t.prefix(2))) && !t.hasPrefix("--")) {
                if codeFlags.contains(t) {
                    if i + 1 < args.count { code = args[i + 1] }
                } else {
                    code = Argument(text: String(t.dropFirst(2)), range: args[i].range, taint: args[i].taint)
                }
                break
            }
            if t == "-m" { usesModule = true }
            if !t.hasPrefix("-") { break }
            own.append(args[i])
            i += 1
        }
        if language == .awk, code == nil, let a = args.first(where: { !($0.text ?? "-").hasPrefix("-") }) { code = a }
        let outcome = evaluator.evaluate(entry: entry, name: name, args: code == nil ? args : own, commandRange: at(range), windows: false, into: &report)
        _ = outcome
        if let code {
            guard let text = code.text else {
                nestedCodeUnknown(code.taint, language: language, range: range)
                return .dynamic([])
            }
            explain("It runs this \(language.rawValue) code: `\(Self.excerpt(text, limit: 120))`.")
            scanCode(text, language: language, range: range, hidden: code.taint.contains(.decoded), via: via)
            return .dynamic([])
        }
        if usesModule { return .dynamic([]) }
        if i < args.count, let path = args[i].text, path != "-" {
            runFile(path, language: language, range: range, directly: false)
            return .dynamic([])
        }
        if case .none = stdin {
            member.interactiveShell = via != nil
            if let via {
                add(.high, language.technique, "Starts an interactive \(language.rawValue) prompt through `\(via)`: what is typed into it is not read command by command.", range)
            } else {
                add(.medium, language.technique, "Starts an interactive \(language.rawValue) prompt: what is typed into it is read separately.", range)
                report.opensPrompt = true
            }
            return .dynamic([])
        }
        member.runsStdin = true
        runCode(stdin, language: language, range: range, what: "its input")
        return .dynamic([])
    }

    mutating func nestedCodeUnknown(_ taint: Taint, language: Interpreter.Language, range: SourceRange) {
        if taint.contains(.network) {
            add(.critical, "T1105", "Runs \(language.rawValue) code downloaded from the internet.", range)
        } else if taint.contains(.decoded) {
            add(.critical, "T1140", "Decodes hidden \(language.rawValue) code and runs it.", range)
        } else {
            add(.high, language.technique, "Runs \(language.rawValue) code that is only put together when it runs.", range)
        }
    }

    /// Reads interpreter code for sockets, process execution, downloads and decoding.
    mutating func scanCode(_ code: String, language: Interpreter.Language, range: SourceRange, hidden: Bool, via: String? = nil) {
        let scan = Interpreter.scan(code, language: language)
        for f in scan.findings {
            add(f.risk, f.technique, f.reason, range)
        }
        for line in scan.explanation { explain(line) }
        for file in scan.writtenFiles {
            explain("The \(language.rawValue) code writes to `\(file)`.")
            evaluator.checkPath(file, writing: true, range: at(range), verb: "changes", into: &report)
        }
        let shells: Set<String> = ["sh", "/bin/sh", "bash", "/bin/bash", "/bin/dash", "dash", "/bin/zsh", "zsh"]
        for command in scan.shellCommands {
            let words = command.split(separator: " ")
            if words.isEmpty { continue }
            if words.count <= 2, shells.contains(String(words[0])) {
                add(.high, "T1059.004", "Starts a shell from \(language.rawValue) code (through `\(via ?? language.rawValue)`): a known way to escape restrictions.", range)
                continue
            }
            explain("The \(language.rawValue) code runs the shell command `\(Self.excerpt(command, limit: 100))`.")
            readNested(command, range: range, hidden: hidden)
        }
    }

    /// Extensions of files that hold data (pictures, documents, media, archives), never commands.
    static let dataExtensions: Set<String> = [
        "png", "jpg", "jpeg", "gif", "bmp", "ico", "svg", "webp", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
        "odt", "ods", "rtf", "mp3", "mp4", "wav", "avi", "mov", "mkv", "zip", "rar", "7z", "iso",
    ]
    static let scriptExtensions: Set<String> = ["sh", "bash", "zsh", "py", "pl", "rb", "php", "js", "command", "app", "exe", "bat", "cmd", "ps1", "vbs", "scr"]

    /// A script run although its name says it holds data: `sh image.png` (a script named like a
    /// picture) or `./report.pdf.sh` (a double extension that shows only `.pdf` where extensions
    /// are hidden). Both are ways to make a program look like a harmless file.
    mutating func checkDisguisedScript(_ path: String, range: SourceRange) {
        let parts = Self.basename(path).lowercased().split(separator: ".").map(String.init)
        guard parts.count >= 2, let last = parts.last else { return }
        if Self.dataExtensions.contains(last) {
            add(.high, "T1036.008", "Runs `\(path)` as commands although its name says it is a .\(last) file: a program dressed up as a harmless file.", range)
        } else if parts.count >= 3, Self.scriptExtensions.contains(last), Self.dataExtensions.contains(parts[parts.count - 2]) {
            add(.high, "T1036.007", "Runs `\(path)`, whose double extension makes a script look like a .\(parts[parts.count - 2]) file where extensions are hidden.", range)
        }
    }

    /// Runs a script file: one written earlier in the input is read; a downloaded one is critical;
    /// an unseen one is medium (the gateway fetches it from the target before deciding).
    mutating func runFile(_ path: String, language: Interpreter.Language, range: SourceRange, directly: Bool) {
        checkDisguisedScript(path, range: range)
        let key = PathPattern.normalise(path)
        let stream = files[key] ?? files.first(where: { Self.basename($0.key) == Self.basename(key) })?.value
        switch stream {
        case .some(.text(let code, let taint, _)):
            explain("It runs `\(path)`, which this input wrote just before.")
            if taint.contains(.network) {
                add(.critical, "T1105", "Runs `\(path)`, a file just downloaded from the internet: nobody has seen what it does.", range)
            }
            runCode(.text(code, taint.subtracting(.network), range), language: language, range: range, what: "the contents of `\(path)`")
        case .some(.dynamic(let taint)):
            if taint.contains(.network) {
                add(.critical, "T1105", "Runs `\(path)`, a file just downloaded from the internet: nobody has seen what it does.", range)
                add(.critical, language == .shell ? "T1059.004" : language.technique, "Runs `\(path)`, a file just downloaded from the internet: nobody has seen what it does.", range)
            } else {
                add(.high, language == .shell ? "T1059.004" : language.technique, "Runs `\(path)`, which this input wrote from content Escort cannot see.", range)
            }
        default:
            if path.hasPrefix("/dev/fd/") || path == "/dev/stdin" {
                add(.high, "T1059.004", "Runs commands from a stream Escort cannot see.", range)
                return
            }
            if let code = targetFiles[key] {
                explain("It runs `\(path)`; Escort read that file from the target and judged what it contains.")
                runCode(.text(code, [], range), language: language, range: range, what: "the contents of `\(path)`")
                return
            }
            report.unseenScript(path)
            add(.medium, language == .shell ? "T1059.004" : language.technique, "Runs the script `\(path)`; its contents are not in this command, so they must be read before it runs.", range)
            explain("It runs the script `\(path)`. Escort cannot see its contents here: the gateway reads scripts from the target before deciding.")
        }
    }

    /// The techniques of a shell started through `via`: one entered through a new root or
    /// another process's namespaces (`chroot`, `unshare -r`, `nsenter`) is also the way out of a
    /// container or jail onto more rights (privilege escalation, T1611), not only execution.
    static func shellThrough(_ via: String) -> [String] {
        let name = basename(via.split(separator: " ").first.map(String.init) ?? via)
        let changesRoot = ["chroot", "unshare", "nsenter", "systemd-nspawn", "lxc-attach", "pivot_root", "capsh", "setpriv"].contains(name)
        return changesRoot ? ["T1059.004", "T1611"] : ["T1059.004"]
    }
}
