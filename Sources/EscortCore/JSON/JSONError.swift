/// A JSON document that could not be read, with the byte offset where reading stopped.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable reason codes.
    public enum Code: String, Sendable, Hashable {
        case unexpectedEnd = "JSON-001"
        case unexpectedByte = "JSON-002"
        case invalidString = "JSON-003"
        case invalidNumber = "JSON-004"
        case duplicateKey = "JSON-005"
        case tooDeep = "JSON-006"
        case trailingData = "JSON-007"
        case notCanonical = "JSON-008"
    }

    public var code: Code
    public var message: String
    /// Byte offset in the input.
    public var offset: Int

    public init(_ code: Code, _ message: String, at offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(code.rawValue): \(message) (at byte \(offset))" }
}
