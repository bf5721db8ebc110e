/// Bad input for the personnel or target registry, with a stable code and a message a person
/// can act on (it names the field, and for a CSV import the row).
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes. They never change meaning once released.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A login or target name does not match `^[a-z][a-z0-9._-]{0,31}$`.
        case invalidName = "REG-001"
        /// Not an ISO 3166-1 alpha-2 country code.
        case unknownCountry = "REG-002"
        /// An SSH public key line or blob is malformed.
        case invalidKey = "REG-003"
        /// A key type Escort does not accept (RSA, DSA, certificates, security keys).
        case unsupportedKeyType = "REG-004"
        /// A required field is missing or empty, or holds a value out of range.
        case invalidField = "REG-005"
        /// Not one of the clearance levels.
        case unknownClearance = "REG-006"
        /// Not one of the roles.
        case unknownRole = "REG-007"
        /// A date or time that cannot be read.
        case invalidDate = "REG-008"
        /// A CSV file that cannot be read (quotes, header, column count).
        case invalidCSV = "REG-009"
        /// A ticket whose window is empty or reversed.
        case invalidTicket = "REG-010"
    }

    public var code: Code
    public var message: String
    /// The field that was wrong (e.g. `citizenship`), when there is one.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The same error with `context` (e.g. `row 3`) put in front of the message.
    public func prefixed(_ context: String) -> RegistryError {
        RegistryError(code, "\(context): \(message)", field: field)
    }
}
