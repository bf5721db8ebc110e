/// cmd.exe's variables during one reading: those `set` in this input, then the well-known ones.
struct CmdVariables: Sendable {
    private var vars: [String: LText] = [:]

    mutating func set(_ name: String, _ value: LText) {
        if value.isEmpty { vars[name.uppercased()] = nil } else { vars[name.uppercased()] = value }
    }

    func isDefined(_ name: String) -> Bool {
        vars[name.uppercased()] != nil || WindowsEnvironment.value(name) != nil
    }

    func value(_ name: String, referencedAt range: SourceRange) -> LText? {
        if let v = vars[name.uppercased()] { return v }
        return WindowsEnvironment.value(name).map { LText(synthetic: $0, range: range) }
    }

    /// Expands one reference body (`NAME`, `NAME:~start,len`, `NAME:find=repl`), or `nil` when the
    /// variable is not defined.
    func expand(_ body: LText, range: SourceRange) -> LText? {
        guard let colon = body.firstIndex(where: { $0.c == ":" }) else {
            return value(LText(body).text, referencedAt: range)
        }
        let name = LText(body[..<colon]).text
        guard let v = value(name, referencedAt: range) else { return nil }
        let spec = LText(body[(colon + 1)...])
        if spec.first?.c == "~" {
            return Self.substring(v, spec: LText(spec.dropFirst()).text)
        }
        guard let eq = spec.firstIndex(where: { $0.c == "=" }) else { return nil }
        var find = LText(spec[..<eq]).text
        let repl = LText(spec[(eq + 1)...])
        return Self.substitute(v, find: &find, with: repl)
    }

    /// `%VAR:~start,len%`: negative values count from the end.
    static func substring(_ v: LText, spec: String) -> LText? {
        let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        func int(_ s: String) -> Int? { Int(s.hasPrefix("+") ? String(s.dropFirst()) : s) }
        guard parts.count <= 2, let s0 = int(parts[0].isEmpty ? "0" : parts[0]) else { return nil }
        let n = v.count
        var start = s0 < 0 ? n + s0 : s0
        start = Swift.max(0, Swift.min(start, n))
        var end = n
        if parts.count == 2 {
            guard let l = int(parts[1]) else { return nil }
            end = l < 0 ? n + l : start + l
            end = Swift.max(start, Swift.min(end, n))
        }
        return LText(v[start..<end])
    }

    /// `%VAR:find=repl%` (case-insensitive; a leading `*` in `find` matches everything up to it).
    static func substitute(_ v: LText, find: inout String, with repl: LText) -> LText {
        var star = false
        if find.hasPrefix("*") {
            star = true
            find.removeFirst()
        }
        let needle = Array(find.lowercased().unicodeScalars)
        guard !needle.isEmpty else { return v }
        let hay = v.map { Character($0.c).lowercased().unicodeScalars.first ?? $0.c }
        var out = LText()
        var i = 0
        while i < v.count {
            if i + needle.count <= v.count, Array(hay[i..<(i + needle.count)]) == needle {
                if star {
                    return repl + LText(v[(i + needle.count)...])
                }
                out += repl
                i += needle.count
            } else {
                out.append(v[i])
                i += 1
            }
        }
        return star ? v : out
    }

    /// Phase 1 of cmd.exe: `%VAR%` references. On the command line an undefined variable is left as typed.
    func expandPercent(_ t: LText) -> LText {
        var out = LText()
        out.reserveCapacity(t.count)
        var i = 0
        while i < t.count {
            if t[i].c == "%", let j = t[(i + 1)...].firstIndex(where: { $0.c == "%" }), j > i + 1 {
                let body = LText(t[(i + 1)..<j])
                if let v = expand(body, range: SourceRange(t[i].lo, t[j].hi)) {
                    out += v
                    i = j + 1
                    continue
                }
            }
            out.append(t[i])
            i += 1
        }
        return out
    }

    /// Delayed expansion (`!VAR!`, with `cmd /V:ON`): undefined variables vanish, and carets are
    /// removed once more when the text holds a `!`.
    func expandDelayed(_ t: LText) -> LText {
        guard t.contains(where: { $0.c == "!" }) else { return t }
        var out = LText()
        var i = 0
        while i < t.count {
            let ch = t[i]
            if ch.c == "^" {
                if i + 1 < t.count { out.append(t[i + 1]) }
                i += 2
                continue
            }
            if ch.c == "!" {
                if let j = t[(i + 1)...].firstIndex(where: { $0.c == "!" }) {
                    let body = LText(t[(i + 1)..<j])
                    if !body.isEmpty, let v = expand(body, range: SourceRange(t[i].lo, t[j].hi)) { out += v }
                    i = j + 1
                } else {
                    i += 1
                }
                continue
            }
            out.append(ch)
            i += 1
        }
        return out
    }
}
