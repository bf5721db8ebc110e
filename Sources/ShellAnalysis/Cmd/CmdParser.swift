/// Phase 2 of cmd.exe: carets, quotes, operators and `( … )` blocks, over text whose `%VAR%`
/// references are already expanded.
struct CmdParser {
    struct Failure: Error { var message: String }

    private let chars: [PChar]
    private var i = 0
    /// How many `( … )` blocks (and `if`/`for` bodies) are open; past ``maxNesting`` parsing
    /// stops with a failure instead of recursing until the stack runs out.
    private var nesting = 0
    static let maxNesting = 64

    static let delimiters: Set<Unicode.Scalar> = [" ", "\t", ",", ";", "=", "\u{0B}", "\u{0C}"]

    init(_ text: LText) {
        var out: [PChar] = []
        var inQuote = false
        var k = 0
        while k < text.count {
            let ch = text[k]
            if ch.c == "\"" {
                inQuote.toggle()
                out.append(PChar(ch: ch, special: true))
            } else if inQuote {
                if ch.c == "\n" || ch.c == "\r" {
                    inQuote = false
                    out.append(PChar(ch: ch, special: true))
                } else {
                    out.append(PChar(ch: ch, special: false))
                }
            } else if ch.c == "^" {
                k += 1
                if k < text.count {
                    if text[k].c == "\n" || text[k].c == "\r" {
                        // A caret before the end of a line joins the lines.
                        if text[k].c == "\r", k + 1 < text.count, text[k + 1].c == "\n" { k += 1 }
                    } else {
                        out.append(PChar(ch: text[k], special: false))
                    }
                }
            } else {
                let special = "&|<>()\n\r".unicodeScalars.contains(ch.c)
                out.append(PChar(ch: ch, special: special))
            }
            k += 1
        }
        chars = out
    }

    /// Parses the whole text.
    mutating func parse() throws(Failure) -> CmdNode {
        let node = try parseSequence(inBlock: false)
        if i < chars.count { throw Failure(message: "a `)` closes a block that was never opened") }
        return node
    }

    private func isSpecial(_ k: Int, _ s: Unicode.Scalar) -> Bool {
        k < chars.count && chars[k].special && chars[k].c == s
    }

    private mutating func parseSequence(inBlock: Bool) throws(Failure) -> CmdNode {
        var items: [CmdNode] = []
        var pipe: [CmdNode] = []
        func flush() {
            if pipe.count == 1 { items.append(pipe[0]) } else if pipe.count > 1 { items.append(.pipe(pipe)) }
            pipe = []
        }
        while i < chars.count {
            if inBlock, isSpecial(i, ")") { break }
            if isSpecial(i, "&") || isSpecial(i, "\n") || isSpecial(i, "\r") {
                i += isSpecial(i + 1, "&") ? 2 : 1
                flush()
                continue
            }
            if isSpecial(i, "|") {
                if isSpecial(i + 1, "|") {
                    i += 2
                    flush()
                } else {
                    i += 1
                }
                continue
            }
            if let node = try parseCommand(inBlock: inBlock) { pipe.append(node) }
        }
        flush()
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func skipDelimiters() {
        while i < chars.count, !chars[i].special, Self.delimiters.contains(chars[i].c) || chars[i].c == "@" { i += 1 }
    }

    /// The word at `i` (without moving), lower-cased: letters only.
    private func peekWord() -> String {
        var k = i
        var s = ""
        while k < chars.count, !chars[k].special, !Self.delimiters.contains(chars[k].c), chars[k].c != "/" {
            s.unicodeScalars.append(chars[k].c)
            k += 1
        }
        return s.lowercased()
    }

    private mutating func parseCommand(inBlock: Bool) throws(Failure) -> CmdNode? {
        skipDelimiters()
        guard i < chars.count else { return nil }
        if isSpecial(i, "(") {
            i += 1
            guard nesting < Self.maxNesting else { throw Failure(message: "blocks are nested more than \(Self.maxNesting) deep") }
            nesting += 1
            defer { nesting -= 1 }
            let inner = try parseSequence(inBlock: true)
            guard isSpecial(i, ")") else { throw Failure(message: "a `(` block is never closed with `)`") }
            i += 1
            // Anything up to the next operator after `)` is ignored by cmd.exe.
            while i < chars.count, !(chars[i].special && "&|)\n\r".unicodeScalars.contains(chars[i].c)) { i += 1 }
            return inner
        }
        let word = peekWord()
        if word == "for" || word == "if" {
            guard nesting < Self.maxNesting else { throw Failure(message: "blocks are nested more than \(Self.maxNesting) deep") }
            nesting += 1
            defer { nesting -= 1 }
            return word == "for" ? try parseFor(inBlock: inBlock) : try parseIf(inBlock: inBlock)
        }
        if word == "rem" || word.hasPrefix("::") {
            while i < chars.count, !isSpecial(i, "\n") { i += 1 }
            return nil
        }
        var text: [PChar] = []
        var redirects: [(LText, Bool)] = []
        while i < chars.count {
            let p = chars[i]
            if p.special, "&|\n\r".unicodeScalars.contains(p.c) { break }
            if p.special, p.c == ")", inBlock { break }
            if p.special, p.c == "<" || p.c == ">" {
                let writes = p.c == ">"
                // A handle number written just before belongs to the redirection.
                if let last = text.last, last.c == "1" || last.c == "2", text.count >= 1 { text.removeLast() }
                i += 1
                if isSpecial(i, ">") { i += 1 }
                if i < chars.count, chars[i].c == "&" { i += 2; continue }
                while i < chars.count, !chars[i].special, chars[i].c == " " || chars[i].c == "\t" { i += 1 }
                var target = LText()
                var quoted = false
                while i < chars.count {
                    let q = chars[i]
                    if q.special, q.c == "\"" { quoted.toggle(); i += 1; continue }
                    if !quoted, q.special || q.c == " " || q.c == "\t" { break }
                    target.append(q.ch)
                    i += 1
                }
                redirects.append((target, writes))
                continue
            }
            text.append(p)
            i += 1
        }
        if text.isEmpty && redirects.isEmpty { return nil }
        return .simple(text, redirects: redirects)
    }

    private mutating func parseFor(inBlock: Bool) throws(Failure) -> CmdNode {
        var header: [PChar] = []
        i += 3
        var depth = 0
        while i < chars.count {
            let p = chars[i]
            if p.special, p.c == "(" { depth += 1 }
            if p.special, p.c == ")" {
                if depth == 0 { throw Failure(message: "a `for` loop's `( … )` list is not opened") }
                depth -= 1
                header.append(p)
                i += 1
                if depth == 0 {
                    skipDelimiters()
                    guard peekWord() == "do" else { throw Failure(message: "a `for` loop has no `do`") }
                    i += 2
                    let body = try parseSequence(inBlock: inBlock)
                    return .forLoop(header: header, body: body)
                }
                continue
            }
            if depth == 0, p.special, "&|\n\r".unicodeScalars.contains(p.c) { break }
            header.append(p)
            i += 1
        }
        throw Failure(message: "a `for` loop is missing its `( … )` list or its `do`")
    }

    /// A word of an `if` condition: up to a delimiter or `==`, quotes kept.
    private mutating func conditionWord() -> [PChar] {
        skipDelimiters()
        var w: [PChar] = []
        var quoted = false
        while i < chars.count {
            let p = chars[i]
            if p.special, p.c == "\"" { quoted.toggle() } else if !quoted {
                if p.special { break }
                if p.c == " " || p.c == "\t" || p.c == "," || p.c == ";" { break }
                if p.c == "=", i + 1 < chars.count, chars[i + 1].c == "=" { break }
            }
            w.append(p)
            i += 1
        }
        return w
    }

    private mutating func parseIf(inBlock: Bool) throws(Failure) -> CmdNode {
        i += 2
        var cond = IfCondition()
        var word = conditionWord()
        func lower(_ w: [PChar]) -> String { String(String.UnicodeScalarView(w.map(\.c))).lowercased() }
        if lower(word) == "/i" {
            cond.ignoreCase = true
            word = conditionWord()
        }
        if lower(word) == "not" {
            cond.negated = true
            word = conditionWord()
        }
        let w = lower(word)
        if ["exist", "defined", "errorlevel", "cmdextversion"].contains(w) {
            cond.op = w
            cond.lhs = conditionWord()
        } else {
            cond.lhs = word
            while i < chars.count, !chars[i].special, chars[i].c == " " || chars[i].c == "\t" { i += 1 }
            if i + 1 < chars.count, chars[i].c == "=", chars[i + 1].c == "=" {
                i += 2
                cond.op = "=="
            } else {
                cond.op = lower(conditionWord())
            }
            cond.rhs = conditionWord()
        }
        guard !cond.lhs.isEmpty else { throw Failure(message: "an `if` has no condition") }
        let body = try parseSequence(inBlock: inBlock)
        return .ifCommand(cond, body: body)
    }
}
