/// A log that ``AuditVerifier`` has checked end to end: chain, Merkle tree and every checkpoint.
///
/// Only the verifier can make one.
public struct VerifiedAuditChain: Sendable, Hashable {
    /// The number of records.
    public let size: Int64
    /// The hash of the last record.
    public let head: AuditHash
    /// The Merkle root over all records.
    public let root: AuditHash
    /// Every checkpoint, each checked against the tree and its signature.
    public let checkpoints: [SignedCheckpoint]
    /// Whether the signatures were checked against a key the auditor supplied (`true`) or only
    /// against the key named inside the checkpoints (`false`: proves integrity, not origin).
    public let keyWasPinned: Bool
    /// Session recordings the log vouches for (from `recording.closed` records).
    public let recordings: [RecordingReference]
    /// The keys that signed the checkpoints, in the order they first signed.
    public let signers: [Signer]
    /// RFC 3161 timestamp tokens on checkpoints the log holds (`audit.timestamped`), unchecked:
    /// checking a token needs `openssl` (the CLI does it).
    public let timestamps: [TimestampReference]

    /// One key that signed checkpoints in the log.
    public struct Signer: Sendable, Hashable {
        public var key: GatewayPublicKey
        /// The node name its certification gives (verification with a trust root only).
        public var name: String?
        public var checkpoints: Int
        public var firstTreeSize: Int64
        public var lastTreeSize: Int64
    }

    /// The newest checkpoint.
    public var latestCheckpoint: SignedCheckpoint? { checkpoints.max { $0.treeSize < $1.treeSize } }

    /// Records after the newest checkpoint: their integrity rests on the chain alone, and
    /// someone holding the signing key or able to rewrite the tail could change them undetected.
    public var unsignedRecords: Int64 { size - (latestCheckpoint?.treeSize ?? 0) }

    init(size: Int64, head: AuditHash, root: AuditHash, checkpoints: [SignedCheckpoint], keyWasPinned: Bool, recordings: [RecordingReference], signers: [Signer] = [], timestamps: [TimestampReference] = []) {
        self.size = size
        self.head = head
        self.root = root
        self.checkpoints = checkpoints
        self.keyWasPinned = keyWasPinned
        self.recordings = recordings
        self.signers = signers
        self.timestamps = timestamps
    }
}

/// A session recording named in the log with the SHA-256 it had when closed.
public struct RecordingReference: Sendable, Hashable {
    /// The record that names it.
    public var sequence: Int64
    public var session: String?
    public var path: String
    /// Lower-case hex SHA-256 of the file.
    public var sha256: String
}

/// An RFC 3161 timestamp token the log records for one of its checkpoints.
public struct TimestampReference: Sendable, Hashable {
    /// The record that holds it.
    public var sequence: Int64
    /// The checkpoint's tree size.
    public var treeSize: Int64
    /// The imprint recorded: SHA-256 (hex) of the checkpoint's export line.
    public var checkpointSHA256: String
    public var tsa: String
    /// Base64 of the DER token.
    public var token: String
}
