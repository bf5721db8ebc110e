/// A half-open range of UTF-8 byte offsets into the analysed source text.
///
/// Ranges found inside decoded payloads (base64, `sh -c` strings, here-documents) point at the
/// outermost piece of the original text that carried the payload, so a reader can always
/// highlight something the engineer actually typed.
public struct SourceRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    public var isEmpty: Bool { start == end }
    public var count: Int { end - start }

    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }

    public var description: String { "\(start)..<\(end)" }
}
