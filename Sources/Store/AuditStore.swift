/// One stored audit record: the canonical JSON bytes exactly as hashed, and the hash the
/// writer computed for them. The store treats both as opaque; only the audit verifier
/// decides whether they are true.
public struct StoredAuditRecord: Sendable, Hashable {
    /// The record's sequence number (1, 2, 3, …), which is also its Merkle leaf number + 1.
    public var sequence: Int64
    /// The record's hash as claimed by the writer (32 bytes).
    public var hash: [UInt8]
    /// The canonical JSON of the record.
    public var body: [UInt8]

    public init(sequence: Int64, hash: [UInt8], body: [UInt8]) {
        self.sequence = sequence
        self.hash = hash
        self.body = body
    }
}

/// One stored signed checkpoint: canonical JSON of (tree size, root, time, key) and the
/// Ed25519 signature over it.
public struct StoredAuditCheckpoint: Sendable, Hashable {
    /// The number of records the checkpoint covers.
    public var treeSize: Int64
    /// The canonical JSON of the checkpoint.
    public var body: [UInt8]
    /// The signature over ``body`` (with the checkpoint domain prefix).
    public var signature: [UInt8]

    public init(treeSize: Int64, body: [UInt8], signature: [UInt8]) {
        self.treeSize = treeSize
        self.body = body
        self.signature = signature
    }
}

/// Durable, append-only storage for the audit log.
///
/// Implementations must make ``appendAudit(records:checkpoints:)`` atomic and durable: when
/// it returns, every row is committed and synced (for SQLite: WAL with `synchronous=FULL`).
/// Every storage backend passes the shared suite in `EscortTesting`.
public protocol AuditStore: Sendable {
    /// Writes records and checkpoints in one durable transaction. Throws if any row could not
    /// be written, in which case none of them is.
    ///
    /// The log has one chain but may have several writers (the gateway, a CLI command run beside
    /// it, another gateway on a shared database). Record sequence numbers are unique: when a
    /// record's sequence number is already stored, the whole batch fails with ``StoreError``
    /// `.conflict` (and no other code), so the writer can read what the other one appended,
    /// re-encode its batch after it and try again. Any other failure uses another code.
    func appendAudit(records: [StoredAuditRecord], checkpoints: [StoredAuditCheckpoint]) async throws

    /// The record with the highest sequence number, if any.
    func lastAuditRecord() async throws -> StoredAuditRecord?

    /// Up to `limit` records with sequence ≥ `sequence`, in sequence order.
    func auditRecords(from sequence: Int64, limit: Int) async throws -> [StoredAuditRecord]

    /// The number of stored records.
    func auditRecordCount() async throws -> Int64

    /// Every stored checkpoint, ordered by tree size then insertion order.
    func auditCheckpoints() async throws -> [StoredAuditCheckpoint]
}

/// Errors from a store, with stable codes.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes.
    public enum Code: String, Sendable, Hashable {
        /// The database file does not exist.
        case notFound = "STORE-001"
        /// The file is not a database or is damaged.
        case corrupt = "STORE-002"
        /// The database could not be read or written.
        case io = "STORE-003"
        /// A row holds a value of the wrong type.
        case badRow = "STORE-004"
        /// The name, key or id is already taken.
        case duplicate = "STORE-005"
        /// The change contradicts what is stored (an overlapping ticket, a ticket already revoked, an
        /// audit record sequence number another writer has already taken).
        case conflict = "STORE-006"
        /// The person, target or ticket named does not exist.
        case missing = "STORE-007"
        /// The store's location (a path or a `postgres://` URL) cannot be used as given.
        case badLocation = "STORE-008"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// An ``AuditStore`` that can hold every other Escort writer off while one appends, so several
/// writers (gateway nodes on one PostgreSQL database) take turns instead of racing for the next
/// sequence number: racing writers can starve one another under load.
public protocol SerialisedAuditStore: AuditStore {
    /// In one durable transaction, holding off every other writer that appends this way: reads
    /// the records stored after the first `size` and the checkpoints over more than `size`
    /// records, passes them to `encode`, and writes the records and checkpoints it returns.
    /// If `encode` throws, nothing is written and its error is rethrown as it is.
    func appendAuditSerialised(
        after size: Int64,
        _ encode: @Sendable ([StoredAuditRecord], [StoredAuditCheckpoint]) async throws -> ([StoredAuditRecord], [StoredAuditCheckpoint])
    ) async throws
}
