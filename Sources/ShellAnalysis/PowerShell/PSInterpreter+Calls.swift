import Foundation

/// .NET method and static calls.
extension PSInterpreter {
    mutating func methodCall(_ target: PSValue, _ name: String, _ args: [PSValue], range: SourceRange) -> PSValue {
        let all = [target] + args
        switch target.kind {
        case .object(let type) where type.hasSuffix("webclient") || type.hasSuffix("webrequest"):
            let url = args.first?.string
            if let url { report.explain("Contacts \(quoted(url)) over the network.") }
            switch name {
            case "downloadstring", "downloaddata", "openread", "getresponse":
                return .unknown(range, [.network, .dynamic])
            case "downloadfile":
                let file = args.count > 1 ? args[1].string ?? "(decided at run time)" : "?"
                report.explain("Saves what it downloads to the file `\(file)`.")
                report.add(.high, "T1105", "Downloads a file from the network onto this machine (`\(file)`).", range)
                return .nullValue
            case "uploadstring", "uploadfile", "uploaddata", "uploadvalues":
                report.add(.high, "T1041", "Sends data from this machine to \(url.map { quoted($0) } ?? "an address decided at run time").", range)
                if name == "uploadfile", args.count > 1, let file = args.last?.string, let s = ProgramEvaluator(catalogue: catalogue).secret(in: file) { report.noteSecret(s) }
                sendsSecrets(args, to: url, range: range)
                return .unknown(range)
            default:
                return .unknown(range, target.taint)
            }
        case .object(let type) where type.hasPrefix("encoding:"):
            guard name == "getstring" || name == "getbytes", let arg = args.first else { return .unknown(range) }
            if name == "getbytes" {
                guard let s = arg.string else { return .derived(.unknown, from: all, range: range) }
                let bytes = type == "encoding:unicode" ? Array(s.utf16).flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] } : Array(s.utf8)
                return .derived(.bytes(bytes), from: all, range: range)
            }
            let ints = arg.elements.map(\.int)
            guard !ints.isEmpty, ints.allSatisfy({ $0 != nil }) else { return .derived(.unknown, from: all, range: range) }
            let data = Data(ints.map { UInt8(truncatingIfNeeded: $0!) })
            let text: String? = switch type {
            case "encoding:unicode": String(data: data, encoding: .utf16LittleEndian)
            case "encoding:bigendianunicode": String(data: data, encoding: .utf16BigEndian)
            default: String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1)
            }
            return .derived(text.map { .string($0) } ?? .unknown, from: all, range: range)
        case .object("invokecommand"):
            if name == "invokescript" || name == "newscriptblock", let code = args.first {
                execute(code, range: range, how: "$ExecutionContext.InvokeCommand")
            }
            return .unknown(range)
        default:
            break
        }
        if name == "invoke" || name == "invokereturnasis" {
            return .unknown(range, target.taint.union(.dynamic))
        }
        guard case .string(let s) = target.kind else {
            if name == "tostring", let s = target.string { return .derived(.string(s), from: all, range: range) }
            return .derived(.unknown, from: all, range: range)
        }
        let a = args.map(\.string)
        func str(_ x: String) -> PSValue { .derived(.string(x), from: all, range: range) }
        switch name {
        case "replace" where a.count == 2 && a[0] != nil && a[1] != nil && !a[0]!.isEmpty:
            return str(s.replacingOccurrences(of: a[0]!, with: a[1]!))
        case "tolower", "tolowerinvariant": return str(s.lowercased())
        case "toupper", "toupperinvariant": return str(s.uppercased())
        case "tostring", "normalize": return str(s)
        case "trim": return str(s.trimmingCharacters(in: .whitespacesAndNewlines))
        case "trimstart": return str(String(s.drop(while: \.isWhitespace)))
        case "trimend": return str(String(s.reversed().drop(while: \.isWhitespace).reversed()))
        case "substring":
            let c = Array(s)
            guard let st = args.first?.int, st >= 0, st <= c.count else { break }
            let len = args.count > 1 ? args[1].int ?? 0 : c.count - st
            guard len >= 0, st + len <= c.count else { break }
            return str(String(c[st..<(st + len)]))
        case "tochararray":
            return .derived(.array(s.map { PSValue(kind: .string(String($0)), range: range) }), from: all, range: range)
        case "split":
            guard let sepText = a.first ?? nil, !sepText.isEmpty else { break }
            let seps = Set(sepText)
            return .derived(.array(s.split(omittingEmptySubsequences: false, whereSeparator: { seps.contains($0) }).map { PSValue(kind: .string(String($0)), range: range) }), from: all, range: range)
        case "insert" where a.count == 2:
            guard let at = args[0].int, let ins = a[1], at >= 0, at <= s.count else { break }
            var c = Array(s)
            c.insert(contentsOf: ins, at: at)
            return str(String(c))
        case "remove":
            guard let at = args.first?.int, at >= 0, at <= s.count else { break }
            var c = Array(s)
            let len = args.count > 1 ? args[1].int ?? 0 : c.count - at
            guard at + len <= c.count else { break }
            c.removeSubrange(at..<(at + len))
            return str(String(c))
        default: break
        }
        return .derived(.unknown, from: all, range: range)
    }

    mutating func staticCall(_ target: PSValue, _ name: String, _ args: [PSValue], _ names: [String?], range: SourceRange) -> PSValue {
        guard case .type(let type) = target.kind else { return methodCall(target, name, args, range: range) }
        let all = args
        switch (type, name) {
        case ("convert", "frombase64string"), ("convert", "frombase64chararray"):
            // Decoding alone is medium, as `base64 -d` is: not an attack, but a way of hiding text.
            report.add(.medium, "T1140", "Decodes base64 text, a way of hiding what it contains.", range)
            guard let s = args.first?.string else { return .derived(.unknown, from: all, range: range).tainted(.decoded) }
            guard let data = PowerShellHost.base64(s) else {
                report.add(.high, "T1027", "Decodes base64 text that Escort cannot read: treat it as hostile.", range)
                return .unknown(range, .decoded)
            }
            var v = PSValue.derived(.bytes(Array(data)), from: all, range: range)
            v.taint.insert(.decoded)
            report.explain("Decodes base64 text (a way of hiding what it contains).")
            return v
        case ("convert", "tobase64string"):
            return .derived(.unknown, from: all, range: range)
        case ("string", "join"):
            guard args.count >= 2, let sep = args[0].string else { break }
            let parts = args.dropFirst().flatMap(\.elements).map(\.string)
            guard parts.allSatisfy({ $0 != nil }) else { break }
            return .derived(.string(parts.map { $0! }.joined(separator: sep)), from: all, range: range)
        case ("string", "concat"):
            let parts = args.flatMap(\.elements).map(\.string)
            guard parts.allSatisfy({ $0 != nil }) else { break }
            return .derived(.string(parts.map { $0! }.joined()), from: all, range: range)
        case ("string", "format"):
            guard let fmt = args.first?.string else { break }
            let rest = args.dropFirst().flatMap(\.elements).map(\.string)
            guard rest.allSatisfy({ $0 != nil }), let s = Self.applyFormat(fmt, rest.map { $0! }) else { break }
            return .derived(.string(s), from: all, range: range)
        case ("array", "reverse"):
            if let n = names.first ?? nil, let v = variables[n] {
                var r = v
                switch v.kind {
                case .array(let a): r.kind = .array(a.reversed())
                case .string(let s): r.kind = .array(s.reversed().map { PSValue(kind: .string(String($0)), range: range) })
                case .bytes(let b): r.kind = .bytes(b.reversed())
                default: break
                }
                r.built = true
                variables[n] = r
            }
            return .nullValue
        case ("scriptblock", "create"), ("management.automation.scriptblock", "create"):
            if let code = args.first { execute(code, range: range, how: "[ScriptBlock]::Create") }
            return PSValue(kind: .block, range: range)
        case ("reflection.assembly", "load"), ("reflection.assembly", "loadfile"), ("reflection.assembly", "loadfrom"):
            report.add(.high, "T1620", "Loads a .NET program straight into memory, so it never appears as a file.", range)
            return .unknown(range)
        case ("io.file", "writeallbytes"), ("io.file", "writealltext"), ("io.file", "appendalltext"):
            let file = args.first?.string ?? "(decided at run time)"
            report.explain("Writes the file `\(file)`.")
            report.add(.medium, nil, "Writes the file `\(file)`.", range)
            ProgramEvaluator(catalogue: catalogue).checkPath(file, writing: true, range: range, verb: "changes", into: &report)
            return .nullValue
        case ("io.file", "readallbytes"), ("io.file", "readalltext"), ("io.file", "readalllines"), ("io.file", "openread"),
             ("io.file", "readlines"), ("io.file", "opentext"):
            // .NET reached directly reads a file as Get-Content would: what it holds goes with the value.
            return readFile(args.first, all: all, range: range)
        case ("io.file", "copy"), ("io.file", "move"):
            if let from = args.first?.string {
                let e = ProgramEvaluator(catalogue: catalogue)
                e.checkPath(from, writing: false, range: range, verb: "reads", into: &report)
                if name == "move" { e.checkPath(from, writing: true, range: range, verb: "changes", into: &report) }
            }
            if args.count > 1, let to = args[1].string {
                ProgramEvaluator(catalogue: catalogue).checkPath(to, writing: true, range: range, verb: "changes", into: &report)
            }
            return .nullValue
        case ("io.file", "delete"), ("io.directory", "delete"):
            if let path = args.first?.string {
                report.explain("Deletes `\(path)`.")
                report.add(.medium, "T1070.004", "Deletes `\(path)` through .NET (`[IO.File]::Delete`).", range)
                ProgramEvaluator(catalogue: catalogue).checkPath(path, writing: true, range: range, verb: "deletes", into: &report)
            }
            return .nullValue
        case ("diagnostics.process", "start"):
            // `[Diagnostics.Process]::Start('cmd.exe', '/c whoami')`: the program and its arguments.
            guard let file = args.first?.string else {
                report.add(.high, "T1106", "Starts a program through .NET whose name is only known when it runs.", range)
                return .unknown(range)
            }
            report.explain("Starts `\(file)` through .NET (`[Diagnostics.Process]::Start`).")
            let rest = args.count > 1 ? args[1].string.map { PowerShellHost.splitCommandLine($0) } ?? [] : []
            let argv = rest.map { Argument(text: $0, range: range) }
            var nested = report.nested()
            let status = WindowsCommandRunner(catalogue: catalogue).run(name: file, args: argv, range: range, depth: depth + 1, stdin: nil, into: &nested)
            report.merge(nested, at: range)
            if case .tooComplex = status { self.status = status }
            return .unknown(range)
        case ("net.webrequest", "create"), ("net.httpwebrequest", "create"):
            if let url = args.first?.string { report.explain("Contacts \(quoted(url)) over the network.") }
            return PSValue(kind: .object("net.webrequest"), range: range)
        case (_, "new"):
            return PSValue(kind: .object(type), range: range)
        case ("char", "convertfromutf32"):
            if let n = args.first?.int, let u = Unicode.Scalar(n) { return .derived(.string(String(Character(u))), from: all, range: range) }
        default:
            break
        }
        return .derived(.unknown, from: all, range: range)
    }
}

extension PSInterpreter {
    /// A file read into a value (`[IO.File]::ReadAllBytes`, `Get-Content`): its path is checked,
    /// and credentials in it mark the value, so sending it later is sending them.
    mutating func readFile(_ path: PSValue?, all: [PSValue], range: SourceRange) -> PSValue {
        guard let file = path?.string else { return .derived(.unknown, from: all, range: range) }
        let e = ProgramEvaluator(catalogue: catalogue)
        report.explain("Reads the file `\(file)`.")
        e.checkPath(file, writing: false, range: range, verb: "reads", into: &report)
        var v = PSValue.derived(.unknown, from: all, range: range)
        if let s = e.secret(in: file) {
            report.noteSecret(s)
            v.taint.insert(.secret)
        }
        return v
    }

    /// Credentials in what is sent (`-Body $b` after `$b = [IO.File]::ReadAllBytes(…)`): high,
    /// exfiltration (TA0010) beside the credential read.
    mutating func sendsSecrets(_ values: [PSValue], to url: String?, range: SourceRange) {
        guard values.contains(where: { $0.taint.contains(.secret) }) || !report.secrets.isEmpty && values.contains(where: { $0.taint.contains(.dynamic) && $0.string == nil }) else { return }
        guard let what = report.secrets.last else { return }
        let destination = url.flatMap { Destination.urlHost($0) }.map { Destination.classify($0).phrase } ?? "an address decided at run time"
        let sentence = "Sends \(what) to \(destination). Credentials that leave the network can be used from anywhere."
        report.explain(sentence)
        report.addLeading(.high, "T1041", sentence, range)
        report.add(.high, "T1552.001", sentence, range)
    }
}

extension PSValue {
    func tainted(_ t: Taint) -> PSValue {
        var v = self
        v.taint.formUnion(t)
        return v
    }
}
