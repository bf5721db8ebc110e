/// Commands: their names (however disguised), their arguments, and the cmdlets whose meaning
/// the reader needs beyond the catalogue (`Invoke-Expression`, `New-Object`, `Set-Alias`…).
extension PSInterpreter {
    /// Built-in aliases the reader relies on even when the catalogue does not list them.
    static let builtinAliases: [String: String] = [
        "iex": "invoke-expression", "iwr": "invoke-webrequest", "irm": "invoke-restmethod", "curl": "invoke-webrequest",
        "wget": "invoke-webrequest", "icm": "invoke-command", "sal": "set-alias", "nal": "new-alias",
        "gc": "get-content", "cat": "get-content", "type": "get-content", "saps": "start-process", "start": "start-process",
        "sp": "set-itemproperty", "gwmi": "get-wmiobject", "%": "foreach-object", "foreach": "foreach-object",
        "?": "where-object", "where": "where-object", "echo": "write-output", "write": "write-output",
        "iwmi": "invoke-wmimethod", "ni": "new-item", "sc": "set-content",
    ]

    /// Cmdlets the reader interprets itself.
    static let interpreted: Set<String> = [
        "invoke-expression", "set-alias", "new-alias", "new-object", "foreach-object", "where-object", "write-output",
        "start-process", "invoke-command", "get-content", "invoke-webrequest", "invoke-restmethod", "start-bitstransfer",
    ]

    /// Whether a typed name mixes case the way obfuscators do (`InVoKe-ExPrEsSiOn`, `iEx`).
    static func mixedCase(_ name: String) -> Bool {
        for seg in name.split(separator: "-") {
            let letters = seg.filter(\.isLetter)
            guard letters.count >= 3 else { continue }
            var changes = 0
            var prev: Bool? = nil
            for c in letters {
                let up = c.isUppercase
                if let prev, prev != up { changes += 1 }
                prev = up
            }
            if Double(changes) / Double(letters.count - 1) >= 0.6 { return true }
        }
        return false
    }

    mutating func command(input: PSValue?) -> PSValue {
        let start = tok.range
        var name = ""
        var nameRange = tok.range
        var disguise: String? = nil
        if tok.kind == .word {
            name = tok.text
            if tok.escaped { disguise = "backticks inside the name" } else if Self.mixedCase(name) { disguise = "mixed upper and lower case" }
            advance()
        } else {
            let how = tok.text
            advance()
            let v = postfix()
            nameRange = start.union(v.range)
            if case .block = v.kind {
                _ = arguments()
                return .unknown(nameRange)
            }
            guard let s = v.string else {
                report.add(.high, "T1027", "Runs a command (`\(how)`) whose name is only known when it runs, so Escort cannot tell what it is.", nameRange)
                _ = arguments()
                return .unknown(nameRange)
            }
            name = s.trimmingCharacters(in: .whitespaces)
            if v.built || v.taint.contains(.decoded) { disguise = "a name built from pieces of text" }
        }
        let (args, values) = arguments()
        let range = args.reduce(start.union(nameRange)) { $0.union($1.range) }
        var key = Catalogue.windowsKey(name)
        if let target = aliases[key] {
            report.explain("`\(name)` is an alias set up earlier for `\(target)`.")
            report.add(.high, "T1027", "Runs `\(target)` under an alias (`\(name)`) made up in the same input to hide it.", nameRange)
            key = Catalogue.windowsKey(target)
            name = target
        }
        let entry = catalogue.windowsProgram(key)
        let canonical = Self.builtinAliases[key] ?? entry.map { Catalogue.windowsKey($0.name) } ?? key
        if let disguise {
            report.add(.high, "T1027", "The command name is disguised (\(disguise)); it is really `\(canonical)`.", nameRange)
        }
        commands.append(([canonical] + args.map { $0.text ?? "?" }).joined(separator: " "))
        if functions.contains(key) {
            report.explain("Runs the function `\(name)` defined above.")
            return .unknown(range)
        }
        if canonical == "remove-item", input != nil, Self.removesOnlyOldFiles(commands.dropLast().suffix(3)) {
            // `Get-ChildItem D:\App\Logs | Where-Object LastWriteTime -lt (Get-Date).AddDays(-14) | Remove-Item`.
            report.add(.low, nil, "Deletes the files older than a set age from a log, temporary or cache folder: routine clean-up.", range)
            report.explain("`Remove-Item` deletes the old files the pipeline picked.")
            return .nullValue
        }
        if entry != nil || !Self.interpreted.contains(canonical) {
            let status = WindowsCommandRunner(catalogue: catalogue).run(
                name: entry == nil && Self.builtinAliases[key] != nil ? canonical : name, args: args, range: range,
                depth: depth, stdin: input?.string, into: &report)
            if case .tooComplex = status { self.status = status }
        } else {
            PowerShellRules.checkCommand(canonical, args: args, range: range, into: &report)
        }
        return interpret(canonical, args: args, values: values, input: input, range: range)
    }

    /// Whether the commands before a piped `Remove-Item` pick old files from a log, temporary or
    /// cache folder: a `Get-ChildItem` of such a folder (never the event logs or an audit folder)
    /// and a `Where-Object` on a file time compared with `-lt`.
    static func removesOnlyOldFiles(_ before: ArraySlice<String>) -> Bool {
        let lowered = before.map { $0.lowercased() }
        let listed = lowered.contains { c in
            (c.hasPrefix("get-childitem ") || c.hasPrefix("gci ") || c.hasPrefix("dir ") || c.hasPrefix("ls "))
                && ["log", "temp", "tmp", "cache"].contains { c.contains($0) }
                && !["winevt", "security", "audit", "sysmon", "system32\\config"].contains { c.contains($0) }
        }
        let aged = lowered.contains { c in
            (c.hasPrefix("where-object") || c.hasPrefix("where ") || c.hasPrefix("? "))
                && ["lastwritetime", "creationtime", "lastaccesstime"].contains { c.contains($0) } && c.contains("-lt")
        }
        return listed && aged
    }

    /// The value of a named parameter (`-Name value`, any unambiguous prefix), or of the n-th positional argument.
    func parameter(_ names: [String], position: Int?, _ args: [Argument], _ values: [PSValue]) -> PSValue? {
        var positional: [PSValue] = []
        var k = 0
        while k < args.count {
            let t = (args[k].text ?? "").lowercased()
            if t.hasPrefix("-"), t.count > 1, values[k].string == args[k].text, !t.dropFirst().first!.isNumber {
                let n = String(t.dropFirst()).split(separator: ":", maxSplits: 1)
                if names.contains(where: { $0.hasPrefix(String(n[0])) }) {
                    if n.count == 2 { return PSValue(kind: .string(String(n[1])), range: args[k].range) }
                    return k + 1 < values.count ? values[k + 1] : nil
                }
                k += 2
                continue
            }
            positional.append(values[k])
            k += 1
        }
        if let position, position < positional.count { return positional[position] }
        return nil
    }

    mutating func interpret(_ canonical: String, args: [Argument], values: [PSValue], input: PSValue?, range: SourceRange) -> PSValue {
        switch canonical {
        case "invoke-expression":
            let payload = parameter(["command"], position: 0, args, values) ?? input ?? .unknown(range)
            execute(payload, range: range, how: "Invoke-Expression")
            return .unknown(range, payload.taint.union(.dynamic))
        case "set-alias", "new-alias":
            if let n = parameter(["name"], position: 0, args, values)?.string, let v = parameter(["value"], position: 1, args, values)?.string {
                aliases[Catalogue.windowsKey(n)] = v
                report.explain("Makes `\(n)` another name for `\(v)`.")
                let target = Self.builtinAliases[Catalogue.windowsKey(v)] ?? Catalogue.windowsKey(v)
                if target == "invoke-expression" {
                    report.add(.high, "T1027", "Gives Invoke-Expression another name (`\(n)`) to hide that code is being run from text.", range)
                }
            }
            return .nullValue
        case "new-object":
            if let com = parameter(["comobject"], position: nil, args, values)?.string {
                report.explain("Creates the COM object `\(com)`.")
                return PSValue(kind: .object("com:" + com.lowercased()), range: range)
            }
            guard let type = parameter(["typename"], position: 0, args, values)?.string else { return .unknown(range) }
            let t = Self.typeName(type)
            if t == "net.webclient" { report.explain("Creates a web client, used to download or upload data.") }
            return PSValue(kind: .object(t), range: range)
        case "invoke-webrequest", "invoke-restmethod", "start-bitstransfer":
            let url = parameter(["uri", "source"], position: 0, args, values)?.string
            if let url {
                report.explain("Contacts \(quoted(url)) over the network.")
            }
            if let body = parameter(["body", "infile"], position: nil, args, values) {
                if let file = parameter(["infile"], position: nil, args, values)?.string, let s = ProgramEvaluator(catalogue: catalogue).secret(in: file) {
                    report.noteSecret(s)
                    sendsSecrets([body.tainted(.secret)], to: url, range: range)
                } else {
                    sendsSecrets([body], to: url, range: range)
                }
            }
            if let out = parameter(["outfile", "destination"], position: canonical == "start-bitstransfer" ? 1 : nil, args, values)?.string {
                report.explain("Saves what it downloads to the file `\(out)`.")
                report.add(.high, "T1105", "Downloads a file from the network onto this machine (`\(out)`).", range)
            }
            return .unknown(range, [.network, .dynamic])
        case "write-output":
            return values.first ?? input ?? .nullValue
        case "get-content":
            if let path = parameter(["path", "literalpath"], position: 0, args, values) { return readFile(path, all: values, range: range) }
            return .unknown(range, input?.taint ?? .dynamic)
        case "foreach-object", "where-object":
            return .unknown(range, input?.taint ?? .dynamic)
        case "start-process":
            guard let file = parameter(["filepath"], position: 0, args, values)?.string else {
                // As for a program Escort does not know: never lower than medium.
                report.add(.medium, nil, "`Start-Process` starts a program whose name is only known when it runs; Escort cannot tell which program it is.", range)
                return .unknown(range)
            }
            let list = parameter(["argumentlist"], position: 1, args, values)
            let argText = list.map { $0.elements.compactMap(\.string).joined(separator: " ") } ?? ""
            report.explain("`Start-Process` starts `\(file)`\(argText.isEmpty ? "" : " with \(quoted(argText))").")
            let nestedArgs = CmdMachine.splitArguments(LText(synthetic: argText, range: range))
            let status = WindowsCommandRunner(catalogue: catalogue).run(name: file, args: nestedArgs, range: range, depth: depth + 1, stdin: nil, into: &report)
            if case .tooComplex = status { self.status = status }
            return .unknown(range)
        case "invoke-command":
            if let computer = parameter(["computername", "session"], position: nil, args, values) {
                report.explain("Runs the script block on another computer (\(computer.string.map { quoted($0) } ?? "decided at run time")).")
            }
            return .unknown(range)
        default:
            return .unknown(range)
        }
    }

    /// Runs text as PowerShell code (`Invoke-Expression`, `[ScriptBlock]::Create`, `InvokeScript`).
    mutating func execute(_ payload: PSValue, range: SourceRange, how: String) {
        let r = range.union(payload.range)
        if payload.taint.contains(.network) {
            report.add(.critical, techniques: ["T1105", "T1059.001"], "Downloads code from the network and runs it at once (\(how)): nobody can review what runs.", r)
        }
        if payload.taint.contains(.decoded) {
            report.add(.critical, techniques: ["T1140", "T1027"], "Decodes hidden code and runs it (\(how)).", r)
        }
        guard let code = payload.string else {
            if !payload.taint.contains(.network) && !payload.taint.contains(.decoded) {
                report.add(.high, "T1059.001", "Runs PowerShell code (\(how)) that is only known when it runs.", r)
            }
            return
        }
        if payload.built && !payload.taint.contains(.decoded) {
            report.add(.high, "T1027", "Runs PowerShell code assembled from pieces of text (\(how)), a way of hiding it.", r)
        } else if payload.taint.isEmpty {
            report.add(.medium, "T1059.001", "Runs PowerShell code given as text (\(how)).", r)
        }
        report.explain("\(how) runs this code: \(quoted(code)).")
        var nested = report.nested()
        let status = PowerShellReader(catalogue: catalogue).read(code, origin: 0, depth: depth + 1, into: &nested)
        report.merge(nested, at: r)
        if case .tooComplex = status { self.status = status }
    }

    /// Command arguments up to the end of the pipeline element.
    mutating func arguments() -> ([Argument], [PSValue]) {
        var args: [Argument] = []
        var values: [PSValue] = []
        while !atTerminator && step() {
            if isOp(",") { advance(); continue }
            if isOp(">") || isOp(">>") || isOp("*>") || isOp("2>") {
                advance()
                if !atTerminator { fileWritten(commandArgument()) }
                continue
            }
            if isOp("2>&1") { advance(); continue }
            let before = p
            let v = commandValue()
            if p == before { advance(); continue }
            values.append(v)
            args.append(Argument(text: v.string, range: v.range, taint: v.taint))
        }
        return (args, values)
    }

    mutating func commandArgument() -> Argument {
        let v = commandValue()
        return Argument(text: v.string, range: v.range, taint: v.taint)
    }

    /// One argument in command mode: adjacent pieces with no blank between them join up.
    mutating func commandValue() -> PSValue {
        var parts: [PSValue] = []
        repeat {
            let t = tok
            switch t.kind {
            case .word, .number:
                advance()
                parts.append(PSValue(kind: .string(t.text), range: t.range))
            case .dash:
                advance()
                var v = PSValue(kind: .string(t.text), range: t.range)
                if t.text.hasSuffix(":"), !atTerminator {
                    let next = commandValue()
                    v = PSValue(kind: next.string.map { .string(t.text + $0) } ?? .unknown, range: t.range.union(next.range), taint: next.taint)
                }
                parts.append(v)
            case .op where [".", "+", "=", "*", "/", "%", "!", "-", "..", "::"].contains(t.text):
                advance()
                parts.append(PSValue(kind: .string(t.text), range: t.range))
            default:
                parts.append(postfix())
            }
        } while !atTerminator && !tok.spaceBefore && !isOp(",") && step()
        if parts.count == 1 { return parts[0] }
        let texts = parts.compactMap(\.string)
        let range = parts.dropFirst().reduce(parts[0].range) { $0.union($1.range) }
        return PSValue.derived(texts.count == parts.count ? .string(texts.joined()) : .unknown, from: parts, range: range)
    }

    static func typeName(_ s: String) -> String {
        var t = s.lowercased().trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("["), t.hasSuffix("]") { t = String(t.dropFirst().dropLast()) }
        if t.hasPrefix("system.") { t.removeFirst(7) }
        return t
    }
}

import Foundation
