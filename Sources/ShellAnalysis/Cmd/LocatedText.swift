/// One character of text that the Windows readers work on, with the range of the original input
/// it came from. Text produced by expanding a variable keeps the range of where the value was typed,
/// so a finding about a disguised command still points at something the engineer wrote.
struct LChar: Sendable, Hashable {
    var c: Unicode.Scalar
    var lo: Int
    var hi: Int
}

/// Located text: characters with their origins.
typealias LText = [LChar]

extension Array where Element == LChar {
    /// `s`, whose first byte is at UTF-8 offset `origin`.
    init(located s: String, origin: Int) {
        var out: [LChar] = []
        out.reserveCapacity(s.unicodeScalars.count)
        var off = origin
        for u in s.unicodeScalars {
            let n = UTF8.width(u)
            out.append(LChar(c: u, lo: off, hi: off + n))
            off += n
        }
        self = out
    }

    /// Text that was not typed as such (a well-known variable's value): every character points at `range`.
    init(synthetic s: String, range: SourceRange) {
        self = s.unicodeScalars.map { LChar(c: $0, lo: range.start, hi: range.end) }
    }

    var text: String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: lazy.map(\.c))
        return String(v)
    }

    /// The smallest range covering every character, or `nil` when empty.
    var span: SourceRange? {
        guard let f = first else { return nil }
        var lo = f.lo
        var hi = f.hi
        for c in self {
            lo = Swift.min(lo, c.lo)
            hi = Swift.max(hi, c.hi)
        }
        return SourceRange(lo, hi)
    }

    func trimmingLeading(_ set: Set<Unicode.Scalar>) -> LText {
        LText(drop(while: { set.contains($0.c) }))
    }

    func trimmingTrailing(_ set: Set<Unicode.Scalar>) -> LText {
        var t = self
        while let l = t.last, set.contains(l.c) { t.removeLast() }
        return t
    }
}

extension Report {
    /// Copies the findings and explanation of a nested reading. With `range`, every finding is moved
    /// onto it: the outer text that carried the decoded payload.
    mutating func merge(_ nested: Report, at range: SourceRange?) {
        for f in nested.findings { add(f.risk, f.technique, f.reason, range ?? f.range) }
        for line in nested.explanation { explain(line) }
        if nested.steps > steps { spend(nested.steps - steps) }
    }
}

/// Shortens text quoted in an explanation.
func quoted(_ s: String, limit: Int = 160) -> String {
    let flat = s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: "; ")
    let t = flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    return "`" + t.replacingOccurrences(of: "`", with: "'") + "`"
}
