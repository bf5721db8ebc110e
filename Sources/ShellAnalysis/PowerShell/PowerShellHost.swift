import Foundation

/// The command line of `powershell.exe` / `pwsh`: `-EncodedCommand`, `-Command`, `-File` and the
/// switches that hide a window or lift the script policy.
struct PowerShellHost: Sendable {
    let catalogue: Catalogue

    static let parameters = [
        "command", "encodedcommand", "encodedarguments", "executionpolicy", "file", "noprofile", "noninteractive",
        "nologo", "noexit", "windowstyle", "inputformat", "outputformat", "version", "sta", "mta",
        "configurationname", "psconsolefile", "workingdirectory", "help",
    ]

    /// The parameter `-text` or `/text` stands for: any unambiguous prefix, plus the abbreviations
    /// PowerShell itself accepts (`-e`, `-ec`, `-ep`, `-c`).
    static func parameter(_ text: String) -> String? {
        guard text.count > 1, text.hasPrefix("-") || text.hasPrefix("/") else { return nil }
        var name = text.lowercased().drop(while: { $0 == "-" || $0 == "/" })
        if let colon = name.firstIndex(of: ":") { name = name[..<colon] }
        let n = String(name)
        switch n {
        case "e", "ec", "en", "enc", "enco": return "encodedcommand"
        case "ep", "ex", "exe", "exec": return "executionpolicy"
        case "c": return "command"
        case "f": return "file"
        case "w": return "windowstyle"
        case "nop": return "noprofile"
        case "noni": return "noninteractive"
        case "nol": return "nologo"
        case "noe": return "noexit"
        default: break
        }
        let hits = parameters.filter { $0.hasPrefix(n) }
        if hits.count == 1 { return hits[0] }
        if hits.contains(n) { return n }
        if n.hasPrefix("encodedc") { return "encodedcommand" }
        return nil
    }

    func run(name: String, args: [Argument], range: SourceRange, depth: Int, stdin: String?, into report: inout Report) -> ReaderStatus {
        let shown = WindowsCommandRunner.displayName(name)
        report.explain("`\(shown)` starts Windows PowerShell to run the commands that follow.")
        var hidden = false
        var bypass = false
        var status = ReaderStatus.complete
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            let text = arg.text ?? ""
            if text == "-" {
                // `powershell -` reads its commands from standard input.
                status = runStdin(stdin, range: arg.range, depth: depth, into: &report)
                break
            }
            guard let p = Self.parameter(text) else {
                // The first plain argument starts the command (Windows PowerShell reads it as -Command).
                let rest = Array(args[(i - 1)...])
                status = runCommand(rest, depth: depth, into: &report)
                break
            }
            var inline: Argument? = nil
            if let colon = text.firstIndex(of: ":"), text.first == "-" || text.first == "/" {
                inline = Argument(text: String(text[text.index(after: colon)...]), range: arg.range)
            }
            func value() -> Argument? {
                if let inline { return inline }
                guard i < args.count else { return nil }
                i += 1
                return args[i - 1]
            }
            switch p {
            case "encodedcommand":
                guard let v = value() else { break }
                status = runEncoded(v, flag: arg, depth: depth, into: &report)
            case "command":
                let rest = inline.map { [$0] + args[i...] } ?? Array(args[i...])
                i = args.count
                if rest.first?.text == "-" {
                    status = runStdin(stdin, range: arg.range, depth: depth, into: &report)
                } else {
                    status = runCommand(rest, depth: depth, into: &report)
                }
            case "file":
                guard let v = value() else { break }
                let file = v.text ?? "?"
                if file == "-" {
                    status = runStdin(stdin, range: arg.range, depth: depth, into: &report)
                } else {
                    report.explain("`-File \(file)` runs the PowerShell script in that file; Escort cannot see what it contains.")
                    report.add(.medium, "T1059.001", "Runs the script `\(file)`, whose contents Escort cannot see: treat it as a change.", arg.range.union(v.range))
                }
                i = args.count
            case "windowstyle":
                let v = (value()?.text ?? "").lowercased()
                if !v.isEmpty, "hidden".hasPrefix(v) || v == "1" {
                    hidden = true
                    report.explain("`\(text) \(v)` hides the PowerShell window, so a person at the machine would not see it.")
                    report.add(.medium, "T1564.003", "PowerShell runs with its window hidden.", arg.range)
                }
            case "executionpolicy":
                let v = (value()?.text ?? "").lowercased()
                if v.hasPrefix("b") || v.hasPrefix("un") {
                    bypass = true
                    report.explain("`\(text) \(v)` lifts the rule that blocks unsigned scripts.")
                    report.add(.medium, "T1059.001", "PowerShell runs with the script-signing policy switched off.", arg.range)
                }
            case "noprofile":
                report.explain("`\(text)` skips the user's PowerShell profile (often used so nothing interferes).")
            case "noninteractive":
                report.explain("`\(text)` runs without asking the user anything.")
            case "noexit":
                report.explain("`\(text)` keeps PowerShell open after the command.")
            case "version", "inputformat", "outputformat", "configurationname", "psconsolefile", "workingdirectory", "encodedarguments":
                _ = value()
            default:
                break
            }
        }
        if hidden && bypass {
            report.add(.high, "T1564.003", "PowerShell runs hidden with the script policy bypassed: a classic sign of malicious use.", range)
        }
        if stdin != nil, args.isEmpty {
            status = runStdin(stdin, range: range, depth: depth, into: &report)
        }
        return status
    }

    private func runCommand(_ args: [Argument], depth: Int, into report: inout Report) -> ReaderStatus {
        guard let first = args.first else { return .complete }
        let text = args.map { $0.text ?? "" }.joined(separator: " ")
        let range = args.dropFirst().reduce(first.range) { $0.union($1.range) }
        return nested(text, range: range, depth: depth, into: &report)
    }

    private func runStdin(_ stdin: String?, range: SourceRange, depth: Int, into report: inout Report) -> ReaderStatus {
        guard let stdin else {
            report.add(.high, "T1059.001", "PowerShell reads its commands from input Escort cannot see.", range)
            return .complete
        }
        return nested(stdin, range: range, depth: depth, into: &report)
    }

    private func runEncoded(_ v: Argument, flag: Argument, depth: Int, into report: inout Report) -> ReaderStatus {
        let range = flag.range.union(v.range)
        guard let decoded = Self.decodeUTF16Base64(v.text ?? "") else {
            report.add(.high, "T1027", "Runs a base64-encoded command that Escort cannot decode: treat it as hostile.", range)
            return .complete
        }
        report.explain("`-EncodedCommand` hides the command in base64; it decodes to \(quoted(decoded)).")
        report.add(.high, "T1027", "Runs a command hidden in base64 (-EncodedCommand), so a reader cannot see it.", range)
        return nested(decoded, range: range, depth: depth, into: &report)
    }

    private func nested(_ text: String, range: SourceRange, depth: Int, into report: inout Report) -> ReaderStatus {
        var sub = report.nested()
        let status = PowerShellReader(catalogue: catalogue).read(text, origin: 0, depth: depth + 1, into: &sub)
        report.merge(sub, at: range)
        if case .tooComplex = status { return status }
        return .complete
    }

    /// Base64 of UTF-16LE text, as `-EncodedCommand` takes it.
    static func decodeUTF16Base64(_ s: String) -> String? {
        guard let data = base64(s), data.count >= 2 else { return nil }
        return String(data: data, encoding: .utf16LittleEndian)
    }

    /// Decodes base64 leniently: blanks removed, padding added.
    static func base64(_ s: String) -> Data? {
        var t = s.filter { !$0.isWhitespace }
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t)
    }
}

extension PowerShellHost {
    /// A Windows command line split into arguments the way most programs split theirs: at blanks,
    /// with double quotes grouping (`/c "dir C:\"` → `/c`, `dir C:\`).
    static func splitCommandLine(_ line: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var started = false
        for c in line {
            if c == "\"" {
                quoted.toggle()
                started = true
            } else if (c == " " || c == "\t") && !quoted {
                if started { out.append(current) }
                current = ""
                started = false
            } else {
                current.append(c)
                started = true
            }
        }
        if started { out.append(current) }
        return out
    }
}
