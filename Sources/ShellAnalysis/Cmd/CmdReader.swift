/// Placeholder until the cmd reader lands: fails closed.
public struct CmdReader: Sendable {
    let catalogue: Catalogue
    public init(catalogue: Catalogue) { self.catalogue = catalogue }
    public func read(_ source: String, origin: Int, depth: Int, into report: inout Report) -> ReaderStatus {
        report.add(.high, nil, "cmd is not read yet.", SourceRange(origin, origin + source.utf8.count))
        return .complete
    }
}
