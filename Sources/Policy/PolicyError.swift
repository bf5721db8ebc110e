/// A policy file or IP table that cannot be used, with a stable code and a message naming the
/// field (e.g. `access[2].levels`) or the line.
///
/// A policy that fails to load is never replaced by a guess: the gateway refuses to start.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes. They never change meaning once released.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The file is not valid TOML.
        case syntax = "POL-001"
        /// A key the policy language does not have (often a typo).
        case unknownKey = "POL-002"
        /// A value of the wrong TOML type (a string where a list is wanted, …).
        case wrongType = "POL-003"
        /// Not an ISO 3166-1 alpha-2 country code.
        case unknownCountry = "POL-004"
        /// Not an impact level (IL2, IL4, IL5, IL6).
        case unknownImpactLevel = "POL-005"
        /// Not a command verdict (run, hold, hold+review, refuse).
        case unknownVerdict = "POL-006"
        /// Not an access mode (direct, escorted, never).
        case unknownMode = "POL-007"
        /// Any other value out of range: an unknown clearance, role or risk; an unsafe setting.
        case invalidValue = "POL-008"
        /// A required key is missing.
        case missingField = "POL-009"
        /// An IP-to-country table line that cannot be read.
        case badIPTable = "POL-010"
        /// A file could not be read.
        case unreadable = "POL-011"
    }

    public var code: Code
    public var message: String
    /// Where in the file: a key path such as `commands.escorted.critical`, or `line 12`.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String {
        if let field { return "\(code.rawValue): \(field): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}
