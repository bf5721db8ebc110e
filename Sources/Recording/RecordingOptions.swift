/// What a recording keeps, as the session's policy decides.
public struct RecordingOptions: Sendable, Hashable {
    /// Write `i` events for the engineer's keystrokes. Default true.
    public var recordInput: Bool = true
    /// Withhold input typed after a password-like prompt until Enter. Default true.
    public var detectPasswordPrompts: Bool = true
    /// The longest time written data may sit in the page cache before an `fsync`. Default 0.5 s.
    public var syncInterval: Duration = .milliseconds(500)

    public init() {}
}
