/// A configuration file that cannot be used: which file, which field, and why.
///
/// The message never holds a secret: values are echoed only for numbers and fixed choices.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as it was named (`--config escort.toml`).
    public var file: String
    /// The field (`gateway.port`), or where in the file (`line 3, column 7`) for a syntax error.
    public var field: String
    public var message: String

    public init(file: String, field: String, _ message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    /// `escort.toml: gateway.port: must be 0…65535, got 70000`.
    public var description: String { "\(file): \(field): \(message)" }
}
