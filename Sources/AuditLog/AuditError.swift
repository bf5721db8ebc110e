/// An error from the audit log, with a stable code and a message a person can act on.
///
/// An `append` that throws means the event is NOT in the log: the caller must not go on with
/// what the event describes (for example, must not forward the command).
public struct AuditError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes.
    public enum Code: String, Sendable, Hashable {
        /// The storage failed; nothing from the failed batch was written.
        case storageFailed = "AUDIT-001"
        /// The log was closed (or failed) and accepts no more appends.
        case closed = "AUDIT-002"
        /// The event cannot be encoded (for example it holds a float).
        case invalidEvent = "AUDIT-003"
        /// A record body is not a well-formed record.
        case malformedRecord = "AUDIT-004"
        /// A checkpoint body is not a well-formed checkpoint.
        case malformedCheckpoint = "AUDIT-005"
        /// A key file or public key could not be read, written or parsed.
        case badKey = "AUDIT-006"
        /// An export file could not be read.
        case badExport = "AUDIT-007"
        /// The stored chain does not verify (see ``AuditVerificationFailure``).
        case verificationFailed = "AUDIT-008"
        /// A requested record or checkpoint does not exist.
        case notFound = "AUDIT-009"
        /// A configuration value is out of range.
        case invalidConfiguration = "AUDIT-010"
        /// The store is not an extension of the tree this signer last signed (records or
        /// checkpoints were deleted or rewritten): the log is closed and signs nothing more.
        case notAnExtension = "AUDIT-011"
        /// An RFC 3161 timestamp could not be made, read or verified (or `openssl` is missing).
        case timestampFailed = "AUDIT-012"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
