/// An error from writing or reading a recording, with a stable code.
public struct RecordingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The file could not be created or written.
        case io = "REC-001"
        /// The file is not an asciicast v2 recording.
        case badFormat = "REC-002"
        /// The recording was already closed.
        case closed = "REC-003"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
