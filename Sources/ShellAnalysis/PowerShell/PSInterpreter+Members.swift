import Foundation

/// Primary expressions, member access and the .NET calls the reader folds: base64 and text
/// decoding, string methods, `[string]::Join`, `[array]::Reverse`, and the download and
/// script-block calls it reports.
extension PSInterpreter {
    mutating func postfix() -> PSValue {
        var v = primary()
        var variableName: String? = lastVariable
        while step() {
            if tok.kind == .member || tok.kind == .staticMember {
                let isStatic = tok.kind == .staticMember
                let name = tok.text.lowercased()
                let memberRange = tok.range
                advance()
                let range = v.range.union(memberRange)
                if isOp("("), !tok.spaceBefore {
                    let (args, names) = callArguments()
                    let r = args.reduce(range) { $0.union($1.range) }
                    v = isStatic ? staticCall(v, name, args, names, range: r) : methodCall(v, name, args, range: r)
                } else {
                    v = property(v, name, isStatic: isStatic, range: range)
                }
                variableName = nil
                continue
            }
            if isOp("["), !tok.spaceBefore {
                advance()
                let index = expression()
                if isOp("]") { advance() }
                v = indexValue(v, index, range: v.range.union(index.range))
                variableName = nil
                continue
            }
            break
        }
        lastVariable = variableName
        return v
    }

    /// `( … )` arguments of a method call, with the variable name of each argument that is a bare variable.
    mutating func callArguments() -> ([PSValue], [String?]) {
        advance()
        var args: [PSValue] = []
        var names: [String?] = []
        skipNewlines()
        while !isOp(")") && tok.kind != .end && step() {
            lastVariable = nil
            let bare = tok.kind == .variable && (isOp(",", peek(1)) || isOp(")", peek(1)))
            let name = bare ? tok.text.lowercased() : nil
            args.append(unaryArgument())
            names.append(name)
            skipNewlines()
            if isOp(",") { advance(); skipNewlines() } else if !isOp(")") { advance() }
        }
        if isOp(")") { advance() }
        return (args, names)
    }

    /// One method argument: a full expression, but commas separate arguments.
    mutating func unaryArgument() -> PSValue {
        var l = bitwiseNoComma()
        while let op = dash(Self.comparisonOps.union(["-f", "-and", "-or"])) {
            // Reuse the full grammar for the rare operators inside method arguments.
            let r: PSValue
            advance()
            r = bitwiseNoComma()
            if op == "-join", let sep = r.string {
                let parts = l.elements.map(\.string)
                l = .derived(parts.allSatisfy { $0 != nil } ? .string(parts.map { $0! }.joined(separator: sep)) : .unknown, from: [l, r], range: l.range.union(r.range))
            } else if op == "-f", let fmt = l.string {
                let a = r.elements.map(\.string)
                l = .derived(a.allSatisfy { $0 != nil } ? (Self.applyFormat(fmt, a.map { $0! }).map { .string($0) } ?? .unknown) : .unknown, from: [l, r], range: l.range.union(r.range))
            } else {
                l = .derived(.unknown, from: [l, r], range: l.range.union(r.range))
            }
        }
        return l
    }

    mutating func bitwiseNoComma() -> PSValue {
        var l = unary()
        while isOp("+") || isOp("-") {
            let plus = isOp("+")
            advance()
            let r = unary()
            if plus { l = Self.add(l, r, range: l.range.union(r.range)) } else if let x = l.int, let y = r.int {
                l = .derived(.int(x - y), from: [l, r], range: l.range.union(r.range))
            } else { l = .derived(.unknown, from: [l, r], range: l.range.union(r.range)) }
        }
        return l
    }

    mutating func primary() -> PSValue {
        let t = tok
        lastVariable = nil
        guard enter() else { return .unknown(t.range) }
        defer { nesting -= 1 }
        switch t.kind {
        case .literal:
            advance()
            return PSValue(kind: .string(t.text), range: t.range)
        case .expandable:
            advance()
            return expand(t)
        case .number:
            advance()
            return PSValue(kind: .int(Int(t.text) ?? 0), range: t.range)
        case .variable:
            advance()
            lastVariable = t.text.lowercased()
            return variable(t.text, range: t.range)
        case .word:
            // A command inside an expression: `(Get-Item x)` is read by `pipeline`.
            return command(input: nil)
        case .op:
            switch t.text {
            case "(", "$(", "@(":
                advance()
                skipNewlines()
                var v = PSValue.unknown(t.range)
                var count = 0
                while !isOp(")") && tok.kind != .end && step() {
                    let before = p
                    if tok.kind == .variable, peek(1).kind == .op, ["=", "+="].contains(peek(1).text) {
                        statement()
                        v = variables[tokens[before].text.lowercased()] ?? .unknown(t.range)
                    } else if tok.kind == .word, Self.keywords.contains(tok.text.lowercased()) {
                        statement()
                    } else {
                        v = pipeline()
                    }
                    count += 1
                    skipNewlines()
                    if p == before { advance() }
                }
                let end = tok.range
                if isOp(")") { advance() }
                v.range = t.range.union(end)
                if t.text == "@(", case .array = v.kind {} else if t.text == "@(" { v = PSValue(kind: .array(v.elements), range: v.range, taint: v.taint, built: v.built) }
                return count > 1 ? .unknown(v.range, v.taint.union(.dynamic)) : v
            case "@{":
                return hashtable(t)
            case "{":
                advance()
                statements()
                let end = tok.range
                if isOp("}") { advance() }
                return PSValue(kind: t.text == "{" ? .block : .unknown, range: t.range.union(end))
            case "[":
                if let type = typeLiteral() { return PSValue(kind: .type(type), range: t.range) }
                advance()
                return .unknown(t.range)
            default:
                advance()
                return .unknown(t.range)
            }
        case .dash:
            advance()
            return PSValue(kind: .string(t.text), range: t.range)
        default:
            advance()
            return .unknown(t.range)
        }
    }

    /// `@{ Key = value; … }`: the keys are names, not commands (`@{Name='x'; Expression={…}}`);
    /// each value is read as an expression (a script block in it is read as code).
    mutating func hashtable(_ open: PSToken) -> PSValue {
        advance()
        while step() {
            skipNewlines()
            if tok.kind == .end || isOp("}") { break }
            let before = p
            var keyed = false
            if tok.kind == .word, tok.text.hasSuffix("="), tok.text.count > 1 {
                advance()
                keyed = true
            } else if isOp("=", peek(1)) {
                switch tok.kind {
                case .word, .literal, .expandable, .number, .variable:
                    advance()
                    advance()
                    keyed = true
                default:
                    break
                }
            }
            if keyed {
                skipNewlines()
                if !isOp("}") && !isOp(";") { _ = pipeline() }
            } else {
                statement()
            }
            if p == before { advance() }
        }
        let end = tok.range
        if isOp("}") { advance() }
        return PSValue(kind: .unknown, range: open.range.union(end))
    }

    /// Automatic variables whose values obfuscators slice letters out of.
    static let automatic: [String: String] = [
        "pshome": #"C:\Windows\System32\WindowsPowerShell\v1.0"#,
        "shellid": "Microsoft.PowerShell",
        "verbosepreference": "SilentlyContinue",
        "debugpreference": "SilentlyContinue",
        "warningpreference": "Continue",
        "erroractionpreference": "Continue",
        "progresspreference": "Continue",
        "confirmpreference": "High",
        "home": #"C:\Users\user"#,
        "ofs": " ",
    ]

    func variable(_ name: String, range: SourceRange) -> PSValue {
        let n = name.lowercased()
        if let v = variables[n] { var c = v; c.range = range; return c }
        switch n {
        case "true": return PSValue(kind: .int(1), range: range)
        case "false": return PSValue(kind: .int(0), range: range)
        case "null": return PSValue(kind: .null, range: range)
        case "executioncontext": return PSValue(kind: .object("executioncontext"), range: range)
        default: break
        }
        if let a = Self.automatic[n] { return PSValue(kind: .string(a), range: range) }
        if n.hasPrefix("env:"), let e = WindowsEnvironment.value(String(n.dropFirst(4))) { return PSValue(kind: .string(e), range: range) }
        return .unknown(range)
    }

    mutating func expand(_ t: PSToken) -> PSValue {
        var out = ""
        var known = true
        var taint: Taint = []
        var built = false
        for part in t.parts {
            switch part {
            case .text(let s): out += s
            case .variable(let n):
                built = true
                let v = variable(n, range: t.range)
                taint.formUnion(v.taint)
                if let s = v.string { out += s } else { known = false }
            case .subexpression(let code, let origin):
                built = true
                let v = subexpression(code, origin: origin)
                taint.formUnion(v.taint)
                if let s = v.string { out += s } else { known = false }
            }
        }
        return PSValue(kind: known ? .string(out) : .unknown, range: t.range, taint: taint, built: built)
    }

    /// `$( … )` inside a string: read with the same variables.
    mutating func subexpression(_ code: String, origin: Int) -> PSValue {
        var lexer = PSLexer(code, origin: origin)
        guard let toks = try? lexer.tokenize() else { return .unknown(SourceRange(origin, origin + code.utf8.count)) }
        let savedTokens = tokens
        let savedP = p
        tokens = toks
        p = 0
        var v = PSValue.unknown(SourceRange(origin, origin + code.utf8.count))
        skipNewlines()
        if tok.kind != .end { v = pipeline() }
        statements()
        tokens = savedTokens
        p = savedP
        return v
    }

    func indexValue(_ v: PSValue, _ index: PSValue, range: SourceRange) -> PSValue {
        let items: [PSValue]
        if case .string(let s) = v.kind { items = s.map { PSValue(kind: .string(String($0)), range: range) } } else { items = v.elements }
        func at(_ i: Int) -> PSValue? {
            let k = i < 0 ? items.count + i : i
            return k >= 0 && k < items.count ? items[k] : nil
        }
        if case .array(let idx) = index.kind {
            let picked = idx.map { $0.int.flatMap(at) }
            return .derived(picked.allSatisfy { $0 != nil } ? .array(picked.map { $0! }) : .unknown, from: [v, index], range: range)
        }
        if let i = index.int, let x = at(i) { return .derived(x.kind, from: [v, index], range: range) }
        return .derived(.unknown, from: [v, index], range: range)
    }

    func property(_ v: PSValue, _ name: String, isStatic: Bool, range: SourceRange) -> PSValue {
        if case .type(let t) = v.kind, t == "text.encoding" || t == "encoding" {
            return PSValue(kind: .object("encoding:" + name), range: range)
        }
        if case .object(let o) = v.kind, o == "executioncontext", name == "invokecommand" {
            return PSValue(kind: .object("invokecommand"), range: range)
        }
        switch name {
        case "length", "count":
            if case .string(let s) = v.kind { return .derived(.int(s.count), from: [v], range: range) }
            if case .array(let a) = v.kind { return .derived(.int(a.count), from: [v], range: range) }
        default: break
        }
        return .derived(.unknown, from: [v], range: range)
    }
}
