import Store

/// Records and checkpoints as read from a store or an export, not yet checked.
///
/// Nothing in it is trusted; it becomes a ``VerifiedAuditChain`` only through ``AuditVerifier``.
public struct AuditChain: Sendable, Hashable {
    /// Records in stored order.
    public var records: [StoredAuditRecord]
    public var checkpoints: [StoredAuditCheckpoint]

    public init(records: [StoredAuditRecord], checkpoints: [StoredAuditCheckpoint]) {
        self.records = records
        self.checkpoints = checkpoints
    }
}
