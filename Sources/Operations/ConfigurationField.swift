/// One field of the `escort serve` configuration file: its dotted name and the kind of value it
/// takes. ``ServeConfiguration/fields`` lists every field the parser accepts; the docs test checks
/// `docs/configuration.md` against it.
public struct ConfigurationField: Sendable, Hashable {
    /// What a field holds, and so how it is checked.
    public enum Kind: Sendable, Hashable {
        /// A non-empty string.
        case text
        /// A file or folder; relative paths are taken from the configuration file's folder.
        case path
        /// A TCP port, 0…65535 (0: any free port).
        case port
        /// A whole number in a range.
        case integer(ClosedRange<Int>)
        /// A number (integer or float) in a range.
        case number(ClosedRange<Double>)
        /// One of a few words.
        case choice([String])
        /// The name of an environment variable (never its value).
        case environmentVariable
    }

    /// `table.key`, e.g. `gateway.port`.
    public var name: String
    public var kind: Kind

    public init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }

    public var table: String { String(name.split(separator: ".")[0]) }
    public var key: String { String(name.split(separator: ".")[1]) }
}
