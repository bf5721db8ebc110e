/// Proof that an append is durable: returned only after the record is committed and synced.
public struct AuditReceipt: Sendable, Hashable {
    /// The record's sequence number.
    public var sequence: Int64
    /// The record's hash.
    public var hash: AuditHash
}
