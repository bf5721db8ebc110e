/// A compiled path glob from `paths.json`: `*` within a component, `**` across components, a leading
/// `~` for any home directory. Matching ignores case for Windows-looking patterns.
struct PathPattern: Sendable {
    let components: [String]
    let homeRelative: Bool
    let caseInsensitive: Bool

    init(_ pattern: String) {
        var p = pattern
        caseInsensitive = p.contains("\\") || (p.count > 1 && Array(p)[1] == ":")
        if caseInsensitive { p = p.replacingOccurrences(of: "\\", with: "/").lowercased() }
        homeRelative = p.hasPrefix("~/")
        if homeRelative { p.removeFirst(2) }
        components = p.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// Normalises the typed path: home directories become `~`, `//` and `/./` are folded, `..` resolved.
    static func normalise(_ path: String) -> String {
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

    func matches(_ rawPath: String) -> Bool {
        var path = Self.normalise(rawPath)
        if caseInsensitive { path = path.replacingOccurrences(of: "\\", with: "/").lowercased() }
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if homeRelative {
            if parts.first == "~" {
                parts.removeFirst()
            } else if parts.first == "root" {
                parts.removeFirst()
            } else if parts.first == "home", parts.count > 1 {
                parts.removeFirst(2)
            } else if path.hasPrefix("/") {
                return false
            }
            // A relative path is taken as relative to a home directory (the usual working directory).
        } else if !path.hasPrefix("/") && !caseInsensitive {
            return false
        }
        return Self.match(components[...], parts[...])
    }

    static func match(_ pattern: ArraySlice<String>, _ parts: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return parts.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var p = parts
            while true {
                if match(rest, p) { return true }
                guard !p.isEmpty else { return false }
                p = p.dropFirst()
            }
        }
        guard let part = parts.first, glob(Array(first.utf8)[...], Array(part.utf8)[...]) else { return false }
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
