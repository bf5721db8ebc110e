/// What flows into or out of a command, as far as the analyser can know it.
enum Stream {
    /// Nothing (the terminal, or a closed input).
    case none
    /// Known text, with where it came from and the source range that produced it.
    case text(String, Taint, SourceRange)
    /// Unknown content; the taint says what is known of its origin.
    case dynamic(Taint)

    var taint: Taint {
        switch self {
        case .none: []
        case .text(_, let t, _): t
        case .dynamic(let t): t
        }
    }

    /// The same data, also marked with `taint`.
    func adding(_ extra: Taint) -> Stream {
        switch self {
        case .none: .none
        case .text(let s, let t, let r): .text(s, t.union(extra), r)
        case .dynamic(let t): .dynamic(t.union(extra))
        }
    }

    var text: String? {
        if case .text(let s, _, _) = self { return s }
        return nil
    }
}
