import Foundation

/// `for` loops, and the outputs of the harmless built-ins that obfuscators feed them.
extension CmdMachine {
    /// The part of a `for` header: options, variable and list.
    struct ForHeader {
        var mode = ""
        var options = ""
        var variable: Unicode.Scalar?
        var list = LText()
        var listQuote: Unicode.Scalar?
    }

    static func parseForHeader(_ header: [PChar]) -> ForHeader {
        var h = ForHeader()
        var k = 0
        while k < header.count {
            let p = header[k]
            if !p.special, CmdParser.delimiters.contains(p.c) { k += 1; continue }
            if p.special, p.c == "\"" {
                var s = ""
                k += 1
                while k < header.count, !(header[k].special && header[k].c == "\"") {
                    s.unicodeScalars.append(header[k].c)
                    k += 1
                }
                k += 1
                if h.options.isEmpty { h.options = s }
                continue
            }
            if p.special, p.c == "(" {
                var depth = 1
                k += 1
                var list = LText()
                while k < header.count {
                    if header[k].special, header[k].c == "(" { depth += 1 }
                    if header[k].special, header[k].c == ")" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    list.append(header[k].ch)
                    k += 1
                }
                k += 1
                h.list = list
                continue
            }
            var w = LText()
            while k < header.count, !(header[k].special && (header[k].c == "\"" || header[k].c == "(")),
                header[k].special || !CmdParser.delimiters.contains(header[k].c)
            {
                w.append(header[k].ch)
                k += 1
            }
            let s = w.text
            if s.hasPrefix("/"), h.variable == nil {
                h.mode = s.lowercased()
            } else if s.hasPrefix("%"), h.variable == nil, w.count >= 2 {
                h.variable = w[w.count - 1].c
            }
        }
        // The list of a `for /f`: a command in '…', a string in "…".
        let trimmed = h.list.trimmingLeading(CmdParser.delimiters).trimmingTrailing(CmdParser.delimiters)
        if let f = trimmed.first?.c, f == "'" || f == "\"" || f == "`",
            let last = trimmed.lastIndex(where: { $0.c == f }), last > 0
        {
            h.listQuote = f
            h.list = LText(trimmed[1..<last])
        }
        return h
    }

    mutating func runFor(_ headerChars: [PChar], _ body: CmdNode, depth: Int, stdin: [String]?) {
        let h = Self.parseForHeader(headerChars)
        guard let v = h.variable else {
            report.add(.high, nil, "cmd.exe cannot read this `for` loop: Escort holds it for review.", LText(headerChars.map(\.ch)).span ?? SourceRange(origin, origin))
            return
        }
        let range = LText(headerChars.map(\.ch)).span ?? SourceRange(origin, origin)
        if Self.guessesPasswords(body, using: v) {
            report.add(.high, "T1110", "Runs `net use` once for each value of a loop, with the value as the password: trying passwords one after another to break into an account.", range)
        } else if let program = Self.probe(in: body, using: v) {
            let hit = NetworkProbes.sweep(program)
            report.add(.medium, techniques: hit.techniques, hit.reason, range)
        }
        switch h.mode {
        case "/l":
            let nums = h.list.text.split(whereSeparator: { CmdParser.delimiters.contains($0.unicodeScalars.first!) }).compactMap { Int($0) }
            guard nums.count == 3, nums[1] != 0 else { return }
            var x = nums[0]
            var count = 0
            while nums[1] > 0 ? x <= nums[2] : x >= nums[2] {
                count += 1
                if count > 5_000 { tooComplex("a `for /l` loop runs more than 5000 times", range); return }
                run(body.substituting(v, LText(synthetic: String(x), range: range)), depth: depth, stdin: stdin)
                x += nums[1]
            }
        case "/f":
            let usebackq = h.options.lowercased().contains("usebackq")
            var lines: [String]
            if h.listQuote == (usebackq ? "`" : "'") {
                report.explain("A `for /f` loop runs \(quoted(h.list.text)) and reads its output.")
                let saved = captured
                captured = []
                runLine(h.list, depth: depth + 1)
                lines = captured ?? []
                captured = saved
            } else if h.listQuote == (usebackq ? "'" : "\"") {
                lines = [h.list.text]
            } else {
                report.explain("A `for /f` loop reads the file \(quoted(h.list.text)); Escort cannot see its contents.")
                lines = []
            }
            let opts = ForOptions(h.options)
            for line in lines.dropFirst(opts.skip) {
                if let eol = opts.eol, line.unicodeScalars.first == eol { continue }
                let values = opts.tokens(of: line)
                guard !values.isEmpty else { continue }
                var node = body
                for (n, value) in values.enumerated() {
                    guard let name = Unicode.Scalar(v.value + UInt32(n)) else { continue }
                    node = node.substituting(name, LText(synthetic: value ?? "", range: range))
                }
                run(node, depth: depth, stdin: stdin)
            }
        default:
            let items = h.list.text.split(whereSeparator: { " \t,;".contains($0) })
            for item in items.prefix(1_000) {
                run(body.substituting(v, LText(synthetic: String(item), range: range)), depth: depth, stdin: stdin)
            }
        }
    }

    /// The text of every simple command in a loop body, nested loops and `if`s included.
    static func simpleCommands(in body: CmdNode) -> [String] {
        switch body {
        case .simple(let chars, _): [LText(chars.map(\.ch)).text]
        case .sequence(let nodes), .pipe(let nodes): nodes.flatMap(simpleCommands(in:))
        case .forLoop(_, let inner), .ifCommand(_, let inner): simpleCommands(in: inner)
        }
    }

    /// The probe (`ping`, `nslookup`…) a loop body runs with the loop variable `%v` in its
    /// arguments: `for /l %i in (1,1,254) do ping -n 1 10.0.0.%i` sweeps a network.
    static func probe(in body: CmdNode, using v: Unicode.Scalar) -> String? {
        simpleCommands(in: body).lazy.compactMap { command -> String? in
            let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { return nil }
            let program = first.trimmingCharacters(in: CharacterSet(charactersIn: "@\""))
            guard NetworkProbes.probes.contains(Catalogue.windowsKey(program)) else { return nil }
            let mark = "%" + String(Character(v)), tilde = "%~" + String(Character(v))
            return words.dropFirst().contains { $0.contains(mark) || $0.contains(tilde) } ? program : nil
        }.first
    }

    /// Whether a loop body logs on with `net use … /user:NAME %p`, the loop variable as the password.
    static func guessesPasswords(_ body: CmdNode, using v: Unicode.Scalar) -> Bool {
        simpleCommands(in: body).contains { command in
            let words = command.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first, ["net", "net1", "net.exe", "net1.exe"].contains(first.trimmingCharacters(in: CharacterSet(charactersIn: "@\""))),
                words.contains("use"), words.contains(where: { $0.hasPrefix("/user:") || $0.hasPrefix("/u:") }) else { return false }
            let mark = "%" + String(Character(v)).lowercased()
            return words.dropFirst().contains { $0.contains(mark) && !$0.hasPrefix("\\\\") && !$0.hasPrefix("/") }
        }
    }

    /// `assoc` and `ftype`, as on a fresh Windows 10/11 install.
    mutating func emulateListing(_ which: String, _ rest: String) {
        let table = which == "assoc" ? Self.assocTable : Self.ftypeTable
        let arg = rest.trimmingCharacters(in: CharacterSet(charactersIn: " \t,;=")).lowercased()
        for line in table where arg.isEmpty || line.lowercased().hasPrefix(arg + "=") { output(line) }
    }

    /// `find "text"` and `findstr text`, over the output piped in.
    mutating func emulateFilter(_ which: String, _ rest: LText, _ input: [String]) {
        var ignoreCase = false
        var invert = false
        var needles: [String] = []
        let blanks: Set<Unicode.Scalar> = [",", ";"]
        let spaced = rest.map { blanks.contains($0.c) ? LChar(c: " ", lo: $0.lo, hi: $0.hi) : $0 }
        for a in Self.splitArguments(spaced).compactMap(\.text) {
            let l = a.lowercased()
            if l.hasPrefix("/") {
                if l == "/i" { ignoreCase = true }
                if l == "/v" { invert = true }
                continue
            }
            needles.append(a)
        }
        guard let needle = needles.first else { return }
        let words = which == "findstr" ? needle.split(separator: " ").map(String.init) : [needle]
        for line in input {
            let hay = ignoreCase ? line.lowercased() : line
            let hit = words.contains { hay.contains(ignoreCase ? $0.lowercased() : $0) }
            if hit != invert { output(line) }
        }
    }

    static let assocTable = [
        ".bat=batfile", ".cmd=cmdfile", ".com=comfile", ".cpl=cplfile", ".exe=exefile", ".hta=htafile",
        ".htm=htmlfile", ".html=htmlfile", ".js=JSFile", ".jse=JSEFile", ".lnk=lnkfile", ".msc=MSCFile",
        ".msi=Msi.Package", ".ps1=Microsoft.PowerShellScript.1", ".psd1=Microsoft.PowerShellData.1",
        ".psm1=Microsoft.PowerShellModule.1", ".reg=regfile", ".scf=SHCmdFile", ".txt=txtfile",
        ".url=InternetShortcut", ".vbe=VBEFile", ".vbs=VBSFile", ".wsf=WSFFile", ".wsh=WSHFile",
    ]

    static let ftypeTable = [
        #"batfile="%1" %*"#, #"cmdfile="%1" %*"#, #"comfile="%1" %*"#, #"exefile="%1" %*"#,
        #"htafile=C:\Windows\SysWOW64\mshta.exe "%1" {1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}%U{1E460BD7-F1C3-4B2E-88BF-4E770A288AF5} %*"#,
        #"JSFile=C:\Windows\System32\WScript.exe "%1" %*"#,
        #"Microsoft.PowerShellConsole.1="C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -p "%1""#,
        #"Microsoft.PowerShellData.1="C:\Windows\System32\notepad.exe" "%1""#,
        #"Microsoft.PowerShellModule.1="C:\Windows\System32\notepad.exe" "%1""#,
        #"Microsoft.PowerShellScript.1="C:\Windows\System32\notepad.exe" "%1""#,
        #"Microsoft.PowerShellXMLData.1="C:\Windows\System32\notepad.exe" "%1""#,
        #"MSCFile=C:\Windows\system32\mmc.exe "%1" %*"#,
        #"regfile="C:\Windows\regedit.exe" "%1""#,
        #"SHCmdFile="C:\Windows\explorer.exe""#,
        #"txtfile=C:\Windows\system32\NOTEPAD.EXE %1"#,
        #"VBSFile="C:\Windows\System32\WScript.exe" "%1" %*"#,
        #"WSFFile="C:\Windows\System32\WScript.exe" "%1" %*"#,
    ]
}

/// The options string of a `for /f`: `tokens=`, `delims=`, `skip=`, `eol=`.
struct ForOptions {
    var delims: Set<Unicode.Scalar> = [" ", "\t"]
    var tokenSpec: [Int] = [1]
    var rest = false
    var skip = 0
    var eol: Unicode.Scalar? = ";"

    init(_ options: String) {
        let s = Array(options.unicodeScalars)
        let lower = options.lowercased()
        func value(after key: String) -> String? {
            guard let r = lower.range(of: key) else { return nil }
            let start = lower.unicodeScalars.distance(from: lower.unicodeScalars.startIndex, to: r.upperBound)
            return String(String.UnicodeScalarView(s[start...]))
        }
        if let d = value(after: "delims=") {
            var v = d
            for key in [" tokens=", " skip=", " eol=", " usebackq", "\ttokens="] {
                if let r = v.lowercased().range(of: key) {
                    let cut = v.lowercased().distance(from: v.lowercased().startIndex, to: r.lowerBound)
                    v = String(v.prefix(cut))
                }
            }
            let trimmed = v.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                delims = v.isEmpty ? [] : [" "]
            } else {
                delims = Set(v.hasPrefix(" ") ? (" " + trimmed).unicodeScalars : trimmed.unicodeScalars)
            }
        }
        if let t = value(after: "tokens=") {
            let spec = t.drop(while: { $0 == " " }).prefix(while: { "0123456789,-*+".contains($0) })
            var list: [Int] = []
            for part in spec.split(separator: ",") {
                var p = String(part)
                if p.hasSuffix("*") {
                    rest = true
                    p.removeLast()
                }
                p = p.replacingOccurrences(of: "+", with: "")
                let bounds = p.split(separator: "-").compactMap { Int($0) }
                if bounds.count == 2, bounds[0] <= bounds[1] { list += Array(bounds[0]...bounds[1]) } else if let b = bounds.first { list.append(b) }
            }
            if !list.isEmpty || rest { tokenSpec = list }
        }
        if let k = value(after: "skip=") { skip = Int(k.prefix(while: { $0.isNumber })) ?? 0 }
        if let e = value(after: "eol=") { eol = e.unicodeScalars.first }
    }

    /// The values given to the loop variable(s) for one line, or empty to skip the line.
    func tokens(of line: String) -> [String?] {
        var fields: [(String, Int)] = []
        var cur = ""
        var start = 0
        let scalars = Array(line.unicodeScalars)
        for (k, c) in scalars.enumerated() {
            if delims.contains(c) {
                if !cur.isEmpty { fields.append((cur, start)) }
                cur = ""
            } else {
                if cur.isEmpty { start = k }
                cur.unicodeScalars.append(c)
            }
        }
        if !cur.isEmpty { fields.append((cur, start)) }
        guard !fields.isEmpty else { return [] }
        var out: [String?] = tokenSpec.map { $0 >= 1 && $0 <= fields.count ? fields[$0 - 1].0 : nil }
        if rest {
            let after = (tokenSpec.max() ?? 0)
            if after < fields.count {
                out.append(String(String.UnicodeScalarView(scalars[fields[after].1...])))
            } else {
                out.append(nil)
            }
        }
        if out.allSatisfy({ $0 == nil }) { return [] }
        return out
    }
}
