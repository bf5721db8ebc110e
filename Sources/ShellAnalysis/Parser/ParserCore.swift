/// The recursive-descent parser. Works on UTF-8 bytes; one instance parses one input.
struct ParserCore {
    let bytes: [UInt8]
    let limits: ParserLimits
    /// Position of the next unread byte.
    var pos = 0
    /// Where reading stops (the end of the input, or of a here-document body being parsed).
    var end: Int
    var depth = 0
    /// Here-documents whose bodies start after the next newline, in order.
    var pendingHereDocuments: [(key: Int, delimiter: String, quoted: Bool, stripTabs: Bool)] = []
    var hereDocuments: [Int: HereDocument] = [:]
    /// Offset added to every range (for sub-parsers of backquoted text).
    let base: Int

    init(bytes: [UInt8], limits: ParserLimits, base: Int = 0) {
        self.bytes = bytes
        self.limits = limits
        self.end = bytes.count
        self.base = base
    }

    // MARK: - Errors

    func failure(_ kind: ParseFailure.Kind, _ message: String, at offset: Int? = nil) -> ParseFailure {
        ParseFailure(kind: kind, message: message, offset: base + (offset ?? pos))
    }

    /// An error that is `incomplete` when the input ran out, a syntax error otherwise.
    func unexpected(_ expecting: String) -> ParseFailure {
        if pos >= end {
            return failure(.incomplete, "input ended while \(expecting)")
        }
        return failure(.syntaxError, "unexpected \(describeToken()) while \(expecting)")
    }

    func describeToken() -> String {
        guard pos < end else { return "end of input" }
        if bytes[pos] == Byte.newline { return "newline" }
        var e = pos
        while e < end, e - pos < 12, !Byte.isBlank(bytes[e]), bytes[e] != Byte.newline { e += 1 }
        if e == pos { e = pos + 1 }
        return "`" + String(decoding: bytes[pos..<e], as: UTF8.self) + "`"
    }

    mutating func enter() throws {
        depth += 1
        if depth > limits.maxDepth {
            throw failure(.tooComplex, "nesting deeper than \(limits.maxDepth) levels")
        }
    }

    mutating func leave() { depth -= 1 }

    func range(_ start: Int) -> SourceRange { SourceRange(base + start, base + pos) }

    // MARK: - Low-level reading

    @inline(__always) func peek(_ offset: Int = 0) -> UInt8? {
        let i = pos + offset
        return i < end ? bytes[i] : nil
    }

    @inline(__always) func at(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard pos + n <= end else { return false }
        return s.withUTF8Buffer { buf in
            for i in 0..<n where bytes[pos + i] != buf[i] { return false }
            return true
        }
    }

    /// Skips blanks, line continuations and (when `comments`) a comment.
    mutating func skipBlanks(comments: Bool = true) throws {
        while pos < end {
            let b = bytes[pos]
            if Byte.isBlank(b) {
                pos += 1
            } else if b == Byte.backslash, pos + 1 < end, bytes[pos + 1] == Byte.newline {
                pos += 2
            } else if b == Byte.backslash, pos + 1 == end {
                throw failure(.incomplete, "a trailing `\\` continues the line")
            } else if b == Byte.hash, comments {
                while pos < end, bytes[pos] != Byte.newline { pos += 1 }
            } else {
                break
            }
        }
    }

    /// Consumes one newline and reads any here-document bodies that start after it.
    mutating func consumeNewline() throws {
        pos += 1
        if !pendingHereDocuments.isEmpty { try readHereDocumentBodies() }
    }

    /// Skips blanks, comments and newlines (the grammar's `linebreak`).
    mutating func skipLinebreaks() throws {
        while true {
            try skipBlanks()
            if pos < end, bytes[pos] == Byte.newline {
                try consumeNewline()
            } else {
                return
            }
        }
    }

    // MARK: - Program and lists

    mutating func parseProgram() throws -> Script {
        // A script's top-level list has about one item a line: room for them at once spares the
        // list's many regrowths (and, for a long script, the allocator's work after each).
        var lines = 1
        for b in bytes where b == Byte.newline { lines += 1 }
        let script = try parseList(stop: .none, expected: min(lines, 1 << 16))
        try skipLinebreaks()
        if pos < end {
            throw failure(.syntaxError, "unexpected \(describeToken())")
        }
        if !pendingHereDocuments.isEmpty {
            throw failure(.incomplete, "here-document waiting for its delimiter `\(pendingHereDocuments[0].delimiter)`")
        }
        return script
    }

    /// What ends a list besides the end of input.
    struct Stop: OptionSet {
        let rawValue: Int
        static let none: Stop = []
        /// `)` ends the list (subshells, `$(…)`).
        static let paren = Stop(rawValue: 1)
        /// `;;`, `;&`, `;;&` end the list (case items).
        static let caseEnd = Stop(rawValue: 2)
        /// A reserved word in command position (`then`, `fi`, `do`, `done`, `}`, …) ends the list.
        static let keyword = Stop(rawValue: 4)
    }

    static let closingWords: Set<String> = ["then", "else", "elif", "fi", "do", "done", "esac", "}"]

    /// Parses `and-or` lists separated by `;`, `&` and newlines until a stop.
    mutating func parseList(stop: Stop, expected: Int = 0) throws -> Script {
        try enter()
        defer { leave() }
        let start = pos
        var items: [ListItem] = []
        items.reserveCapacity(expected)
        while true {
            try skipLinebreaks()
            guard pos < end else { break }
            let b = bytes[pos]
            if b == Byte.closeParen, stop.contains(.paren) { break }
            if b == Byte.semicolon, stop.contains(.caseEnd), peek(1) == Byte.semicolon || peek(1) == Byte.ampersand {
                break
            }
            if stop.contains(.keyword), let word = peekReservedWord(), Self.closingWords.contains(word) { break }
            if b == Byte.closeParen || b == Byte.semicolon || b == Byte.ampersand || b == Byte.pipe {
                throw failure(.syntaxError, "unexpected \(describeToken())")
            }
            let itemStart = pos
            let andOr = try parseAndOr()
            try skipBlanks()
            var background = false
            if pos < end {
                let c = bytes[pos]
                if c == Byte.ampersand, peek(1) != Byte.ampersand, peek(1) != Byte.greater {
                    background = true
                    pos += 1
                } else if c == Byte.semicolon, peek(1) != Byte.semicolon, peek(1) != Byte.ampersand {
                    pos += 1
                } else if c == Byte.newline {
                    // separator; consumed by skipLinebreaks
                } else if c == Byte.closeParen && stop.contains(.paren) {
                } else if c == Byte.semicolon && stop.contains(.caseEnd) {
                } else if c == Byte.hash {
                } else if stop.contains(.keyword), let word = peekReservedWord(), Self.closingWords.contains(word) {
                } else {
                    throw failure(.syntaxError, "unexpected \(describeToken())")
                }
            }
            items.append(ListItem(andOr: andOr, background: background, range: range(itemStart)))
        }
        return Script(items: items, range: range(start))
    }

    mutating func parseAndOr() throws -> AndOrList {
        let start = pos
        let first = try parsePipeline()
        var rest: [(connector: AndOrList.Connector, pipeline: Pipeline)] = []
        while true {
            try skipBlanks()
            let connector: AndOrList.Connector
            if at("&&") {
                connector = .and
            } else if at("||") {
                connector = .or
            } else {
                break
            }
            pos += 2
            try skipLinebreaks()
            guard pos < end else { throw failure(.incomplete, "a command must follow `\(connector.rawValue)`") }
            rest.append((connector, try parsePipeline()))
        }
        return AndOrList(first: first, rest: rest, range: range(start))
    }

    mutating func parsePipeline() throws -> Pipeline {
        let start = pos
        var negated = false
        var timed = false
        while true {
            try skipBlanks()
            if let word = peekReservedWord() {
                if word == "!" {
                    negated.toggle()
                    pos += 1
                    continue
                }
                if word == "time", !timed {
                    timed = true
                    pos += 4
                    try skipBlanks()
                    if at("-p"), pos + 2 >= end || Byte.isMeta(bytes[pos + 2]) { pos += 2 }
                    continue
                }
            }
            break
        }
        var commands: [Command] = []
        while true {
            try skipBlanks()
            guard pos < end else {
                if commands.isEmpty && (negated || timed) { break }
                throw failure(.incomplete, "a command must follow `|`")
            }
            if commands.isEmpty && (negated || timed) && isListEnd() { break }
            commands.append(try parseCommand())
            try skipBlanks()
            if at("||") { break }
            if at("|&") {
                pos += 2
            } else if peek() == Byte.pipe {
                pos += 1
            } else {
                break
            }
            try skipLinebreaks()
        }
        return Pipeline(commands: commands, negated: negated, timed: timed, range: range(start))
    }

    /// Whether the next token ends a list (so `time` or `!` stand alone).
    func isListEnd() -> Bool {
        guard let b = peek() else { return true }
        return b == Byte.newline || b == Byte.semicolon || b == Byte.ampersand || b == Byte.closeParen
    }

    // MARK: - Commands

    /// A reserved word at the current position, if one stands there as a whole word.
    func peekReservedWord() -> String? {
        guard pos < end else { return nil }
        // Every reserved word starts with one of these bytes: a cheap test before building a string.
        switch bytes[pos] {
        case UInt8(ascii: "i"), UInt8(ascii: "t"), UInt8(ascii: "e"), UInt8(ascii: "f"), UInt8(ascii: "d"),
            UInt8(ascii: "c"), UInt8(ascii: "w"), UInt8(ascii: "u"), UInt8(ascii: "s"), Byte.openBrace,
            Byte.closeBrace, UInt8(ascii: "!"), Byte.openBracket, Byte.closeBracket:
            break
        default:
            return nil
        }
        var e = pos
        while e < end {
            let b = bytes[e]
            if Byte.isMeta(b) || b == Byte.singleQuote || b == Byte.doubleQuote || b == Byte.backslash
                || b == Byte.dollar || b == Byte.backquote
            {
                break
            }
            e += 1
            if e - pos > 8 { return nil }
        }
        guard e > pos else { return nil }
        if e < end {
            let b = bytes[e]
            guard Byte.isMeta(b) else { return nil }
        }
        var key: UInt64 = 0
        for i in pos..<e {
            guard bytes[i] != 0 else { return nil }  // so that `\0if` does not pack to `if`
            key = key << 8 | UInt64(bytes[i])
        }
        return Self.reservedWordKeys[key]
    }

    /// `reservedWords` by their bytes packed into an integer (none is longer than 8 bytes), so the
    /// parser can look one up without making a string.
    static let reservedWordKeys: [UInt64: String] = Dictionary(uniqueKeysWithValues: reservedWords.map { word in
        (word.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, word)
    })

    static let reservedWords: Set<String> = [
        "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in",
        "{", "}", "!", "[[", "]]", "function", "select", "time", "coproc",
    ]

    mutating func parseCommand() throws -> Command {
        try enter()
        defer { leave() }
        let start = pos
        if peek() == Byte.openParen {
            if peek(1) == Byte.openParen, let arithmetic = try parseArithmeticCommand() {
                return try finishCompound(arithmetic, start: start)
            }
            pos += 1
            let body = try parseList(stop: [.paren])
            try skipLinebreaks()
            guard peek() == Byte.closeParen else { throw unexpected("looking for `)` to close a subshell") }
            pos += 1
            return try finishCompound(.subshell(body), start: start)
        }
        if let word = peekReservedWord() {
            switch word {
            case "{":
                pos += 1
                let body = try parseList(stop: [.keyword])
                try expectKeyword("}", context: "a `{` group")
                return try finishCompound(.braceGroup(body), start: start)
            case "if": return try finishCompound(try parseIf(), start: start)
            case "while", "until": return try finishCompound(try parseWhile(until: word == "until"), start: start)
            case "for": return try finishCompound(try parseFor(), start: start)
            case "select": return try finishCompound(try parseSelect(), start: start)
            case "case": return try finishCompound(try parseCase(), start: start)
            case "[[": return try finishCompound(try parseConditional(), start: start)
            case "function": return try parseFunctionKeyword(start: start)
            case "then", "else", "elif", "fi", "do", "done", "esac", "}", "in", "]]":
                throw failure(.syntaxError, "unexpected `\(word)`")
            default: break
            }
        }
        return try parseSimpleCommandOrFunction()
    }

    /// Reads redirections after a compound command.
    mutating func finishCompound(_ compound: CompoundCommand, start: Int) throws -> Command {
        var redirects: [Redirect] = []
        while true {
            try skipBlanks()
            guard let redirect = try parseRedirectIfPresent() else { break }
            redirects.append(redirect)
        }
        if let b = peek(), !Byte.isMeta(b), b != Byte.hash, !(peekReservedWord().map(Self.closingWords.contains) ?? false) {
            throw failure(.syntaxError, "unexpected \(describeToken()) after a compound command")
        }
        return .compound(compound, redirects: redirects, range: range(start))
    }

    mutating func expectKeyword(_ keyword: String, context: String) throws {
        try skipLinebreaks()
        guard peekReservedWord() == keyword else { throw unexpected("looking for `\(keyword)` to close \(context)") }
        pos += keyword.utf8.count
    }

    mutating func parseSimpleCommandOrFunction() throws -> Command {
        let start = pos
        var assignments: [Assignment] = []
        var words: [Word] = []
        words.reserveCapacity(4)
        var redirects: [Redirect] = []
        while true {
            try skipBlanks(comments: true)
            guard pos < end else { break }
            let b = bytes[pos]
            if let redirect = try parseRedirectIfPresent() {
                redirects.append(redirect)
                continue
            }
            if (b == Byte.less || b == Byte.greater), peek(1) == Byte.openParen {
                words.append(try parseWord())
                continue
            }
            if Byte.isMeta(b) {
                if b == Byte.openParen, words.count == 1, assignments.isEmpty, redirects.isEmpty,
                    let name = words[0].literalValue, isFunctionName(name)
                {
                    return try parseFunctionBody(name: name, start: start)
                }
                if b == Byte.openParen, pos > 0, bytes[pos - 1] == Byte.equals, let last = words.last,
                    last.range.end - base == pos
                {
                    // `declare -a NAME=(a b c)`: an array literal as an argument.
                    words[words.count - 1] = try parseArrayArgument(prefix: last)
                    continue
                }
                if b == Byte.openParen {
                    throw failure(.syntaxError, "unexpected `(`")
                }
                break
            }
            if words.isEmpty, let assignment = try parseAssignmentIfPresent() {
                assignments.append(assignment)
                continue
            }
            words.append(try parseWord())
        }
        if assignments.isEmpty && words.isEmpty && redirects.isEmpty {
            throw unexpected("looking for a command")
        }
        return .simple(SimpleCommand(assignments: assignments, words: words, redirects: redirects, range: range(start)))
    }

    /// Reads `(a b c)` after `NAME=` in an argument, returning the whole argument as one word.
    mutating func parseArrayArgument(prefix: Word) throws -> Word {
        pos += 1
        var parts = prefix.parts
        var texts: [String] = []
        while true {
            try skipLinebreaks()
            guard let b = peek() else { throw failure(.incomplete, "array assignment needs a closing `)`") }
            if b == Byte.closeParen {
                pos += 1
                break
            }
            if Byte.isMeta(b) { throw failure(.syntaxError, "unexpected \(describeToken()) in an array assignment") }
            let element = try parseWord()
            texts.append(String(decoding: bytes[(element.range.start - base)..<(element.range.end - base)], as: UTF8.self))
        }
        parts.append(.literal("(" + texts.joined(separator: " ") + ")", SourceRange(prefix.range.end, base + pos)))
        return Word(parts: parts, range: SourceRange(prefix.range.start, base + pos))
    }

    func isFunctionName(_ name: String) -> Bool {
        !name.isEmpty && !name.utf8.contains(where: { $0 == Byte.equals }) && !Self.reservedWords.contains(name)
    }

    /// `name () compound-command`
    mutating func parseFunctionBody(name: String, start: Int) throws -> Command {
        pos += 1
        try skipBlanks()
        guard peek() == Byte.closeParen else { throw unexpected("looking for `)` in a function definition") }
        pos += 1
        return try parseFunctionDefinitionBody(name: name, header: "`\(name)()`", start: start)
    }

    /// `function name [()] compound-command`
    mutating func parseFunctionKeyword(start: Int) throws -> Command {
        pos += "function".utf8.count
        try skipBlanks()
        guard pos < end else { throw failure(.incomplete, "a name must follow `function`") }
        let nameWord = try parseWord()
        guard let name = nameWord.literalValue, isFunctionName(name) else {
            throw failure(.syntaxError, "bad function name", at: nameWord.range.start - base)
        }
        try skipBlanks()
        if peek() == Byte.openParen {
            pos += 1
            try skipBlanks()
            guard peek() == Byte.closeParen else { throw unexpected("looking for `)` in a function definition") }
            pos += 1
        }
        return try parseFunctionDefinitionBody(name: name, header: "`function \(name)`", start: start)
    }

    /// The compound command after a function's header.
    mutating func parseFunctionDefinitionBody(name: String, header: String, start: Int) throws -> Command {
        try skipLinebreaks()
        guard pos < end else { throw failure(.incomplete, "a function body must follow \(header)") }
        let body = try parseCommand()
        guard case .compound = body else {
            throw failure(.syntaxError, "a function body must be a compound command such as `{ …; }`")
        }
        return .function(name: name, body: body, range: range(start))
    }

    /// `NAME=value`, `NAME+=value`, `NAME[sub]=value`, `NAME=(…)` at the current position.
    mutating func parseAssignmentIfPresent() throws -> Assignment? {
        guard let first = peek(), Byte.isNameStart(first) else { return nil }
        let start = pos
        var e = pos + 1
        while e < end, Byte.isNameChar(bytes[e]) { e += 1 }
        let nameEnd = e
        if e < end, bytes[e] == Byte.openBracket {
            var depthBracket = 0
            while e < end {
                if bytes[e] == Byte.openBracket { depthBracket += 1 }
                if bytes[e] == Byte.closeBracket {
                    depthBracket -= 1
                    if depthBracket == 0 { break }
                }
                if bytes[e] == Byte.newline { return nil }
                e += 1
            }
            guard e < end else { return nil }
            e += 1
        }
        var append = false
        if e + 1 < end, bytes[e] == UInt8(ascii: "+"), bytes[e + 1] == Byte.equals {
            append = true
            e += 2
        } else if e < end, bytes[e] == Byte.equals {
            e += 1
        } else {
            return nil
        }
        let name = String(decoding: bytes[pos..<nameEnd], as: UTF8.self)
        pos = e
        if peek() == Byte.openParen {
            pos += 1
            var elements: [Word] = []
            while true {
                try skipLinebreaks()
                guard let b = peek() else { throw failure(.incomplete, "array assignment needs a closing `)`") }
                if b == Byte.closeParen {
                    pos += 1
                    break
                }
                if Byte.isMeta(b) { throw failure(.syntaxError, "unexpected \(describeToken()) in an array assignment") }
                elements.append(try parseWord())
            }
            return Assignment(name: name, append: append, value: nil, array: elements, range: range(start))
        }
        var value: Word? = nil
        if let b = peek(), !Byte.isMeta(b) {
            value = try parseWord()
        }
        return Assignment(name: name, append: append, value: value, array: nil, range: range(start))
    }
}
