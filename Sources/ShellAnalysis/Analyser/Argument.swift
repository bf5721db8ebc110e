/// What is known about data at analysis time: where it came from.
public struct Taint: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Fetched from the network in this input.
    public static let network = Taint(rawValue: 1)
    /// Decoded from an encoded payload (base64, hex, escapes) in this input.
    public static let decoded = Taint(rawValue: 2)
    /// The output of a command Escort could not evaluate.
    public static let dynamic = Taint(rawValue: 4)
    /// Holds credentials or key material read in this input (see ``Report/secrets``).
    public static let secret = Taint(rawValue: 8)
    /// Encoded in this input (hex, base64, base32) the way data is before it is hidden in host
    /// names or packets (`xxd -p`, `base64 -w0`).
    public static let encoded = Taint(rawValue: 16)
}

/// One argument of a command as the analyser sees it: its text when that is known before the
/// command runs, and where it came from.
public struct Argument: Sendable, Hashable {
    /// The text, or `nil` when it depends on something only known at run time.
    public var text: String?
    public var range: SourceRange
    public var taint: Taint

    public init(text: String?, range: SourceRange, taint: Taint = []) {
        self.text = text
        self.range = range
        self.taint = taint
    }
}
