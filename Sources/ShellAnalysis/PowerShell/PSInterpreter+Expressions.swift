import Foundation

/// Expressions, with constant folding of the operators obfuscators use: `+`, `-f`, `-join`,
/// `-replace`, `-split`, `-bxor`, casts such as `[char]73`, indexing and ranges.
extension PSInterpreter {
    func dash(_ names: Set<String>) -> String? {
        guard tok.kind == .dash else { return nil }
        let n = tok.text.lowercased()
        return names.contains(n) ? n : nil
    }

    mutating func expression() -> PSValue {
        var l = comparison()
        while let op = dash(["-and", "-or", "-xor"]) {
            advance(); skipNewlines()
            let r = comparison()
            l = PSValue.derived(.unknown, from: [l, r], range: l.range.union(r.range))
            _ = op
        }
        return l
    }

    static let comparisonOps: Set<String> = [
        "-join", "-replace", "-ireplace", "-creplace", "-split", "-isplit", "-csplit", "-eq", "-ne", "-gt", "-ge", "-lt", "-le",
        "-like", "-notlike", "-match", "-notmatch", "-contains", "-notcontains", "-in", "-notin", "-as", "-is", "-isnot",
        "-ieq", "-ceq", "-ine", "-cne", "-ilike", "-clike", "-imatch", "-cmatch",
    ]

    mutating func comparison() -> PSValue {
        var l = bitwise()
        while let op = dash(Self.comparisonOps) {
            advance(); skipNewlines()
            let r = bitwise()
            let range = l.range.union(r.range)
            switch op {
            case "-join":
                let parts = l.elements.map(\.string)
                if let sep = r.string, parts.allSatisfy({ $0 != nil }) {
                    l = .derived(.string(parts.map { $0! }.joined(separator: sep)), from: [l, r], range: range)
                } else { l = .derived(.unknown, from: [l, r], range: range) }
            case "-replace", "-ireplace", "-creplace":
                let rs = r.elements
                if let s = l.string, let pattern = rs.first?.string {
                    let with = rs.count > 1 ? rs[1].string : ""
                    if let with, let re = try? NSRegularExpression(pattern: pattern, options: op == "-creplace" ? [] : [.caseInsensitive]) {
                        let out = re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: with)
                        l = .derived(.string(out), from: [l, r], range: range)
                        continue
                    }
                }
                l = .derived(.unknown, from: [l, r], range: range)
            case "-split", "-isplit", "-csplit":
                if let s = l.string, let pattern = r.elements.first?.string, let re = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) {
                    let marked = re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "\u{1}")
                    let parts = marked.split(separator: "\u{1}", omittingEmptySubsequences: false).map { PSValue(kind: .string(String($0)), range: range) }
                    l = .derived(.array(parts), from: [l, r], range: range)
                } else { l = .derived(.unknown, from: [l, r], range: range) }
            case "-as":
                l = cast(Self.typeName(r.string ?? ""), l, range: range)
            default:
                l = .derived(.unknown, from: [l, r], range: range)
            }
        }
        return l
    }

    mutating func bitwise() -> PSValue {
        var l = additive()
        while let op = dash(["-bxor", "-band", "-bor", "-shl", "-shr"]) {
            advance(); skipNewlines()
            let r = additive()
            let range = l.range.union(r.range)
            func apply(_ a: PSValue, _ b: PSValue) -> PSValue? {
                guard let x = a.int, let y = b.int else { return nil }
                let n = switch op {
                case "-bxor": x ^ y
                case "-band": x & y
                case "-bor": x | y
                case "-shl": x << y
                default: x >> y
                }
                return PSValue(kind: .int(n), range: range)
            }
            if case .array(let a) = l.kind {
                let mapped = a.map { apply($0, r) }
                l = .derived(mapped.allSatisfy { $0 != nil } ? .array(mapped.map { $0! }) : .unknown, from: [l, r], range: range)
            } else {
                l = .derived(apply(l, r)?.kind ?? .unknown, from: [l, r], range: range)
            }
        }
        return l
    }

    mutating func additive() -> PSValue {
        var l = multiplicative()
        while isOp("+") || isOp("-") {
            let plus = isOp("+")
            advance(); skipNewlines()
            let r = multiplicative()
            if plus {
                l = Self.add(l, r, range: l.range.union(r.range))
            } else if let x = l.int, let y = r.int {
                l = .derived(.int(x - y), from: [l, r], range: l.range.union(r.range))
            } else {
                l = .derived(.unknown, from: [l, r], range: l.range.union(r.range))
            }
        }
        return l
    }

    static func add(_ l: PSValue, _ r: PSValue, range: SourceRange) -> PSValue {
        switch (l.kind, r.kind) {
        case (.int(let a), .int(let b)): return .derived(.int(a + b), from: [l, r], range: range)
        case (.array(let a), _): return .derived(.array(a + r.elements), from: [l, r], range: range)
        case (.string(let a), _):
            if let b = r.string { return .derived(.string(a + b), from: [l, r], range: range) }
        default: break
        }
        return .derived(.unknown, from: [l, r], range: range)
    }

    mutating func multiplicative() -> PSValue {
        var l = format()
        while isOp("*") || isOp("/") || isOp("%") {
            let op = tok.text
            advance(); skipNewlines()
            let r = format()
            let range = l.range.union(r.range)
            if op == "*", let s = l.string, case .string = l.kind, let n = r.int, n >= 0, n * s.count < 100_000 {
                l = .derived(.string(String(repeating: s, count: n)), from: [l, r], range: range)
            } else if let x = l.int, let y = r.int, y != 0 {
                l = .derived(.int(op == "*" ? x * y : op == "/" ? x / y : x % y), from: [l, r], range: range)
            } else {
                l = .derived(.unknown, from: [l, r], range: range)
            }
        }
        return l
    }

    mutating func format() -> PSValue {
        var l = rangeExpression()
        while dash(["-f"]) != nil {
            advance(); skipNewlines()
            let r = rangeExpression()
            let range = l.range.union(r.range)
            let args = r.elements.map(\.string)
            guard let fmt = l.string, args.allSatisfy({ $0 != nil }) else {
                l = .derived(.unknown, from: [l, r], range: range)
                continue
            }
            l = .derived(Self.applyFormat(fmt, args.map { $0! }).map { .string($0) } ?? .unknown, from: [l, r], range: range)
        }
        return l
    }

    /// .NET composite formatting: `{0}`, `{1,5}`, `{0:x}`, `{{`.
    static func applyFormat(_ fmt: String, _ args: [String]) -> String? {
        var out = ""
        let c = Array(fmt)
        var k = 0
        while k < c.count {
            if c[k] == "{" {
                if k + 1 < c.count, c[k + 1] == "{" { out.append("{"); k += 2; continue }
                guard let close = c[k...].firstIndex(of: "}") else { return nil }
                let spec = String(c[(k + 1)..<close])
                let indexText = spec.prefix(while: { $0.isNumber || $0 == " " }).trimmingCharacters(in: .whitespaces)
                guard let n = Int(indexText), n < args.count else { return nil }
                out += args[n]
                k = close + 1
                continue
            }
            if c[k] == "}", k + 1 < c.count, c[k + 1] == "}" { out.append("}"); k += 2; continue }
            out.append(c[k])
            k += 1
        }
        return out
    }

    mutating func rangeExpression() -> PSValue {
        let l = comma()
        guard isOp("..") else { return l }
        advance()
        let r = comma()
        let range = l.range.union(r.range)
        guard let a = l.int, let b = r.int, abs(b - a) < 10_000 else { return .derived(.unknown, from: [l, r], range: range) }
        let seq = a <= b ? Array(a...b) : Array((b...a).reversed())
        return .derived(.array(seq.map { PSValue(kind: .int($0), range: range) }), from: [l, r], range: range)
    }

    mutating func comma() -> PSValue {
        var items: [PSValue] = []
        if isOp(",") { advance() }
        items.append(unary())
        while isOp(",") {
            advance(); skipNewlines()
            items.append(unary())
        }
        if items.count == 1 { return items[0] }
        let range = items.dropFirst().reduce(items[0].range) { $0.union($1.range) }
        var v = PSValue.derived(.array(items), from: items, range: range)
        v.built = items.contains(where: \.built)
        return v
    }

    mutating func unary() -> PSValue {
        let start = tok.range
        guard enter() else { return .unknown(start) }
        defer { nesting -= 1 }
        if let op = dash(["-join", "-split", "-not", "-bnot"]) {
            advance()
            let v = unary()
            let range = start.union(v.range)
            if op == "-join" {
                let parts = v.elements.map(\.string)
                return .derived(parts.allSatisfy { $0 != nil } ? .string(parts.map { $0! }.joined()) : .unknown, from: [v], range: range)
            }
            if op == "-split", let s = v.string {
                return .derived(.array(s.split(whereSeparator: \.isWhitespace).map { PSValue(kind: .string(String($0)), range: range) }), from: [v], range: range)
            }
            return .derived(.unknown, from: [v], range: range)
        }
        if isOp("!") {
            advance()
            let v = unary()
            return .derived(.unknown, from: [v], range: start.union(v.range))
        }
        if isOp("-") || isOp("+") {
            let neg = isOp("-")
            advance()
            let v = unary()
            if let n = v.int { return PSValue(kind: .int(neg ? -n : n), range: start.union(v.range), taint: v.taint, built: v.built) }
            return .derived(.unknown, from: [v], range: start.union(v.range))
        }
        if isOp("[") {
            let save = p
            if let type = typeLiteral(), !(tok.kind == .staticMember) {
                // A cast applies to what follows, unless nothing does (a bare type literal).
                if atTerminator || isOp(",") || tok.kind == .dash && !["-join", "-split"].contains(tok.text.lowercased()) {
                    return PSValue(kind: .type(type), range: start)
                }
                let v = unary()
                return cast(type, v, range: start.union(v.range))
            }
            p = save
        }
        return postfix()
    }

    /// `[Type.Name]` or `[char[]]`, returning the lower-cased name without `System.`.
    mutating func typeLiteral() -> String? {
        guard isOp("[") else { return nil }
        let save = p
        advance()
        var name = ""
        var depth = 1
        while tok.kind != .end {
            if isOp("[") { depth += 1; name += "[" } else if isOp("]") {
                depth -= 1
                if depth == 0 { advance(); break }
                name += "]"
            } else { name += tok.text }
            advance()
        }
        guard depth == 0, !name.isEmpty, name.first!.isLetter else { p = save; return nil }
        return Self.typeName(name)
    }

    func cast(_ type: String, _ v: PSValue, range: SourceRange) -> PSValue {
        func char(_ x: PSValue) -> PSValue? {
            if let n = x.int, let u = Unicode.Scalar(n) { return PSValue(kind: .string(String(Character(u))), range: range) }
            if case .string(let s) = x.kind, s.count == 1 { return PSValue(kind: .string(s), range: range) }
            return nil
        }
        switch type {
        case "char":
            return .derived(char(v)?.kind ?? .unknown, from: [v], range: range)
        case "char[]":
            if case .string(let s) = v.kind { return .derived(.array(s.map { PSValue(kind: .string(String($0)), range: range) }), from: [v], range: range) }
            let mapped = v.elements.map(char)
            return .derived(mapped.allSatisfy { $0 != nil } ? .array(mapped.map { $0! }) : .unknown, from: [v], range: range)
        case "string":
            return .derived(v.string.map { .string($0) } ?? .unknown, from: [v], range: range)
        case "int", "int32", "int64", "long", "byte":
            return .derived(v.int.map { .int($0) } ?? .unknown, from: [v], range: range)
        case "byte[]":
            let ints = v.elements.map(\.int)
            if case .bytes = v.kind { return v }
            return .derived(ints.allSatisfy { $0 != nil } ? .bytes(ints.map { UInt8(truncatingIfNeeded: $0!) }) : .unknown, from: [v], range: range)
        case "scriptblock":
            return .derived(.block, from: [v], range: range)
        default:
            return v
        }
    }
}
