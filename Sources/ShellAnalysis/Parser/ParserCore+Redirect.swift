/// Redirections and here-documents.
extension ParserCore {
    /// Parses a redirection at the current position, or returns `nil` (position unchanged).
    mutating func parseRedirectIfPresent() throws -> Redirect? {
        guard pos < end else { return nil }
        // A redirection starts with a digit, `{`, `<`, `>` or `&`: most words are turned away here.
        switch bytes[pos] {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), Byte.openBrace, Byte.less, Byte.greater, Byte.ampersand: break
        default: return nil
        }
        let start = pos
        var fd: Int? = nil
        var fdVariable: String? = nil
        var p = pos
        if Byte.isDigit(bytes[p]) {
            var value = 0
            while p < end, Byte.isDigit(bytes[p]) {
                value = value &* 10 &+ Int(bytes[p] - UInt8(ascii: "0"))
                p += 1
            }
            guard p < end, bytes[p] == Byte.less || bytes[p] == Byte.greater else { return nil }
            fd = value
        } else if bytes[p] == Byte.openBrace {
            var q = p + 1
            while q < end, Byte.isNameChar(bytes[q]) { q += 1 }
            guard q > p + 1, q + 1 < end, bytes[q] == Byte.closeBrace,
                bytes[q + 1] == Byte.less || bytes[q + 1] == Byte.greater
            else { return nil }
            fdVariable = String(decoding: bytes[(p + 1)..<q], as: UTF8.self)
            p = q + 1
        }
        pos = p
        let op: Redirect.Operator
        if at("&>>") {
            guard fd == nil, fdVariable == nil else { pos = start; return nil }
            op = .appendOutputAndError; pos += 3
        } else if at("&>") {
            guard fd == nil, fdVariable == nil else { pos = start; return nil }
            op = .outputAndError; pos += 2
        } else if at("<<<") {
            op = .hereString; pos += 3
        } else if at("<<-") {
            op = .hereDocumentStrippingTabs; pos += 3
        } else if at("<<") {
            op = .hereDocument; pos += 2
        } else if at("<>") {
            op = .readWrite; pos += 2
        } else if at("<&") {
            op = .duplicateInput; pos += 2
        } else if at("<(") || at(">(") {
            pos = start
            return nil
        } else if at("<") {
            op = .input; pos += 1
        } else if at(">>") {
            op = .append; pos += 2
        } else if at(">|") {
            op = .clobber; pos += 2
        } else if at(">&") {
            op = .duplicateOutput; pos += 2
        } else if at(">") {
            op = .output; pos += 1
        } else {
            pos = start
            return nil
        }
        try skipBlanks(comments: false)
        guard let b = peek(), !Byte.isMeta(b) || ((b == Byte.less || b == Byte.greater) && peek(1) == Byte.openParen)
        else {
            throw failure(.syntaxError, "a redirection `\(op.rawValue)` needs a file name, found \(describeToken())")
        }
        let target = try parseWord()
        let redirect = Redirect(fd: fd, fdVariable: fdVariable, op: op, target: target, range: range(start))
        if op == .hereDocument || op == .hereDocumentStrippingTabs {
            let quoted = target.parts.contains { $0.isQuoted }
                || bytes[(target.range.start - base)..<(target.range.end - base)].contains(Byte.backslash)
            let delimiter = target.parts.map(Self.delimiterText).joined()
            pendingHereDocuments.append((key: base + start, delimiter: delimiter, quoted: quoted,
                                         stripTabs: op == .hereDocumentStrippingTabs))
        }
        return redirect
    }

    /// The delimiter's text: quotes removed, expansions kept as written.
    static func delimiterText(_ part: WordPart) -> String {
        switch part {
        case .literal(let s, _), .singleQuoted(let s, _), .ansiCQuoted(let s, _): s
        case .doubleQuoted(let parts, _), .localeQuoted(let parts, _): parts.map(delimiterText).joined()
        case .parameter(let p): p.braced ? "${\(p.name)}" : "$\(p.name)"
        default: ""
        }
    }

    /// Reads the bodies of the pending here-documents, starting at the current position (just after
    /// a newline).
    mutating func readHereDocumentBodies() throws {
        let pending = pendingHereDocuments
        pendingHereDocuments = []
        for doc in pending {
            let bodyStart = pos
            var body: [UInt8] = []
            var found = false
            while pos < end {
                var lineEnd = pos
                while lineEnd < end, bytes[lineEnd] != Byte.newline { lineEnd += 1 }
                var lineStart = pos
                if doc.stripTabs {
                    while lineStart < lineEnd, bytes[lineStart] == Byte.tab { lineStart += 1 }
                }
                let line = bytes[lineStart..<lineEnd]
                pos = lineEnd < end ? lineEnd + 1 : lineEnd
                if line.elementsEqual(doc.delimiter.utf8) {
                    found = true
                    break
                }
                body.append(contentsOf: line)
                body.append(Byte.newline)
            }
            guard found else {
                pendingHereDocuments = [doc]
                throw failure(.incomplete, "here-document waiting for its delimiter `\(doc.delimiter)`")
            }
            var parts: [WordPart] = []
            if !doc.quoted, body.contains(where: { $0 == Byte.dollar || $0 == Byte.backquote || $0 == Byte.backslash }) {
                var inner = ParserCore(bytes: body, limits: limits, base: base + bodyStart)
                inner.depth = depth
                parts = try inner.parseWordParts(mode: .hereDocumentBody)
                hereDocuments.merge(inner.hereDocuments) { a, _ in a }
            } else if !body.isEmpty {
                parts = [.literal(String(decoding: body, as: UTF8.self), SourceRange(base + bodyStart, base + pos))]
            }
            hereDocuments[doc.key] = HereDocument(
                delimiter: doc.delimiter, quoted: doc.quoted, stripTabs: doc.stripTabs,
                body: String(decoding: body, as: UTF8.self), parts: parts,
                range: SourceRange(base + bodyStart, base + pos))
        }
    }
}
