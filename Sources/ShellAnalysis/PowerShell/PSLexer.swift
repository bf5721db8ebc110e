/// Splits PowerShell source into tokens. Mode-free: the parser decides whether `-x` is a parameter
/// or an operator.
struct PSLexer {
    struct Failure: Error { var message: String; var range: SourceRange }

    private let s: [Unicode.Scalar]
    private let offsets: [Int]
    private var i = 0
    private var tokens: [PSToken] = []

    init(_ source: String, origin: Int) {
        s = Array(source.unicodeScalars)
        var o: [Int] = []
        o.reserveCapacity(s.count + 1)
        var off = origin
        for u in s {
            o.append(off)
            off += UTF8.width(u)
        }
        o.append(off)
        offsets = o
    }

    private func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }
    private func range(_ a: Int, _ b: Int) -> SourceRange { SourceRange(offsets[a], offsets[min(b, s.count)]) }

    static func isDash(_ c: Unicode.Scalar?) -> Bool { c == "-" || c == "\u{2013}" || c == "\u{2014}" }
    static func isQuote1(_ c: Unicode.Scalar?) -> Bool { c == "'" || c == "\u{2018}" || c == "\u{2019}" }
    static func isQuote2(_ c: Unicode.Scalar?) -> Bool { c == "\"" || c == "\u{201C}" || c == "\u{201D}" }
    static func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\u{A0}" || c == "\u{0B}" || c == "\u{0C}" }
    static let wordStops: Set<Unicode.Scalar> = ["(", ")", "{", "}", ";", ",", "|", "&", "\"", "'", "$", " ", "\t", "\n", "\r", "[", "]", "<", ">"]

    static func escape(_ c: Unicode.Scalar) -> Unicode.Scalar {
        switch c {
        case "0": "\0"
        case "a": "\u{07}"
        case "b": "\u{08}"
        case "f": "\u{0C}"
        case "n": "\n"
        case "r": "\r"
        case "t": "\t"
        case "v": "\u{0B}"
        default: c
        }
    }

    private var lastEndsExpression: Bool {
        guard let t = tokens.last else { return false }
        switch t.kind {
        case .variable, .literal, .expandable, .member, .staticMember, .number: return true
        case .op: return t.text == ")" || t.text == "]" || t.text == "}"
        case .word: return true
        default: return false
        }
    }

    mutating func tokenize() throws(Failure) -> [PSToken] {
        var space = true
        while i < s.count {
            let c = s[i]
            let start = i
            if Self.isBlank(c) { i += 1; space = true; continue }
            if c == "`", peek(1) == "\n" || peek(1) == "\r" {
                i += 2
                if s[i - 1] == "\r", peek() == "\n" { i += 1 }
                space = true
                continue
            }
            if c == "#" {
                while i < s.count, s[i] != "\n" { i += 1 }
                continue
            }
            if c == "<", peek(1) == "#" {
                i += 2
                while i < s.count, !(s[i] == "#" && peek(1) == ">") { i += 1 }
                guard i < s.count else { throw Failure(message: "a `<#` comment is never closed", range: range(start, s.count)) }
                i += 2
                space = true
                continue
            }
            if c == "\n" || c == "\r" {
                i += 1
                add(.newline, "\n", start, space)
                space = true
                continue
            }
            if Self.isQuote1(c) {
                i += 1
                add(.literal, try singleQuoted(start), start, space)
            } else if Self.isQuote2(c) {
                i += 1
                let (text, parts) = try doubleQuoted(start, hereString: false)
                add(.expandable, text, start, space, parts: parts)
            } else if c == "@", Self.isQuote1(peek(1)) || Self.isQuote2(peek(1)) {
                try hereString(start, space)
            } else if c == "$" {
                if peek(1) == "(" {
                    i += 2
                    add(.op, "$(", start, space)
                } else {
                    i += 1
                    add(.variable, try variableName(start), start, space)
                }
            } else if c == "@", peek(1) == "(" || peek(1) == "{" {
                i += 2
                add(.op, "@" + String(s[i - 1]), start, space)
            } else if c == ".", !space, lastEndsExpression, let n = peek(1), n.properties.isAlphabetic || n == "_" {
                i += 1
                add(.member, word(), start, space)
            } else if c == ":", peek(1) == ":" {
                i += 2
                add(.staticMember, word(), start, space)
            } else if Self.isDash(c), let n = peek(1), n.properties.isAlphabetic || n == "_" {
                i += 1
                let w = word(allowColon: true)
                add(.dash, "-" + w, start, space)
            } else if c.properties.numericType != nil, c.isASCII, let n = numberAt() {
                add(.number, String(n), start, space)
            } else if c == ".", peek(1) == "\\" || peek(1) == "/" {
                let (w, escaped) = wordWithEscapes()
                add(.word, w, start, space)
                tokens[tokens.count - 1].escaped = escaped
            } else if let op = operatorAt() {
                i += op.unicodeScalars.count
                add(.op, op, start, space)
            } else {
                var t = add(.word, "", start, space)
                let (w, escaped) = wordWithEscapes()
                t.text = w
                t.escaped = escaped
                t.range = range(start, i)
                tokens[tokens.count - 1] = t
            }
            // Every turn consumes at least one character, or the lexer stops here.
            guard i > start else { throw Failure(message: "Escort could not read past `\(String(c))`", range: range(start, s.count)) }
            space = false
        }
        tokens.append(PSToken(kind: .end, text: "", range: range(s.count, s.count), spaceBefore: true))
        return tokens
    }

    @discardableResult
    private mutating func add(_ kind: PSToken.Kind, _ text: String, _ start: Int, _ space: Bool, parts: [PSToken.Part] = []) -> PSToken {
        let t = PSToken(kind: kind, text: text, range: range(start, i), spaceBefore: space, parts: parts)
        tokens.append(t)
        return t
    }

    private mutating func operatorAt() -> String? {
        for op in ["&&", "||", "::", "+=", "-=", "*=", "/=", "++", "--", "..", ">>", "2>&1", "2>", "*>"] {
            let u = Array(op.unicodeScalars)
            if i + u.count <= s.count, Array(s[i..<(i + u.count)]) == u { return op }
        }
        let c = s[i]
        if "(){}[],;|&=+*/%!<>.".unicodeScalars.contains(c) { return String(c) }
        if Self.isDash(c) { return "-" }
        return nil
    }

    /// A number at `i` (`73`, `0x49`, `1kb`), unless the word goes on (`10.0.0.1`, `7zip`).
    private mutating func numberAt() -> Int? {
        var j = i
        while j < s.count, s[j].properties.isAlphabetic || s[j].properties.numericType != nil { j += 1 }
        if j < s.count, s[j] == ".", j + 1 < s.count, s[j + 1] != "." { return nil }
        if j < s.count, !Self.wordStops.contains(s[j]), s[j] != ".", s[j] != "=", s[j] != "+", s[j] != "-", s[j] != "*", s[j] != "/", s[j] != "%", s[j] != "!" { return nil }
        guard let v = Self.number(String(String.UnicodeScalarView(s[i..<j]))) else { return nil }
        i = j
        return v
    }

    static func number(_ w: String) -> Int? {
        let l = w.lowercased()
        if l.hasPrefix("0x") { return Int(l.dropFirst(2), radix: 16) }
        var body = Substring(l)
        var mult = 1
        for (suffix, m) in [("kb", 1024), ("mb", 1 << 20), ("gb", 1 << 30)] where body.hasSuffix(suffix) {
            body = body.dropLast(2)
            mult = m
        }
        return Int(body).map { $0 * mult }
    }

    private mutating func word(allowColon: Bool = false) -> String {
        var w = ""
        while i < s.count {
            let c = s[i]
            if Self.wordStops.contains(c) || c == "." || c == "=" || (c == ":" && !allowColon) { break }
            if c == ":" {
                w.unicodeScalars.append(c)
                i += 1
                break
            }
            if c == "`", i + 1 < s.count { i += 1 }
            w.unicodeScalars.append(s[i])
            i += 1
        }
        return w
    }

    private mutating func wordWithEscapes() -> (String, Bool) {
        var w = ""
        var escaped = false
        while i < s.count {
            let c = s[i]
            // In a bare word, a `$` that cannot start a variable is a `$` (`\\host\C$`, `ADMIN$\x`):
            // PowerShell keeps it in the word, and so must the reader, or the share's name is lost.
            if c == "$", !Self.startsVariable(peek(1)) {
                w.unicodeScalars.append(c)
                i += 1
                continue
            }
            if Self.wordStops.contains(c) || Self.isQuote1(c) || Self.isQuote2(c) { break }
            if c == "`" {
                escaped = true
                i += 1
                if i < s.count { w.unicodeScalars.append(s[i]); i += 1 }
                continue
            }
            w.unicodeScalars.append(c)
            i += 1
        }
        if w.isEmpty, i < s.count {
            w.unicodeScalars.append(s[i])
            i += 1
        }
        return (w, escaped)
    }

    /// Whether the character after a `$` makes it a variable or a sub-expression.
    static func startsVariable(_ next: Unicode.Scalar?) -> Bool {
        guard let n = next else { return false }
        return n.properties.isAlphabetic || n.properties.numericType != nil || "_?^${(:".unicodeScalars.contains(n)
    }

    private mutating func variableName(_ start: Int) throws(Failure) -> String {
        if peek() == "{" {
            i += 1
            var n = ""
            while i < s.count, s[i] != "}" {
                if s[i] == "`", i + 1 < s.count { i += 1 }
                n.unicodeScalars.append(s[i])
                i += 1
            }
            guard i < s.count else { throw Failure(message: "a `${` variable name is never closed", range: range(start, i)) }
            i += 1
            return n
        }
        var n = ""
        if let c = peek(), c == "_" || c == "?" || c == "^" || c == "$" {
            i += 1
            if c != "_" { return String(c) }
            n = "_"
        }
        while let c = peek(), c.properties.isAlphabetic || c.properties.numericType != nil || c == "_" || (c == ":" && peek(1) != ":" && !n.isEmpty && !n.contains(":")) {
            n.unicodeScalars.append(c)
            i += 1
        }
        return n
    }

    private mutating func singleQuoted(_ start: Int) throws(Failure) -> String {
        var v = ""
        while i < s.count {
            if Self.isQuote1(s[i]) {
                if Self.isQuote1(peek(1)) {
                    v.append("'")
                    i += 2
                    continue
                }
                i += 1
                return v
            }
            v.unicodeScalars.append(s[i])
            i += 1
        }
        throw Failure(message: "a single-quoted string is never closed", range: range(start, s.count))
    }

    /// Reads `"…"` (after the opening quote): backtick escapes, `$var`, `$(…)`.
    private mutating func doubleQuoted(_ start: Int, hereString: Bool) throws(Failure) -> (String, [PSToken.Part]) {
        var parts: [PSToken.Part] = []
        var lit = ""
        func flush() {
            if !lit.isEmpty { parts.append(.text(lit)); lit = "" }
        }
        while i < s.count {
            let c = s[i]
            if hereString {
                if c == "\n", Self.isQuote2(peek(1)), peek(2) == "@" {
                    i += 3
                    flush()
                    return (Self.join(parts), parts)
                }
            } else if Self.isQuote2(c) {
                if Self.isQuote2(peek(1)) {
                    lit.append("\"")
                    i += 2
                    continue
                }
                i += 1
                flush()
                return (Self.join(parts), parts)
            }
            if c == "`", i + 1 < s.count {
                lit.unicodeScalars.append(Self.escape(s[i + 1]))
                i += 2
                continue
            }
            if c == "$", peek(1) == "(" {
                flush()
                let codeStart = i + 2
                i += 2
                var depth = 1
                while i < s.count, depth > 0 {
                    if s[i] == "(" { depth += 1 }
                    if s[i] == ")" { depth -= 1 }
                    i += 1
                }
                guard depth == 0 else { throw Failure(message: "a `$(` inside a string is never closed", range: range(start, s.count)) }
                let code = String(String.UnicodeScalarView(s[codeStart..<(i - 1)]))
                parts.append(.subexpression(code, origin: offsets[codeStart]))
                continue
            }
            if c == "$", let n = peek(1), n.properties.isAlphabetic || n == "_" || n == "{" {
                flush()
                i += 1
                parts.append(.variable(try variableName(i - 1)))
                continue
            }
            lit.unicodeScalars.append(c)
            i += 1
        }
        throw Failure(message: "a double-quoted string is never closed", range: range(start, s.count))
    }

    private mutating func hereString(_ start: Int, _ space: Bool) throws(Failure) {
        let expandable = Self.isQuote2(s[i + 1])
        i += 2
        while i < s.count, s[i] != "\n" { i += 1 }
        i += 1
        if expandable {
            let (text, parts) = try doubleQuoted(start, hereString: true)
            add(.expandable, text, start, space, parts: parts)
            return
        }
        var v = ""
        while i < s.count {
            if s[i] == "\n", Self.isQuote1(peek(1)), peek(2) == "@" {
                i += 3
                add(.literal, v.hasSuffix("\r") ? String(v.dropLast()) : v, start, space)
                return
            }
            v.unicodeScalars.append(s[i])
            i += 1
        }
        throw Failure(message: "a here-string `@'` is never closed with `'@`", range: range(start, s.count))
    }

    static func join(_ parts: [PSToken.Part]) -> String {
        parts.map {
            switch $0 {
            case .text(let t): t
            case .variable(let v): "$" + v
            case .subexpression(let c, _): "$(" + c + ")"
            }
        }.joined()
    }
}
