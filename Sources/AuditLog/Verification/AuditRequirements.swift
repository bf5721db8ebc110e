/// What a verification demands beyond the log's own consistency: checkpoints held outside the
/// store, and how much of the log may go unsigned.
///
/// A log whose checkpoints were deleted along with a rewrite is internally consistent; only a
/// checkpoint someone else kept (the signer beside its key, a witness in its cosignatures)
/// exposes it. With a pinned key, a log must also carry checkpoints: an export with its
/// checkpoint lines removed, or more unsigned records than the gateway ever leaves, fails.
public struct AuditRequirements: Sendable, Hashable {
    /// A checkpoint held outside the store and who holds it ("the signer's kept checkpoint",
    /// "witness 1f2e…"), which the log must contain and be consistent with.
    public struct Vouched: Sendable, Hashable {
        public var checkpoint: SignedCheckpoint
        public var holder: String

        public init(_ checkpoint: SignedCheckpoint, holder: String) {
            self.checkpoint = checkpoint
            self.holder = holder
        }
    }

    /// Checkpoints the log must contain, each with the same root.
    public var vouched: [Vouched] = []
    /// With a pinned key: the most records after the newest checkpoint before verification
    /// fails (default 1000, the gateway's `checkpointEveryRecords`: it signs at every multiple, so
    /// a longer tail means checkpoints were deleted). nil: no bound.
    public var maximumUnsigned: Int64? = 1000
    /// With a pinned key: a non-empty log must carry at least one checkpoint. Default true.
    public var requireCheckpoint = true

    public init(vouched: [Vouched] = [], maximumUnsigned: Int64? = 1000, requireCheckpoint: Bool = true) {
        self.vouched = vouched
        self.maximumUnsigned = maximumUnsigned
        self.requireCheckpoint = requireCheckpoint
    }

    /// No demands beyond the log's own consistency (the behaviour without a pinned key).
    public static let none = AuditRequirements(maximumUnsigned: nil, requireCheckpoint: false)
}
