/// A character after cmd.exe's second phase: `special` when it is an unescaped, unquoted operator
/// (`&`, `|`, `<`, `>`, `(`, `)`) or a real quote.
struct PChar: Sendable, Hashable {
    var ch: LChar
    var special: Bool
    var c: Unicode.Scalar { ch.c }
}

/// A parsed cmd.exe command line.
indirect enum CmdNode: Sendable {
    /// One command: its text (carets removed, quotes kept) and the files it redirects to or from.
    case simple([PChar], redirects: [(target: LText, writes: Bool)])
    /// Commands joined by `&`, `&&` or `||` (all may run, so all are read).
    case sequence([CmdNode])
    /// `a | b`: the output of each feeds the next.
    case pipe([CmdNode])
    /// `for … do body`; the header is kept as text for `CmdMachine.runFor`.
    case forLoop(header: [PChar], body: CmdNode)
    /// `if [/i] [not] condition body`.
    case ifCommand(IfCondition, body: CmdNode)

    /// Replaces the `for` variable `%name` (and `%~name`) by `value` everywhere inside.
    func substituting(_ name: Unicode.Scalar, _ value: LText) -> CmdNode {
        func sub(_ t: [PChar]) -> [PChar] {
            var out: [PChar] = []
            var i = 0
            while i < t.count {
                if t[i].c == "%" {
                    var j = i + 1
                    if j < t.count, t[j].c == "~" { j += 1 }
                    if j < t.count, t[j].c == name {
                        out += value.map { PChar(ch: $0, special: false) }
                        i = j + 1
                        continue
                    }
                }
                out.append(t[i])
                i += 1
            }
            return out
        }
        switch self {
        case .simple(let t, let r): return .simple(sub(t), redirects: r)
        case .sequence(let n): return .sequence(n.map { $0.substituting(name, value) })
        case .pipe(let n): return .pipe(n.map { $0.substituting(name, value) })
        case .forLoop(let h, let b): return .forLoop(header: sub(h), body: b.substituting(name, value))
        case .ifCommand(var c, let b):
            c.lhs = sub(c.lhs)
            c.rhs = sub(c.rhs)
            return .ifCommand(c, body: b.substituting(name, value))
        }
    }
}

/// The condition of an `if`.
struct IfCondition: Sendable {
    var negated = false
    var ignoreCase = false
    /// `==`, `equ`…`geq`, `exist`, `defined`, `errorlevel`, `cmdextversion`.
    var op = ""
    var lhs: [PChar] = []
    var rhs: [PChar] = []
}
