/// The built-in commands the imitation understands, and the hand-off of everything else.
extension CmdMachine {
    static let blanks: Set<Unicode.Scalar> = [" ", "\t"]

    /// Splits the command word off: `"C:\x y\p.exe" a`, `cmd/c`, `set x=1`.
    static func splitCommandWord(_ t: LText) -> (word: LText, rest: LText) {
        let s = t.trimmingLeading(CmdParser.delimiters.union(["@"]))
        var k = 0
        var word = LText()
        if s.first?.c == "\"" {
            k = 1
            while k < s.count, s[k].c != "\"" { word.append(s[k]); k += 1 }
            if k < s.count { k += 1 }
        } else {
            var quoted = false
            while k < s.count {
                let c = s[k].c
                if c == "\"" { quoted.toggle(); k += 1; continue }
                if !quoted {
                    if CmdParser.delimiters.contains(c) || c == "/" { break }
                    // `echo.` and `echo(` end the word of a built-in.
                    // (The word is compared only when it has echo's length: building its text for
                    // every `.` made a word of dots quadratic.)
                    if c == "(" || (c == "." && word.count == 4 && word.text.lowercased() == "echo") { break }
                }
                word.append(s[k])
                k += 1
            }
        }
        return (word, LText(s[k...]))
    }

    mutating func runSimple(_ raw: LText, depth: Int, stdin: [String]?) {
        let t = delayed ? vars.expandDelayed(raw) : raw
        let (wordText, rest) = Self.splitCommandWord(t)
        let word = wordText.text
        guard !word.isEmpty else { return }
        let key = Catalogue.windowsKey(word)
        switch key {
        case "set": runSet(rest)
        case "call":
            let again = rest.trimmingLeading(CmdParser.delimiters)
            runLine(again, depth: depth)
        case "echo":
            output(LText(rest.dropFirst()).text)
        case "setlocal":
            let r = rest.text.lowercased()
            if r.contains("enabledelayedexpansion") { delayed = true }
            if r.contains("disabledelayedexpansion") { delayed = false }
        case "endlocal", "rem", "title", "cls", "pause", "color", "prompt", "goto", "shift", "exit", "break", "verify":
            break
        case "cmd":
            runCmd(rest, range: t.span, depth: depth, stdin: stdin)
        case "start":
            runStart(rest, depth: depth, stdin: stdin)
        case "assoc", "ftype":
            emulateListing(key, rest.text)
            dispatch(wordText, rest, depth: depth, stdin: stdin)
        case "find", "findstr":
            emulateFilter(key, rest, stdin ?? [])
            dispatch(wordText, rest, depth: depth, stdin: stdin)
        default:
            dispatch(wordText, rest, depth: depth, stdin: stdin)
        }
    }

    /// `set NAME=value`, `set "NAME=value"`; `set /a` and `set /p` change nothing Escort needs.
    mutating func runSet(_ rest: LText) {
        var s = rest.trimmingLeading(Self.blanks)
        if s.first?.c == "/" { return }
        if s.first?.c == "\"" {
            guard let last = s.lastIndex(where: { $0.c == "\"" }), last > 0 else { return }
            s = LText(s[1..<last])
        }
        guard let eq = s.firstIndex(where: { $0.c == "=" }), eq > 0 else { return }
        let name = LText(s[..<eq]).text
        vars.set(name, LText(s[(eq + 1)...]))
    }

    /// `cmd [/V:ON] /c "…"`: a new cmd.exe reads the text, with this one's variables.
    mutating func runCmd(_ rest: LText, range: SourceRange?, depth: Int, stdin: [String]?) {
        var k = 0
        var switchEnd: Int? = nil
        var delayedHere = false
        var keep = false
        while k + 1 < rest.count {
            if rest[k].c == "/" {
                let l = Character(rest[k + 1].c).lowercased()
                if l == "c" || l == "r" || l == "k" {
                    switchEnd = k + 2
                    keep = l == "k"
                    break
                }
                if l == "v" {
                    let tail = LText(rest[(k + 2)...].prefix(4)).text.lowercased()
                    delayedHere = !tail.hasPrefix(":off")
                }
            }
            k += 1
        }
        let savedVars = vars
        let savedDelayed = delayed
        defer {
            vars = savedVars
            delayed = savedDelayed
        }
        delayed = delayedHere
        guard let start = switchEnd else {
            if let lines = stdin, !lines.isEmpty {
                report.explain("A new cmd.exe reads commands from the output of the command before it.")
                for line in lines { runLine(LText(synthetic: line, range: range ?? SourceRange(origin, origin)), depth: depth + 1) }
            } else {
                report.explain("`cmd` opens a new Windows command prompt.")
            }
            return
        }
        var body = LText(rest[start...]).trimmingLeading(Self.blanks)
        if body.first?.c == "\"", let last = body.lastIndex(where: { $0.c == "\"" }), last > 0 {
            body.remove(at: last)
            body.removeFirst()
        }
        report.explain(keep
            ? "`cmd /k` runs the command that follows and leaves the prompt open."
            : "`cmd /c` starts a new Windows command prompt to run the command that follows.")
        runLine(body, depth: depth + 1)
    }

    /// `start ["title"] [/min /b /wait …] command`.
    mutating func runStart(_ rest: LText, depth: Int, stdin: [String]?) {
        var s = rest.trimmingLeading(CmdParser.delimiters)
        if s.first?.c == "\"", let close = s.dropFirst().firstIndex(where: { $0.c == "\"" }) {
            s = LText(s[(close + 1)...]).trimmingLeading(CmdParser.delimiters)
        }
        while s.first?.c == "/" {
            let word = s.prefix(while: { !CmdParser.delimiters.contains($0.c) })
            let option = LText(word).text.lowercased()
            s = LText(s.dropFirst(word.count)).trimmingLeading(CmdParser.delimiters)
            if option == "/d" || option == "/node" || option == "/affinity" {
                s = LText(s.drop(while: { !CmdParser.delimiters.contains($0.c) })).trimmingLeading(CmdParser.delimiters)
            }
        }
        report.explain("`start` launches the command that follows in its own window.")
        if !s.isEmpty { runSimple(s, depth: depth, stdin: stdin) }
    }

    /// Splits arguments the way Windows programs do: blanks separate, quotes group and are removed.
    static func splitArguments(_ t: LText) -> [Argument] {
        var args: [Argument] = []
        var cur = LText()
        var has = false
        var quoted = false
        var k = 0
        func flush() {
            if has {
                let r = cur.span ?? SourceRange(0, 0)
                args.append(Argument(text: cur.text, range: r))
            }
            cur = []
            has = false
        }
        while k < t.count {
            let c = t[k]
            if c.c == "\\", k + 1 < t.count, t[k + 1].c == "\"" {
                cur.append(t[k + 1])
                has = true
                k += 2
                continue
            }
            if c.c == "\"" {
                quoted.toggle()
                has = true
            } else if !quoted, c.c == " " || c.c == "\t" {
                flush()
            } else {
                cur.append(c)
                has = true
            }
            k += 1
        }
        flush()
        return args
    }

    /// Hands a command that would really run to the shared Windows dispatcher.
    mutating func dispatch(_ word: LText, _ rest: LText, depth: Int, stdin: [String]?) {
        let name = word.text
        let args = Self.splitArguments(rest)
        let all = word + rest
        let range = all.span ?? SourceRange(origin, origin)
        let line = ([name] + args.map { $0.text ?? "" }).joined(separator: " ")
        commands.append(line)
        if let typedText = typed(range), Self.normalise(typedText) != Self.normalise(line) {
            report.explain("With its disguise removed, this part runs: \(quoted(line)).")
        }
        let runner = WindowsCommandRunner(catalogue: catalogue)
        let nested = runner.run(
            name: name, args: args, range: range, depth: depth, stdin: stdin?.joined(separator: "\n"),
            into: &report)
        if case .tooComplex = nested { status = nested }
    }

    static func normalise(_ s: String) -> String {
        s.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\"" }).joined(separator: " ")
    }
}
