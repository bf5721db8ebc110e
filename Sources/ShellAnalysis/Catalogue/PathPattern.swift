/// A compiled path glob from `paths.json`: `*` within a component, `**` across components, a leading
/// `~` for any home directory. Matching ignores case for Windows-looking patterns.
struct PathPattern: Sendable {
    let components: [[UInt8]]
    let homeRelative: Bool
    let caseInsensitive: Bool
    /// The last component when it has no wildcard: a path whose last component differs cannot
    /// match, which turns most paths away before the glob is tried.
    let lastLiteral: [UInt8]?

    init(_ pattern: String) {
        var p = pattern
        caseInsensitive = p.contains("\\") || (p.count > 1 && Array(p)[1] == ":")
        if caseInsensitive { p = p.replacingOccurrences(of: "\\", with: "/").lowercased() }
        homeRelative = p.hasPrefix("~/")
        if homeRelative { p.removeFirst(2) }
        components = p.split(separator: "/", omittingEmptySubsequences: true).map { Array($0.utf8) }
        if let last = components.last, Self.isLiteral(last) {
            lastLiteral = last
        } else {
            lastLiteral = nil
        }
    }

    /// Whether a pattern component has no wildcard.
    static func isLiteral(_ component: [UInt8]) -> Bool {
        !component.contains(UInt8(ascii: "*")) && !component.contains(UInt8(ascii: "?"))
    }

    /// Normalises the typed path: home directories become `~`, `//` and `/./` are folded, `..` resolved.
    static func normalise(_ path: String) -> String {
        if isNormal(path) { return path }
        var p = path
        for prefix in ["$HOME/", "${HOME}/"] where p.hasPrefix(prefix) { p = "~/" + p.dropFirst(prefix.count) }
        var parts: [Substring] = []
        for c in p.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == "..", !parts.isEmpty, parts.last != ".." { parts.removeLast(); continue }
            parts.append(c)
        }
        let joined = parts.joined(separator: "/")
        return p.hasPrefix("/") ? "/" + joined : joined
    }

    /// Whether `normalise` would return `path` as it is: no `$HOME`, no empty, `.` or `..`
    /// component, no trailing `/` (most paths typed; this spares them the split and join).
    static func isNormal(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { b in
            guard let first = b.first else { return true }
            if first == UInt8(ascii: "$") { return false }
            var start = first == UInt8(ascii: "/") ? 1 : 0
            var i = start
            while i <= b.count {
                if i == b.count || b[i] == UInt8(ascii: "/") {
                    let length = i - start
                    if length == 0 { return false }
                    if b[start] == UInt8(ascii: "."), length == 1 || (length == 2 && b[start + 1] == UInt8(ascii: ".")) { return false }
                    start = i + 1
                }
                i += 1
            }
            return true
        }
    }

    /// A typed path normalised once, for matching against every rule.
    struct Prepared {
        let path: String
        let parts: [String]
        let windowsPath: String
        let windowsParts: [String]

        init(_ raw: String) {
            path = PathPattern.normalise(raw)
            parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            windowsPath = ByteSearch.replacing(UInt8(ascii: "\\"), with: UInt8(ascii: "/"), in: path).lowercased()
            windowsParts = windowsPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            bytes = parts.map { Array($0.utf8) }
            windowsBytes = windowsParts.map { Array($0.utf8) }
        }

        let bytes: [[UInt8]]
        let windowsBytes: [[UInt8]]
    }

    func matches(_ rawPath: String) -> Bool { matches(Prepared(rawPath)) }

    func matches(_ prepared: Prepared) -> Bool {
        if let lastLiteral, (caseInsensitive ? prepared.windowsBytes : prepared.bytes).last != lastLiteral { return false }
        let path = caseInsensitive ? prepared.windowsPath : prepared.path
        let names = caseInsensitive ? prepared.windowsParts : prepared.parts
        var parts = (caseInsensitive ? prepared.windowsBytes : prepared.bytes)[...]
        if homeRelative {
            if names.first == "~" {
                parts.removeFirst()
            } else if names.first == "root" {
                parts.removeFirst()
            } else if names.first == "home", parts.count > 1 {
                parts.removeFirst(2)
            } else if caseInsensitive, names.count > 2, names[0].count == 2, names[0].hasSuffix(":"), names[1] == "users" {
                // A Windows profile: `C:\Users\NAME\…` (what `%USERPROFILE%`, `%APPDATA%` and `$env:APPDATA` expand to).
                parts.removeFirst(3)
            } else if path.hasPrefix("/") {
                return false
            }
            // A relative path is taken as relative to a home directory (the usual working directory).
        } else if !path.hasPrefix("/") && !caseInsensitive {
            return false
        }
        return Self.match(components[...], parts)
    }

    static let doubleStar = Array("**".utf8)

    static func match(_ pattern: ArraySlice<[UInt8]>, _ parts: ArraySlice<[UInt8]>) -> Bool {
        guard let first = pattern.first else { return parts.isEmpty }
        if first == doubleStar {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var p = parts
            while true {
                if match(rest, p) { return true }
                guard !p.isEmpty else { return false }
                p = p.dropFirst()
            }
        }
        guard let part = parts.first, glob(first[...], part[...]) else { return false }
        return match(pattern.dropFirst(), parts.dropFirst())
    }

    /// `*` and `?` within one component.
    static func glob(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        guard let c = p.first else { return s.isEmpty }
        if c == UInt8(ascii: "*") {
            var rest = s
            while true {
                if glob(p.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let d = s.first else { return false }
        if c == UInt8(ascii: "?") || c == d { return glob(p.dropFirst(), s.dropFirst()) }
        return false
    }
}

extension PathPattern {
    /// How many characters any text a shell pattern matches has at least: each `?`, `[…]` and
    /// plain character is one, `*` none.
    static func fixedLength(_ pattern: String) -> Int {
        var n = 0
        var inClass = false
        for c in pattern {
            if inClass { if c == "]" { inClass = false }; continue }
            if c == "[" { inClass = true; n += 1; continue }
            if c != "*" { n += 1 }
        }
        return n
    }

    /// Whether `text` matches the shell pattern `pattern` as a whole (`?`, `*`, `[abc]`, `[a-z]`,
    /// `[!x]`), compared as characters; used for a program named by a wildcard.
    static func globMatch(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        guard p.count <= 256, t.count <= 256 else { return false }
        var pi = 0, ti = 0, star = -1, mark = 0
        func classEnd(_ i: Int) -> Int? {
            var j = i + 1
            if j < p.count, p[j] == "!" || p[j] == "^" { j += 1 }
            if j < p.count, p[j] == "]" { j += 1 }
            while j < p.count, p[j] != "]" { j += 1 }
            return j < p.count ? j : nil
        }
        func inClass(_ i: Int, _ end: Int, _ c: Character) -> Bool {
            var j = i + 1
            var negate = false
            if p[j] == "!" || p[j] == "^" { negate = true; j += 1 }
            var hit = false
            while j < end {
                if j + 2 < end, p[j + 1] == "-" {
                    if p[j] <= c && c <= p[j + 2] { hit = true }
                    j += 3
                } else {
                    if p[j] == c { hit = true }
                    j += 1
                }
            }
            return hit != negate
        }
        while ti < t.count {
            if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
                continue
            }
            if pi < p.count {
                if p[pi] == "?", t[ti] != "/" { pi += 1; ti += 1; continue }
                if p[pi] == "[", let end = classEnd(pi) {
                    if inClass(pi, end, t[ti]) { pi = end + 1; ti += 1; continue }
                } else if p[pi] == t[ti] { pi += 1; ti += 1; continue }
            }
            // A `*` stands for characters within one path component, never a `/`.
            guard star >= 0, t[mark] != "/" else { return false }
            pi = star + 1
            mark += 1
            ti = mark
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

