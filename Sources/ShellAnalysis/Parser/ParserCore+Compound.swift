/// Compound commands: `if`, `while`/`until`, `for`, `select`, `case`, `[[ … ]]`, `(( … ))`.
extension ParserCore {
    mutating func parseIf() throws -> CompoundCommand {
        pos += 2
        var branches: [ConditionalBranch] = []
        var elseBody: Script? = nil
        while true {
            let condition = try parseList(stop: [.keyword])
            try expectKeyword("then", context: "an `if` condition")
            let body = try parseList(stop: [.keyword])
            branches.append(ConditionalBranch(condition: condition, body: body))
            try skipLinebreaks()
            switch peekReservedWord() {
            case "elif":
                pos += 4
                continue
            case "else":
                pos += 4
                elseBody = try parseList(stop: [.keyword])
                try expectKeyword("fi", context: "an `if`")
            case "fi":
                pos += 2
            default:
                throw unexpected("looking for `fi` to close an `if`")
            }
            break
        }
        return .ifClause(branches: branches, elseBody: elseBody)
    }

    mutating func parseWhile(until: Bool) throws -> CompoundCommand {
        pos += until ? 5 : 5
        let condition = try parseList(stop: [.keyword])
        let body = try parseDoGroup(context: until ? "an `until` loop" : "a `while` loop")
        return .whileClause(condition: condition, body: body, until: until)
    }

    /// `do list done`
    mutating func parseDoGroup(context: String) throws -> Script {
        try skipLinebreaks()
        if peekReservedWord() == "{" {
            // bash accepts `for x in y; { …; }`
            pos += 1
            let body = try parseList(stop: [.keyword])
            try expectKeyword("}", context: context)
            return body
        }
        try expectKeyword("do", context: context)
        let body = try parseList(stop: [.keyword])
        try expectKeyword("done", context: context)
        return body
    }

    mutating func parseFor() throws -> CompoundCommand {
        pos += 3
        try skipBlanks()
        if at("((") {
            pos += 2
            let text = try scanArithmetic(closing: 2)
            try skipBlanks()
            if peek() == Byte.semicolon { pos += 1 }
            let body = try parseDoGroup(context: "a `for ((…))` loop")
            return .arithmeticFor(expression: text, body: body)
        }
        let (variable, words) = try parseLoopHeader(keyword: "for")
        let body = try parseDoGroup(context: "a `for` loop")
        return .forClause(variable: variable, words: words, body: body)
    }

    mutating func parseSelect() throws -> CompoundCommand {
        pos += 6
        try skipBlanks()
        let (variable, words) = try parseLoopHeader(keyword: "select")
        let body = try parseDoGroup(context: "a `select` loop")
        return .selectClause(variable: variable, words: words, body: body)
    }

    /// `NAME [in word…] ;`
    mutating func parseLoopHeader(keyword: String) throws -> (String, [Word]?) {
        guard pos < end else { throw failure(.incomplete, "a variable name must follow `\(keyword)`") }
        let nameWord = try parseWord()
        guard let variable = nameWord.literalValue, variable.utf8.first.map(Byte.isNameStart) == true,
            variable.utf8.allSatisfy(Byte.isNameChar)
        else {
            throw failure(.syntaxError, "`\(keyword)` needs a variable name", at: nameWord.range.start - base)
        }
        try skipLinebreaks()
        var words: [Word]? = nil
        if peekReservedWord() == "in" {
            pos += 2
            var list: [Word] = []
            while true {
                try skipBlanks()
                guard let b = peek() else { throw failure(.incomplete, "the `\(keyword)` list is unfinished") }
                if b == Byte.semicolon || b == Byte.newline {
                    pos += 1
                    if b == Byte.newline, !pendingHereDocuments.isEmpty { try readHereDocumentBodies() }
                    break
                }
                if Byte.isMeta(b) { throw failure(.syntaxError, "unexpected \(describeToken()) in a `\(keyword)` list") }
                list.append(try parseWord())
            }
            words = list
        } else if peek() == Byte.semicolon {
            pos += 1
        }
        return (variable, words)
    }

    mutating func parseCase() throws -> CompoundCommand {
        pos += 4
        try skipBlanks()
        guard pos < end else { throw failure(.incomplete, "a word must follow `case`") }
        let subject = try parseWord()
        try skipLinebreaks()
        guard peekReservedWord() == "in" else { throw unexpected("looking for `in` after `case WORD`") }
        pos += 2
        var items: [CaseItem] = []
        while true {
            try skipLinebreaks()
            guard pos < end else { throw failure(.incomplete, "looking for `esac` to close a `case`") }
            if peekReservedWord() == "esac" {
                pos += 4
                break
            }
            let itemStart = pos
            if peek() == Byte.openParen { pos += 1 }
            var patterns: [Word] = []
            while true {
                try skipBlanks()
                guard let b = peek() else { throw failure(.incomplete, "a `case` pattern is unfinished") }
                if b == Byte.closeParen, !patterns.isEmpty {
                    pos += 1
                    break
                }
                if Byte.isMeta(b) { throw failure(.syntaxError, "unexpected \(describeToken()) in a `case` pattern") }
                patterns.append(try parseWord())
                try skipBlanks()
                if peek() == Byte.pipe { pos += 1 }
            }
            let body = try parseList(stop: [.caseEnd, .keyword])
            try skipLinebreaks()
            if at(";;&") {
                pos += 3
            } else if at(";;") || at(";&") {
                pos += 2
            } else if peekReservedWord() == "esac" {
                // the last item may omit `;;`
            } else {
                throw unexpected("looking for `;;` or `esac`")
            }
            items.append(CaseItem(patterns: patterns, body: body, range: range(itemStart)))
        }
        return .caseClause(subject: subject, items: items)
    }

    /// `[[ expression ]]`: the words, with `&&`, `||`, `(`, `)`, `<`, `>` and `!` kept as words.
    mutating func parseConditional() throws -> CompoundCommand {
        pos += 2
        var words: [Word] = []
        var afterRegexOperator = false
        while true {
            try skipBlanks()
            while peek() == Byte.newline { try consumeNewline(); try skipBlanks() }
            guard let b = peek() else { throw failure(.incomplete, "looking for `]]` to close `[[`") }
            if at("]]"), pos + 2 >= end || Byte.isMeta(bytes[pos + 2]) {
                pos += 2
                break
            }
            let start = pos
            if afterRegexOperator {
                words.append(try parseRegexWord())
                afterRegexOperator = false
                continue
            }
            if at("&&") || at("||") {
                pos += 2
            } else if b == Byte.openParen || b == Byte.closeParen || b == Byte.less || b == Byte.greater {
                pos += 1
            } else if b == Byte.semicolon || b == Byte.ampersand || b == Byte.pipe {
                throw failure(.syntaxError, "unexpected \(describeToken()) inside `[[ … ]]`")
            } else {
                let w = try parseWord()
                if w.literalValue == "=~" { afterRegexOperator = true }
                words.append(w)
                continue
            }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            words.append(Word(parts: [.literal(text, range(start))], range: range(start)))
        }
        return .conditional(words: words)
    }

    /// The right side of `=~`: parentheses and `|` belong to the regular expression.
    mutating func parseRegexWord() throws -> Word {
        let start = pos
        var parenDepth = 0
        var parts: [WordPart] = []
        while pos < end {
            let b = bytes[pos]
            if b == Byte.openParen { parenDepth += 1; pos += 1; continue }
            if b == Byte.closeParen, parenDepth > 0 { parenDepth -= 1; pos += 1; continue }
            if b == Byte.pipe, parenDepth > 0 { pos += 1; continue }
            if Byte.isBlank(b), parenDepth > 0 { pos += 1; continue }
            if Byte.isMeta(b) { break }
            let w = try parseWord()
            parts.append(contentsOf: w.parts)
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if parts.isEmpty || text.utf8.contains(Byte.openParen) {
            return Word(parts: [.literal(text, range(start))], range: range(start))
        }
        return Word(parts: parts, range: range(start))
    }

    /// `(( expression ))`; `nil` when the text is really a nested subshell `( ( … ) )`.
    mutating func parseArithmeticCommand() throws -> CompoundCommand? {
        let saved = pos
        pos += 2
        if let text = try? scanArithmetic(closing: 2) {
            return .arithmetic(expression: text)
        }
        pos = saved
        return nil
    }

    /// Scans arithmetic text up to the `))` (closing 2) or `]` (closing 1, for `$[…]`) that balances it.
    mutating func scanArithmetic(closing: Int) throws -> String {
        let start = pos
        var parenDepth = 0
        while pos < end {
            let b = bytes[pos]
            switch b {
            case Byte.openParen:
                parenDepth += 1
            case Byte.closeParen:
                if parenDepth == 0 {
                    guard closing == 2, peek(1) == Byte.closeParen else {
                        throw failure(.syntaxError, "unbalanced `)` in arithmetic")
                    }
                    let text = String(decoding: bytes[start..<pos], as: UTF8.self)
                    pos += 2
                    return text
                }
                parenDepth -= 1
            case Byte.closeBracket where closing == 1 && parenDepth == 0:
                let text = String(decoding: bytes[start..<pos], as: UTF8.self)
                pos += 1
                return text
            case Byte.singleQuote:
                _ = try parseSingleQuoted()
                continue
            case Byte.doubleQuote:
                _ = try parseDoubleQuoted()
                continue
            case Byte.backquote:
                _ = try parseBackquote()
                continue
            case Byte.dollar where peek(1) == Byte.openParen || peek(1) == Byte.openBrace:
                _ = try parseDollar()
                continue
            default:
                break
            }
            pos += 1
        }
        throw failure(.incomplete, "arithmetic expression is unfinished")
    }
}
