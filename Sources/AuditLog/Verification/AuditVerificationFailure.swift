/// Why a log failed verification, naming the first record where it fails.
public struct AuditVerificationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A record's bytes are not what was written (its hash, its successor's link, or a
        /// signed checkpoint's root disagrees).
        case changed
        /// One or more records are absent from the middle of the chain.
        case missing
        /// Records are present but out of order.
        case reordered
        /// A record that was never written by the gateway is in the chain.
        case inserted
        /// The log ends before the size a signed checkpoint vouches for.
        case truncatedAfterCheckpoint
        /// A checkpoint's signature is invalid or by a key other than the pinned one.
        case badSignature
        /// A checkpoint cannot be read.
        case malformedCheckpoint
        /// A checkpoint held outside the log (the signer's kept checkpoint, a witness's
        /// cosignature) is not in it: checkpoints were deleted.
        case checkpointMissing
        /// With a pinned key: the log carries no checkpoint, or more records after its newest
        /// checkpoint than the bound allows.
        case unsigned
        /// With a trust root: a checkpoint is signed by a key no trusted root certified for the
        /// time it was signed.
        case uncertifiedSigner
    }

    public var kind: Kind
    /// The record number (sequence) where the log first fails.
    public var record: Int64
    /// What was found, for a person.
    public var message: String

    public init(_ kind: Kind, record: Int64, _ message: String) {
        self.kind = kind
        self.record = record
        self.message = message
    }

    public var description: String { "record \(record): \(kind.rawValue): \(message)" }
}
