import Foundation

/// Shell builtins: `eval`, `source`, `exec`, `export`, `history`, `echo`, `printf`, `set`, `trap`…
extension ShellReader {
    static let quietBuiltins: Set<String> = [
        "cd", "pwd", "true", "false", ":", "test", "[", "read", "shift", "exit", "return", "wait", "jobs",
        "type", "hash", "shopt", "ulimit", "umask", "let", "getopts", "bg", "fg", "disown", "times", "help",
        "logout", "dirs", "pushd", "popd", "mapfile", "readarray", "caller", "compgen", "complete", "enable",
        "suspend", "unalias", "sleep", "break", "continue",
    ]

    mutating func builtin(_ name: String, raw: String, args: [Argument], stdin: Stream, range: SourceRange, via: String?, member: inout PipelineMember) -> Stream? {
        guard raw == name else { return nil }
        switch name {
        case "eval":
            let taint = args.reduce(into: Taint()) { $0.formUnion($1.taint) }
            explain("`eval` runs its arguments as a new command line.")
            if args.contains(where: { $0.text == nil }) {
                if taint.contains(.network) {
                    add(.critical, "T1105", "Runs, with `eval`, commands downloaded from the internet: nobody sees them before they run.", range)
                    add(.critical, "T1059.004", "Runs, with `eval`, commands downloaded from the internet: nobody sees them before they run.", range)
                } else if taint.contains(.decoded) {
                    add(.critical, "T1140", "Decodes hidden commands and runs them with `eval`.", range)
                } else {
                    add(.high, "T1059.004", "Runs, with `eval`, commands that are only put together when it runs; Escort cannot see them.", range)
                }
                return .dynamic([])
            }
            let text = args.compactMap(\.text).joined(separator: " ")
            if taint.contains(.decoded) {
                add(.critical, "T1140", "Decodes hidden commands and runs them with `eval`.", range)
                add(.high, "T1027", "Decodes hidden commands and runs them with `eval`.", range)
            }
            readNested(text, range: range, hidden: taint.contains(.decoded))
            return .dynamic([])
        case "source", ".":
            guard let file = args.first else { return Stream.none }
            guard let path = file.text else {
                add(.high, "T1059.004", "Runs (with `\(name)`) a script whose name is only known at run time.", range)
                return .dynamic([])
            }
            runFile(path, language: .shell, range: range, directly: false)
            return .dynamic([])
        case "exec":
            var rest = args
            while let f = rest.first?.text, f.hasPrefix("-") {
                rest.removeFirst()
                if f == "-a", !rest.isEmpty { rest.removeFirst() }
            }
            guard !rest.isEmpty else { return Stream.none }
            explain("`exec` replaces the current shell with the command that follows.")
            return dispatch(rest, stdin: stdin, range: range, via: via, member: &member)
        case "command", "builtin", "noglob", "nocorrect":
            var rest = args
            while let f = rest.first?.text, f.hasPrefix("-") {
                if f == "-v" || f == "-V" { return .dynamic([]) }
                rest.removeFirst()
            }
            guard !rest.isEmpty else { return Stream.none }
            return dispatch(rest, stdin: stdin, range: range, via: via, member: &member)
        case "export", "declare", "typeset", "local", "readonly":
            for a in args {
                guard let text = a.text, !text.hasPrefix("-"), let eq = text.firstIndex(of: "=") else { continue }
                let key = String(text[..<eq])
                let value = Argument(text: String(text[text.index(after: eq)...]), range: a.range, taint: a.taint)
                checkAssignment(key, value, range: a.range)
                variables[key] = Value(text: value.text, taint: a.taint)
            }
            return Stream.none
        case "read":
            // `read l` fills `l` with a line of what flows in: its origin goes with it.
            let input = Self.isEmpty(stdin) ? loopInput : stdin
            var skip = false
            for a in args {
                guard let t = a.text else { continue }
                if skip { skip = false; continue }
                if t.hasPrefix("-") {
                    skip = ["-d", "-p", "-t", "-n", "-N", "-u", "-i", "-a"].contains(t)
                    continue
                }
                variables[t] = Value(text: nil, taint: input.taint.union(.dynamic))
            }
            return Stream.none
        case "unset":
            for a in args {
                guard let t = a.text else { continue }
                if t == "HISTFILE" {
                    add(.high, "T1562.003", "Unsets `HISTFILE`, so the shell stops saving its command history.", range)
                }
                // An unset variable expands to nothing: `rm -rf "$D"/*` after `unset D` is `rm -rf /*`.
                variables[t] = Value(text: "", taint: [])
            }
            return Stream.none
        case "set":
            let texts = args.compactMap(\.text)
            if let i = texts.firstIndex(of: "+o"), i + 1 < texts.count, texts[i + 1] == "history" {
                add(.high, "T1562.003", "Turns off the shell's command history (`set +o history`).", range)
            }
            return Stream.none
        case "history":
            let texts = args.compactMap(\.text)
            if texts.contains(where: { $0.hasPrefix("-") && $0.contains("c") }) {
                add(.high, "T1070.003", "Clears the shell's command history, hiding what was done.", range)
            } else if texts.contains(where: { $0 == "-d" || $0.hasPrefix("-d") }) {
                add(.high, "T1070.003", "Deletes entries from the shell's command history.", range)
            } else if texts.contains(where: { $0.hasPrefix("-w") || $0.hasPrefix("-a") }), texts.contains("/dev/null") {
                add(.high, "T1070.003", "Throws the shell's command history away.", range)
            } else {
                add(.low, "T1552.003", "Shows the commands typed earlier in this shell.", range)
            }
            return .dynamic([])
        case "echo":
            explain("`echo` prints its arguments.")
            return echoOutput(args, range: range)
        case "printf":
            explain("`printf` prints formatted text.")
            return printfOutput(args, range: range)
        case "alias":
            for a in args {
                guard let t = a.text, let eq = t.firstIndex(of: "=") else { continue }
                let value = String(t[t.index(after: eq)...])
                explain("Defines a shortcut `\(t[..<eq])` that runs `\(value)`.")
                readNested(value, range: range, hidden: a.taint.contains(.decoded))
            }
            return Stream.none
        case "trap":
            if let action = args.first, let t = action.text, !t.isEmpty, !t.hasPrefix("-") {
                explain("`trap` sets commands to run later, when the shell receives a signal or exits.")
                if args.dropFirst().contains(where: { $0.text == "DEBUG" }), t.contains("BASH_COMMAND") {
                    // A DEBUG trap runs before every command; with $BASH_COMMAND it sees each one typed.
                    add(.high, "T1056.001", "Records every command typed in this shell from now on (a `DEBUG` trap that copies `$BASH_COMMAND`), which catches passwords typed on command lines.", range)
                }
                readNested(t, range: range, hidden: action.taint.contains(.decoded))
            }
            return Stream.none
        default:
            if Self.quietBuiltins.contains(name) {
                return Stream.none
            }
            return nil
        }
    }

    /// `echo`'s output when its arguments are known.
    func echoOutput(_ args: [Argument], range: SourceRange) -> Stream {
        var rest = args
        var escapes = false
        var newline = true
        while let f = rest.first?.text, f.hasPrefix("-"), f.count > 1, f.dropFirst().allSatisfy({ "neE".contains($0) }) {
            if f.contains("e") { escapes = true }
            if f.contains("n") { newline = false }
            rest.removeFirst()
        }
        let taint = rest.reduce(into: Taint()) { $0.formUnion($1.taint) }
        guard rest.allSatisfy({ $0.text != nil }) else { return .dynamic(taint) }
        var text = rest.compactMap(\.text).joined(separator: " ")
        if escapes {
            text = AnsiC.decode(text)
        }
        if newline { text += "\n" }
        return .text(text, taint.union(escapes && text != rest.compactMap(\.text).joined(separator: " ") + "\n" ? .decoded : []), at(range))
    }

    /// `printf`'s output when its arguments are known (`%s`, `%b`, `%d`, `%c` and escapes).
    func printfOutput(_ args: [Argument], range: SourceRange) -> Stream {
        var rest = args
        if rest.first?.text == "-v" { return Stream.none }
        if rest.first?.text == "--" { rest.removeFirst() }
        guard let format = rest.first?.text else { return .dynamic(rest.first?.taint ?? []) }
        let values = Array(rest.dropFirst())
        let taint = rest.reduce(into: Taint()) { $0.formUnion($1.taint) }
        guard values.allSatisfy({ $0.text != nil }) else { return .dynamic(taint) }
        let decodedFormat = AnsiC.decode(format)
        var out = ""
        var i = decodedFormat.startIndex
        var argIndex = 0
        var decoded = decodedFormat != format
        while i < decodedFormat.endIndex {
            let c = decodedFormat[i]
            if c == "%", decodedFormat.index(after: i) < decodedFormat.endIndex {
                var j = decodedFormat.index(after: i)
                while j < decodedFormat.endIndex, "-+ #0123456789.".contains(decodedFormat[j]) { j = decodedFormat.index(after: j) }
                guard j < decodedFormat.endIndex else { break }
                let conv = decodedFormat[j]
                let value = argIndex < values.count ? values[argIndex].text ?? "" : ""
                switch conv {
                case "%": out.append("%")
                case "s": out += value; argIndex += 1
                case "b":
                    let d = AnsiC.decode(value)
                    if d != value { decoded = true }
                    out += d
                    argIndex += 1
                case "d", "i", "u": out += value; argIndex += 1
                case "c": out += String(value.prefix(1)); argIndex += 1
                case "x", "X", "o":
                    if let n = Int(value) { out += String(n, radix: conv == "o" ? 8 : 16, uppercase: conv == "X") }
                    argIndex += 1
                default: out.append(c); out.append(conv)
                }
                i = decodedFormat.index(after: j)
                continue
            }
            out.append(c)
            i = decodedFormat.index(after: i)
        }
        return .text(out, taint.union(decoded ? .decoded : []), at(range))
    }
}
