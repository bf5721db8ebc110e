/// Words: quoting, parameter expansion, command and process substitution, arithmetic.
extension ParserCore {
    enum WordMode: Equatable {
        /// An ordinary word: ends at an unquoted metacharacter.
        case normal
        /// Inside `${…}`: ends at `}` or one of `stops`; blanks are part of the word.
        case braceArgument(stops: [UInt8])
        /// A here-document body: everything up to `end`, `"` is literal.
        case hereDocumentBody
    }

    mutating func parseWord() throws -> Word {
        let start = pos
        let parts = try parseWordParts(mode: .normal)
        if parts.isEmpty { throw unexpected("looking for a word") }
        return Word(parts: parts, range: range(start))
    }

    /// The unquoted text of a word being read. While nothing in it has been escaped or dropped it is
    /// only a stretch of the input, `start..<sliceEnd`, and costs no copy; the first escape copies it
    /// into `buffer`, which then takes the rest.
    struct Literal {
        /// Where its source text starts (for the part's range).
        var start: Int
        var sliceEnd: Int
        var buffer: [UInt8] = []
        var copied = false

        init(at position: Int) {
            start = position
            sliceEnd = position
        }

        var isEmpty: Bool { copied ? buffer.isEmpty : sliceEnd == start }

        /// Input bytes `from..<to` taken as they are.
        @inline(__always) mutating func take(_ input: [UInt8], from: Int, to: Int) {
            if !copied, sliceEnd == from {
                sliceEnd = to
            } else {
                copy(input)
                buffer.append(contentsOf: input[from..<to])
            }
        }

        /// A byte that is not the input's byte at this place (an escape's value).
        mutating func append(_ byte: UInt8, input: [UInt8]) {
            copy(input)
            buffer.append(byte)
        }

        mutating func append(contentsOf text: String, input: [UInt8]) {
            copy(input)
            buffer.append(contentsOf: text.utf8)
        }

        mutating func copy(_ input: [UInt8]) {
            guard !copied else { return }
            buffer.append(contentsOf: input[start..<sliceEnd])
            copied = true
        }

        /// Moves the text read so far into `parts` as one `.literal` part and starts again at `next`.
        mutating func flush(into parts: inout [WordPart], input: [UInt8], now: Int, base: Int, next: Int) {
            if !isEmpty {
                let text = copied ? String(decoding: buffer, as: UTF8.self) : String(decoding: input[start..<sliceEnd], as: UTF8.self)
                parts.append(.literal(text, SourceRange(base + start, base + now)))
            }
            buffer.removeAll(keepingCapacity: true)
            copied = false
            start = next
            sliceEnd = next
        }
    }

    /// Whether a byte is ordinary text in an unquoted word (ends no word and starts no quoting or expansion).
    @inline(__always) static func isPlainWordByte(_ b: UInt8) -> Bool {
        !Byte.isMeta(b) && b != Byte.backslash && b != Byte.singleQuote && b != Byte.doubleQuote
            && b != Byte.backquote && b != Byte.dollar
    }

    mutating func parseWordParts(mode: WordMode) throws -> [WordPart] {
        try enter()
        defer { leave() }
        var parts: [WordPart] = []
        var literal = Literal(at: pos)
        var braceDepth = 0
        let normal = mode == .normal
        let hereDocumentBody = mode == .hereDocumentBody

        while pos < end {
            let b = bytes[pos]
            switch mode {
            case .normal:
                if Byte.isMeta(b) {
                    if (b == Byte.less || b == Byte.greater), peek(1) == Byte.openParen, parts.isEmpty, literal.isEmpty {
                        parts.append(try parseProcessSubstitution())
                        literal = Literal(at: pos)
                        continue
                    }
                    literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                    return parts
                }
            case .braceArgument(let stops):
                if b == Byte.closeBrace, braceDepth == 0 {
                    literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                    return parts
                }
                if braceDepth == 0, stops.contains(b) {
                    literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                    return parts
                }
                if b == Byte.openBrace { braceDepth += 1 }
                if b == Byte.closeBrace { braceDepth -= 1 }
            case .hereDocumentBody:
                break
            }
            switch b {
            case Byte.backslash:
                guard pos + 1 < end else {
                    if hereDocumentBody {
                        literal.take(bytes, from: pos, to: pos + 1)
                        pos += 1
                        continue
                    }
                    throw failure(.incomplete, "a trailing `\\` continues the line")
                }
                let next = bytes[pos + 1]
                if next == Byte.newline {
                    literal.copy(bytes)
                    pos += 2
                    continue
                }
                if hereDocumentBody, next != Byte.dollar, next != Byte.backquote, next != Byte.backslash {
                    literal.take(bytes, from: pos, to: pos + 1)
                    pos += 1
                    continue
                }
                literal.append(next, input: bytes)
                pos += 2
            case Byte.singleQuote where !hereDocumentBody:
                literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                parts.append(try parseSingleQuoted())
                literal = Literal(at: pos)
            case Byte.doubleQuote where !hereDocumentBody:
                literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                parts.append(try parseDoubleQuoted())
                literal = Literal(at: pos)
            case Byte.backquote:
                literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                parts.append(try parseBackquote())
                literal = Literal(at: pos)
            case Byte.dollar:
                literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                let part = try parseDollar(inHereDocument: hereDocumentBody)
                if case .literal(let s, _) = part {
                    literal = Literal(at: pos - 1)
                    literal.append(contentsOf: s, input: bytes)
                } else {
                    parts.append(part)
                    literal = Literal(at: pos)
                }
            default:
                // A run of ordinary bytes is taken at once (most words are nothing else).
                var e = pos + 1
                if normal {
                    while e < end, Self.isPlainWordByte(bytes[e]) { e += 1 }
                }
                literal.take(bytes, from: pos, to: e)
                pos = e
            }
        }
        if case .braceArgument = mode { throw failure(.incomplete, "looking for `}` to close `${`") }
        literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
        return parts
    }

    /// `'…'`
    mutating func parseSingleQuoted() throws -> WordPart {
        let start = pos
        pos += 1
        let contentStart = pos
        while pos < end, bytes[pos] != Byte.singleQuote { pos += 1 }
        guard pos < end else { throw failure(.incomplete, "a `'` quote is not closed", at: start) }
        let text = String(decoding: bytes[contentStart..<pos], as: UTF8.self)
        pos += 1
        return .singleQuoted(text, range(start))
    }

    /// `"…"`
    mutating func parseDoubleQuoted() throws -> WordPart {
        let start = pos
        pos += 1
        let parts = try parseDoubleQuotedContent(opening: start)
        return .doubleQuoted(parts, range(start))
    }

    /// The inside of `"…"`, consuming the closing quote.
    mutating func parseDoubleQuotedContent(opening: Int) throws -> [WordPart] {
        try enter()
        defer { leave() }
        var parts: [WordPart] = []
        var literal = Literal(at: pos)
        while pos < end {
            let b = bytes[pos]
            switch b {
            case Byte.doubleQuote:
                literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                pos += 1
                return parts
            case Byte.backslash:
                guard pos + 1 < end else { throw failure(.incomplete, "a `\"` quote is not closed", at: opening) }
                let next = bytes[pos + 1]
                switch next {
                case Byte.newline:
                    literal.copy(bytes)
                    pos += 2
                case Byte.dollar, Byte.backquote, Byte.doubleQuote, Byte.backslash:
                    literal.append(next, input: bytes)
                    pos += 2
                default:
                    literal.take(bytes, from: pos, to: pos + 1)
                    pos += 1
                }
            case Byte.backquote:
                literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                parts.append(try parseBackquote())
                literal = Literal(at: pos)
            case Byte.dollar:
                literal.flush(into: &parts, input: bytes, now: pos, base: base, next: pos)
                let part = try parseDollar(inDoubleQuotes: true)
                if case .literal(let s, _) = part {
                    literal = Literal(at: pos - s.utf8.count)
                    literal.append(contentsOf: s, input: bytes)
                } else {
                    parts.append(part)
                    literal = Literal(at: pos)
                }
            default:
                // A run of bytes with no special meaning inside double quotes.
                var e = pos + 1
                while e < end, bytes[e] != Byte.doubleQuote, bytes[e] != Byte.backslash, bytes[e] != Byte.backquote,
                    bytes[e] != Byte.dollar
                {
                    e += 1
                }
                literal.take(bytes, from: pos, to: e)
                pos = e
            }
        }
        throw failure(.incomplete, "a `\"` quote is not closed", at: opening)
    }

    /// Everything that starts with `$`.
    mutating func parseDollar(inDoubleQuotes: Bool = false, inHereDocument: Bool = false) throws -> WordPart {
        let start = pos
        guard let next = peek(1) else {
            pos += 1
            return .literal("$", range(start))
        }
        switch next {
        case Byte.singleQuote where !inDoubleQuotes && !inHereDocument:
            return try parseAnsiC()
        case Byte.doubleQuote where !inDoubleQuotes && !inHereDocument:
            pos += 2
            let parts = try parseDoubleQuotedContent(opening: start)
            return .localeQuoted(parts, range(start))
        case Byte.openBrace:
            return .parameter(try parseBracedParameter())
        case Byte.openParen:
            if peek(2) == Byte.openParen {
                let saved = pos
                pos += 3
                // Arithmetic can hold `$((…))` inside it: each level counts as nesting.
                try enter()
                defer { leave() }
                if let text = try? scanArithmetic(closing: 2) {
                    return .arithmetic(text, range(start))
                }
                pos = saved
            }
            pos += 2
            try enter()
            defer { leave() }
            let script = try parseList(stop: [.paren])
            try skipLinebreaks()
            guard peek() == Byte.closeParen else { throw unexpected("looking for `)` to close `$(`") }
            pos += 1
            return .commandSubstitution(script, backquoted: false, range(start))
        case Byte.openBracket:
            pos += 2
            try enter()
            defer { leave() }
            let text = try scanArithmetic(closing: 1)
            return .arithmetic(text, range(start))
        default:
            if Byte.isNameStart(next) {
                pos += 1
                let nameStart = pos
                while pos < end, Byte.isNameChar(bytes[pos]) { pos += 1 }
                let name = String(decoding: bytes[nameStart..<pos], as: UTF8.self)
                return .parameter(ParameterExpansion(
                    name: name, index: nil, length: false, indirect: false, op: nil, argument: nil,
                    secondArgument: nil, braced: false, range: range(start)))
            }
            if Byte.isDigit(next) || Byte.isSpecialParameter(next) || next == UInt8(ascii: "0") {
                pos += 2
                return .parameter(ParameterExpansion(
                    name: String(UnicodeScalar(next)), index: nil, length: false, indirect: false, op: nil,
                    argument: nil, secondArgument: nil, braced: false, range: range(start)))
            }
            pos += 1
            return .literal("$", range(start))
        }
    }

    /// `${…}`
    mutating func parseBracedParameter() throws -> ParameterExpansion {
        let start = pos
        pos += 2
        var length = false
        var indirect = false
        if peek() == Byte.hash, let n = peek(1), n != Byte.closeBrace, n != UInt8(ascii: ":") {
            length = true
            pos += 1
        } else if peek() == UInt8(ascii: "!"), let n = peek(1), n != Byte.closeBrace {
            indirect = true
            pos += 1
        }
        let nameStart = pos
        if let b = peek(), Byte.isNameStart(b) {
            while pos < end, Byte.isNameChar(bytes[pos]) { pos += 1 }
        } else if let b = peek(), Byte.isDigit(b) {
            while pos < end, Byte.isDigit(bytes[pos]) { pos += 1 }
        } else if let b = peek(), Byte.isSpecialParameter(b) {
            pos += 1
        }
        var name = String(decoding: bytes[nameStart..<pos], as: UTF8.self)
        var index: String? = nil
        if peek() == Byte.openBracket, !name.isEmpty {
            let indexStart = pos + 1
            var depthBracket = 0
            while pos < end {
                if bytes[pos] == Byte.openBracket { depthBracket += 1 }
                if bytes[pos] == Byte.closeBracket {
                    depthBracket -= 1
                    if depthBracket == 0 { break }
                }
                pos += 1
            }
            guard pos < end else { throw failure(.incomplete, "looking for `]` in `${…}`") }
            index = String(decoding: bytes[indexStart..<pos], as: UTF8.self)
            pos += 1
        }
        if indirect, let b = peek(), b == UInt8(ascii: "*") || b == UInt8(ascii: "@"), peek(1) == Byte.closeBrace {
            pos += 1
        }
        func make(_ op: ParameterExpansion.Operator?, _ a: Word?, _ b: Word?, _ core: ParserCore) -> ParameterExpansion {
            ParameterExpansion(
                name: name, index: index, length: length, indirect: indirect, op: op, argument: a,
                secondArgument: b, braced: true, range: core.range(start))
        }
        guard let b = peek() else { throw failure(.incomplete, "looking for `}` to close `${`") }
        if b == Byte.closeBrace {
            pos += 1
            if name.isEmpty { name = "" }
            return make(nil, nil, nil, self)
        }
        if name.isEmpty {
            // Not a valid parameter: bash reports "bad substitution" only when it runs. Keep the text.
            let raw = try skipToClosingBrace(start: start)
            name = raw
            return make(nil, nil, nil, self)
        }
        let op: ParameterExpansion.Operator
        var stops: [UInt8] = []
        var second = false
        switch b {
        case UInt8(ascii: ":"):
            switch peek(1) {
            case UInt8(ascii: "-"): op = .useDefault; pos += 2
            case UInt8(ascii: "="): op = .assignDefault; pos += 2
            case UInt8(ascii: "?"): op = .errorIfNull; pos += 2
            case UInt8(ascii: "+"): op = .alternative; pos += 2
            default:
                op = .substring
                pos += 1
                stops = [UInt8(ascii: ":")]
                second = true
            }
        case UInt8(ascii: "-"): op = .useDefaultUnset; pos += 1
        case UInt8(ascii: "="): op = .assignDefaultUnset; pos += 1
        case UInt8(ascii: "?"): op = .errorIfUnset; pos += 1
        case UInt8(ascii: "+"): op = .alternativeUnset; pos += 1
        case Byte.hash:
            if peek(1) == Byte.hash { op = .removeLargestPrefix; pos += 2 } else { op = .removeSmallestPrefix; pos += 1 }
        case UInt8(ascii: "%"):
            if peek(1) == UInt8(ascii: "%") { op = .removeLargestSuffix; pos += 2 } else { op = .removeSmallestSuffix; pos += 1 }
        case UInt8(ascii: "/"):
            switch peek(1) {
            case UInt8(ascii: "/"): op = .replaceAll; pos += 2
            case Byte.hash: op = .replacePrefix; pos += 2
            case UInt8(ascii: "%"): op = .replaceSuffix; pos += 2
            default: op = .replaceFirst; pos += 1
            }
            stops = [UInt8(ascii: "/")]
            second = true
        case UInt8(ascii: "^"):
            if peek(1) == UInt8(ascii: "^") { op = .upperAll; pos += 2 } else { op = .upperFirst; pos += 1 }
        case UInt8(ascii: ","):
            if peek(1) == UInt8(ascii: ",") { op = .lowerAll; pos += 2 } else { op = .lowerFirst; pos += 1 }
        case UInt8(ascii: "@"):
            op = .transform
            pos += 1
        default:
            _ = try skipToClosingBrace(start: start)
            return make(nil, nil, nil, self)
        }
        let argStart = pos
        let argParts = try parseWordParts(mode: .braceArgument(stops: stops))
        let argument = Word(parts: argParts, range: range(argStart))
        var secondWord: Word? = nil
        if second, peek() != Byte.closeBrace, pos < end {
            pos += 1
            let secondStart = pos
            let parts = try parseWordParts(mode: .braceArgument(stops: []))
            secondWord = Word(parts: parts, range: range(secondStart))
        }
        guard peek() == Byte.closeBrace else { throw failure(.incomplete, "looking for `}` to close `${`") }
        pos += 1
        return make(op, argument, secondWord, self)
    }

    /// Skips to the `}` that closes `${`, honouring quotes; returns the text inside.
    mutating func skipToClosingBrace(start: Int) throws -> String {
        let contentStart = start + 2
        _ = try parseWordParts(mode: .braceArgument(stops: []))
        guard peek() == Byte.closeBrace else { throw failure(.incomplete, "looking for `}` to close `${`") }
        let text = String(decoding: bytes[contentStart..<pos], as: UTF8.self)
        pos += 1
        return text
    }

    /// `$'…'`, decoded.
    mutating func parseAnsiC() throws -> WordPart {
        let start = pos
        pos += 2
        var out: [UInt8] = []
        while pos < end {
            let b = bytes[pos]
            if b == Byte.singleQuote {
                pos += 1
                return .ansiCQuoted(String(decoding: out, as: UTF8.self), range(start))
            }
            if b == Byte.backslash, pos + 1 < end {
                pos += 1
                AnsiC.decodeEscape(bytes, &pos, end, into: &out)
                continue
            }
            out.append(b)
            pos += 1
        }
        throw failure(.incomplete, "a `$'` quote is not closed", at: start)
    }

    /// `` `…` ``: unescaped, then parsed as a script of its own.
    mutating func parseBackquote() throws -> WordPart {
        let start = pos
        pos += 1
        var content: [UInt8] = []
        while pos < end {
            let b = bytes[pos]
            if b == Byte.backquote {
                pos += 1
                try enter()
                defer { leave() }
                var inner = ParserCore(bytes: content, limits: limits, base: base + start + 1)
                inner.depth = depth
                let script = try inner.parseProgram()
                hereDocuments.merge(inner.hereDocuments) { a, _ in a }
                return .commandSubstitution(script, backquoted: true, range(start))
            }
            if b == Byte.backslash, pos + 1 < end {
                let next = bytes[pos + 1]
                if next == Byte.backquote || next == Byte.dollar || next == Byte.backslash {
                    content.append(next)
                    pos += 2
                    continue
                }
            }
            content.append(b)
            pos += 1
        }
        throw failure(.incomplete, "a backquote is not closed", at: start)
    }

    /// `<(…)` or `>(…)`
    mutating func parseProcessSubstitution() throws -> WordPart {
        let start = pos
        let isInput = bytes[pos] == Byte.less
        pos += 2
        let script = try parseList(stop: [.paren])
        try skipLinebreaks()
        guard peek() == Byte.closeParen else { throw unexpected("looking for `)` to close a process substitution") }
        pos += 1
        return .processSubstitution(script, isInput: isInput, range(start))
    }
}

/// Decoding of `$'…'` escapes (also used for `echo -e` and `printf`).
public enum AnsiC {
    /// Decodes the escape after a backslash at `pos` (which points past the backslash).
    static func decodeEscape(_ bytes: [UInt8], _ pos: inout Int, _ end: Int, into out: inout [UInt8]) {
        let c = bytes[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "a"): out.append(7)
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "e"), UInt8(ascii: "E"): out.append(27)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "t"): out.append(9)
        case UInt8(ascii: "v"): out.append(11)
        case UInt8(ascii: "x"):
            var value = 0
            var n = 0
            while n < 2, pos < end, let d = hexValue(bytes[pos]) {
                value = value * 16 + d
                pos += 1
                n += 1
            }
            if n == 0 { out.append(contentsOf: [Byte.backslash, c]) } else { out.append(UInt8(value)) }
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let maxDigits = c == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            var n = 0
            while n < maxDigits, pos < end, let d = hexValue(bytes[pos]) {
                value = value * 16 + UInt32(d)
                pos += 1
                n += 1
            }
            if n == 0 {
                out.append(contentsOf: [Byte.backslash, c])
            } else if let scalar = Unicode.Scalar(value) {
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
        case UInt8(ascii: "c"):
            if pos < end {
                out.append(bytes[pos] & 0x1F)
                pos += 1
            }
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = Int(c - UInt8(ascii: "0"))
            var n = 1
            while n < 3, pos < end, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "7") {
                value = value * 8 + Int(bytes[pos] - UInt8(ascii: "0"))
                pos += 1
                n += 1
            }
            out.append(UInt8(value & 0xFF))
        case Byte.backslash, Byte.singleQuote, Byte.doubleQuote, UInt8(ascii: "?"):
            out.append(c)
        default:
            out.append(contentsOf: [Byte.backslash, c])
        }
    }

    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Decodes every backslash escape in `text` the way `$'…'` does.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var pos = 0
        while pos < bytes.count {
            if bytes[pos] == Byte.backslash, pos + 1 < bytes.count {
                pos += 1
                decodeEscape(bytes, &pos, bytes.count, into: &out)
            } else {
                out.append(bytes[pos])
                pos += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
