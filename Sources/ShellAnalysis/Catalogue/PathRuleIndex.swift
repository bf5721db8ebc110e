/// The path rules for one kind of access, indexed so that a path is tried only against the rules
/// it could match.
///
/// A pattern that is not home-relative and starts with a literal component (`/etc/…`, `HKLM\…`)
/// matches only paths whose first component is that literal; otherwise a pattern whose last
/// component is literal (`~/.bashrc`, `**/id_rsa`) matches only paths ending in it. Patterns with
/// neither (`~/.ssh/id_*`, `**/*.pem`) are tried on every path. The index only leaves out rules
/// that ``PathPattern/matches(_:)`` would refuse, so the rules found are the same, in the same
/// order, as trying all of them (a test compares the two).
struct PathRuleIndex: Sendable {
    let rules: [PathRule]
    let matchers: [PathPattern]
    /// Rule indices by first component, for case-sensitive and for case-insensitive patterns.
    private let byHead: [[UInt8]: [Int]]
    private let byLowerHead: [[UInt8]: [Int]]
    /// Rule indices by last component.
    private let byTail: [[UInt8]: [Int]]
    private let byLowerTail: [[UInt8]: [Int]]
    /// Rules tried on every path.
    private let always: [Int]

    init(_ rules: [PathRule]) {
        self.rules = rules
        matchers = rules.map { PathPattern($0.pattern) }
        var head: [[UInt8]: [Int]] = [:], lowerHead: [[UInt8]: [Int]] = [:]
        var tail: [[UInt8]: [Int]] = [:], lowerTail: [[UInt8]: [Int]] = [:]
        var always: [Int] = []
        for (i, m) in matchers.enumerated() {
            if !m.homeRelative, let first = m.components.first, PathPattern.isLiteral(first) {
                if m.caseInsensitive { lowerHead[first, default: []].append(i) } else { head[first, default: []].append(i) }
            } else if let last = m.lastLiteral {
                if m.caseInsensitive { lowerTail[last, default: []].append(i) } else { tail[last, default: []].append(i) }
            } else {
                always.append(i)
            }
        }
        byHead = head
        byLowerHead = lowerHead
        byTail = tail
        byLowerTail = lowerTail
        self.always = always
    }

    /// The rules that match `path`, in catalogue order.
    func rules(matching path: PathPattern.Prepared) -> [PathRule] {
        var candidates = always
        if let first = path.bytes.first, let found = byHead[first] { candidates += found }
        if let first = path.windowsBytes.first, let found = byLowerHead[first] { candidates += found }
        if let last = path.bytes.last, let found = byTail[last] { candidates += found }
        if let last = path.windowsBytes.last, let found = byLowerTail[last] { candidates += found }
        candidates.sort()
        var found: [PathRule] = []
        for i in candidates where matchers[i].matches(path) { found.append(rules[i]) }
        return found
    }
}
