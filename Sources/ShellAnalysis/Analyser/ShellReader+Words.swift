import Foundation

/// Word evaluation: quote removal, variables, `${IFS}`, substitutions, field splitting.
extension ShellReader {
    /// A piece of an evaluated word.
    struct Segment {
        var text: String?
        /// Unquoted expansion results are split into fields at blanks.
        var splittable: Bool
        var taint: Taint
    }

    /// Evaluates a word into the fields the shell will pass (usually one).
    mutating func evaluate(_ word: Word) -> [Argument] {
        var segments: [Segment] = []
        for part in word.parts { segments.append(contentsOf: evaluate(part, quoted: false)) }
        let taint = segments.reduce(into: Taint()) { $0.formUnion($1.taint) }
        if segments.contains(where: { $0.text == nil }) {
            return [Argument(text: nil, range: word.range, taint: taint.union(.dynamic))]
        }
        // Brace expansion of unquoted text (`{cat,/etc/shadow}` is `cat /etc/shadow`).
        if segments.count == 1, word.parts.count == 1, case .literal(let text, _) = word.parts[0], let expanded = Self.braceExpand(text) {
            return expanded.map { Argument(text: $0, range: word.range, taint: taint) }
        }
        // Field splitting of unquoted expansions, at the characters of `IFS` (a changed `IFS`
        // splits `cat,/etc/shadow` into two words).
        let ifs: Set<Character> = variables["IFS"]?.text.map { Set($0) } ?? [" ", "\t", "\n"]
        var fields: [String] = []
        var current = ""
        var hasCurrent = false
        for seg in segments {
            let text = seg.text ?? ""
            if !seg.splittable {
                current += text
                hasCurrent = true
                continue
            }
            for ch in text {
                if ifs.contains(ch) {
                    if hasCurrent && !current.isEmpty {
                        fields.append(current)
                    }
                    current = ""
                    hasCurrent = false
                } else {
                    current.append(ch)
                    hasCurrent = true
                }
            }
        }
        if hasCurrent { fields.append(current) }
        if fields.isEmpty, !segments.contains(where: { $0.splittable }) { fields = [""] }
        return fields.map { Argument(text: $0, range: word.range, taint: taint) }
    }

    /// The words bash makes of unquoted text with a brace list (`{cat,/etc/shadow}`,
    /// `/usr/{bin,sbin}/x`), or nil when there is none. At most 64 words; nested lists are
    /// expanded from the first; `{}` and `{x}` are left alone, as bash leaves them.
    static func braceExpand(_ text: String) -> [String]? {
        guard text.contains("{"), text.contains(","), text.contains("}") else { return nil }
        var out: [String] = []
        var pending = [text]
        var rounds = 0
        while let t = pending.popLast() {
            rounds += 1
            guard rounds < 256, out.count < 64 else { break }
            let chars = Array(t)
            // The first `{` with a top-level comma before its matching `}`.
            var found: (open: Int, close: Int, commas: [Int])? = nil
            var i = 0
            while i < chars.count, found == nil {
                if chars[i] == "{", i == 0 || chars[i - 1] != "$" {
                    var depth = 0
                    var commas: [Int] = []
                    var j = i
                    while j < chars.count {
                        if chars[j] == "{" { depth += 1 } else if chars[j] == "}" {
                            depth -= 1
                            if depth == 0 { break }
                        } else if chars[j] == ",", depth == 1 { commas.append(j) }
                        j += 1
                    }
                    if j < chars.count, !commas.isEmpty { found = (i, j, commas) }
                }
                i += 1
            }
            guard let f = found else { out.append(t); continue }
            let prefix = String(chars[..<f.open]), suffix = String(chars[(f.close + 1)...])
            var bounds = [f.open] + f.commas
            bounds.append(f.close)
            var alternatives: [String] = []
            for k in 0..<(bounds.count - 1) { alternatives.append(String(chars[(bounds[k] + 1)..<bounds[k + 1]])) }
            for a in alternatives.reversed() { pending.append(prefix + a + suffix) }
        }
        return out.count > 1 || (out.count == 1 && out[0] != text) ? out : nil
    }

    /// Evaluates a word that must stay one string (assignments, redirection targets).
    mutating func evaluateJoined(_ word: Word) -> Argument {
        var segments: [Segment] = []
        for part in word.parts { segments.append(contentsOf: evaluate(part, quoted: true)) }
        let taint = segments.reduce(into: Taint()) { $0.formUnion($1.taint) }
        if segments.contains(where: { $0.text == nil }) {
            return Argument(text: nil, range: word.range, taint: taint.union(.dynamic))
        }
        return Argument(text: segments.map { $0.text ?? "" }.joined(), range: word.range, taint: taint)
    }

    mutating func evaluate(_ part: WordPart, quoted: Bool) -> [Segment] {
        switch part {
        case .literal(let s, _):
            return [Segment(text: s, splittable: false, taint: [])]
        case .singleQuoted(let s, _):
            return [Segment(text: s, splittable: false, taint: [])]
        case .ansiCQuoted(let s, _):
            return [Segment(text: s, splittable: false, taint: [])]
        case .doubleQuoted(let parts, _), .localeQuoted(let parts, _):
            var text: String? = ""
            var taint = Taint()
            for p in parts {
                for seg in evaluate(p, quoted: true) {
                    taint.formUnion(seg.taint)
                    if let t = text, let s = seg.text { text = t + s } else { text = nil }
                }
            }
            return [Segment(text: text, splittable: false, taint: taint)]
        case .parameter(let p):
            let (text, taint) = lookup(p)
            return [Segment(text: text, splittable: !quoted, taint: taint)]
        case .commandSubstitution(let script, _, let range):
            let out = capture(script, range: range)
            var text = out.text
            // `$(which nc)`, `` `command -v gpg` ``: the path of that program.
            if text == nil, let program = Self.locatedProgram(script) { text = "/usr/bin/" + program }
            while text?.hasSuffix("\n") == true { text?.removeLast() }
            return [Segment(text: text, splittable: !quoted, taint: out.taint.union(text == nil ? .dynamic : []))]
        case .arithmetic(let text, _):
            readArithmetic(text)
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty, trimmed.allSatisfy(\.isNumber) {
                return [Segment(text: trimmed, splittable: false, taint: [])]
            }
            return [Segment(text: nil, splittable: !quoted, taint: [.dynamic])]
        case .processSubstitution(let script, let isInput, let range):
            if isInput {
                let out = capture(script, range: range)
                let path = "/dev/fd/\(63 + files.count)"
                files[path] = out
                return [Segment(text: path, splittable: false, taint: out.taint)]
            }
            walk(script)
            return [Segment(text: "/dev/fd/62", splittable: false, taint: [])]
        }
    }

    /// The program a substitution only locates (`which X`, `command -v X`, `type -P X`,
    /// `whereis -b X` is not one: its output has more than the path), or nil.
    static func locatedProgram(_ script: Script) -> String? {
        guard script.items.count == 1, let pipelines = script.items.first?.andOr.pipelines, pipelines.count == 1,
            pipelines[0].commands.count == 1, case .simple(let c) = pipelines[0].commands[0]
        else { return nil }
        let w = c.words.map(\.literalValue)
        guard w.allSatisfy({ $0 != nil }) else { return nil }
        let t = w.map { $0! }
        switch t.count {
        case 2 where t[0] == "which": return t[1].contains("/") ? nil : t[1]
        case 3 where (t[0] == "command" && t[1] == "-v") || (t[0] == "type" && t[1] == "-P") || (t[0] == "which" && t[1] == "-a"): return t[2].contains("/") ? nil : t[2]
        default: return nil
        }
    }

    /// Runs a script for its output (`$(…)`, `<(…)`), reporting what it does.
    mutating func capture(_ script: Script, range: SourceRange) -> Stream {
        var last: Stream = .dynamic([])
        for (i, item) in script.items.enumerated() {
            var out: Stream = .none
            for p in item.andOr.pipelines { out = walkReturning(p) }
            if i == script.items.count - 1 { last = out }
        }
        if script.items.count != 1 {
            if case .text = last {} else { return .dynamic(last.taint) }
        }
        return last
    }

    /// Like `walk(_:)` for a pipeline, returning its output.
    mutating func walkReturning(_ pipeline: Pipeline) -> Stream {
        var input: Stream = .none
        var members: [PipelineMember] = []
        for (i, command) in pipeline.commands.enumerated() {
            timedVia = pipeline.timed && i == 0 ? "time" : nil
            let output = run(command, stdin: input)
            timedVia = nil
            members.append(output.member)
            input = output.stdout
        }
        if pipeline.commands.count > 1 { checkPipeline(members, range: pipeline.range) }
        return input
    }

    /// A parameter's value, when known.
    mutating func lookup(_ p: ParameterExpansion) -> (String?, Taint) {
        var value: Value?
        switch p.name {
        case "IFS": value = variables["IFS"] ?? Value(text: " ", taint: [])
        case "HOME": value = variables["HOME"] ?? Value(text: "~", taint: [])
        case "SHELL", "BASH": value = variables[p.name] ?? Value(text: "/bin/bash", taint: [])
        default: value = variables[p.name]
        }
        if p.indirect, let target = value?.text {
            value = variables[target]
        } else if p.indirect {
            value = nil
        }
        if p.index != nil, p.name != "IFS" { value = value.map { Value(text: nil, taint: $0.taint) } }
        if p.length {
            guard let t = value?.text else { return (nil, [.dynamic]) }
            return (String(t.count), [])
        }
        guard let op = p.op else {
            return value.map { ($0.text, $0.taint) } ?? (nil, [.dynamic])
        }
        let arg = p.argument.map { evaluateJoined($0) }
        switch op {
        case .useDefault, .useDefaultUnset, .assignDefault, .assignDefaultUnset:
            if let v = value, v.text?.isEmpty == false || (op == .useDefaultUnset || op == .assignDefaultUnset) {
                return (v.text, v.taint)
            }
            if op == .assignDefault || op == .assignDefaultUnset {
                variables[p.name] = Value(text: arg?.text, taint: arg?.taint ?? [])
            }
            // Unknown variables are most often unset: take the default, as the shell would.
            return (arg?.text, arg?.taint ?? [.dynamic])
        case .alternative, .alternativeUnset:
            if value != nil { return (arg?.text, arg?.taint ?? []) }
            return (nil, [.dynamic])
        case .errorIfNull, .errorIfUnset:
            return value.map { ($0.text, $0.taint) } ?? (nil, [.dynamic])
        default:
            break
        }
        guard let text = value?.text else { return (nil, value?.taint ?? [.dynamic]) }
        let taint = value?.taint ?? []
        let pattern = arg?.text
        switch op {
        case .substring:
            guard let offsetText = pattern?.trimmingCharacters(in: .whitespaces), let offset = Int(offsetText) else {
                return (nil, taint.union(.dynamic))
            }
            let chars = Array(text)
            var start = offset < 0 ? chars.count + offset : offset
            start = max(0, min(chars.count, start))
            var length = chars.count - start
            if let second = p.secondArgument {
                guard let l = evaluateJoined(second).text.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
                    return (nil, taint.union(.dynamic))
                }
                length = l < 0 ? max(0, chars.count - start + l) : min(l, chars.count - start)
            }
            return (String(chars[start..<(start + max(0, length))]), taint)
        case .replaceFirst, .replaceAll, .replacePrefix, .replaceSuffix:
            guard let pat = pattern, !pat.contains("*"), !pat.contains("?"), !pat.contains("[") else {
                return (nil, taint.union(.dynamic))
            }
            let replacement = p.secondArgument.flatMap { evaluateJoined($0).text } ?? ""
            if pat.isEmpty { return (text, taint) }
            switch op {
            case .replaceAll: return (text.replacingOccurrences(of: pat, with: replacement), taint)
            case .replacePrefix: return (text.hasPrefix(pat) ? replacement + text.dropFirst(pat.count) : text, taint)
            case .replaceSuffix: return (text.hasSuffix(pat) ? text.dropLast(pat.count) + replacement : text, taint)
            default:
                if let r = text.range(of: pat) { return (text.replacingCharacters(in: r, with: replacement), taint) }
                return (text, taint)
            }
        case .removeSmallestPrefix, .removeLargestPrefix:
            guard let pat = pattern, !pat.contains("*"), !pat.contains("?") else { return (nil, taint.union(.dynamic)) }
            return (text.hasPrefix(pat) ? String(text.dropFirst(pat.count)) : text, taint)
        case .removeSmallestSuffix, .removeLargestSuffix:
            guard let pat = pattern, !pat.contains("*"), !pat.contains("?") else { return (nil, taint.union(.dynamic)) }
            return (text.hasSuffix(pat) ? String(text.dropLast(pat.count)) : text, taint)
        case .upperAll: return (text.uppercased(), taint)
        case .lowerAll: return (text.lowercased(), taint)
        case .upperFirst: return (text.prefix(1).uppercased() + text.dropFirst(), taint)
        case .lowerFirst: return (text.prefix(1).lowercased() + text.dropFirst(), taint)
        default:
            return (nil, taint.union(.dynamic))
        }
    }
}
