import Foundation
import Store

/// The head of the chain and the right edge of the Merkle tree: everything needed to add the
/// next record. Pure; the ``AuditLog`` actor owns one and replaces it only after a commit.
public struct AuditChainState: Sendable, Hashable {
    /// The number of records (= the last sequence number).
    public private(set) var size: Int64 = 0
    /// The hash of the last record (``AuditHash/genesis`` when empty).
    public private(set) var head: AuditHash = .genesis
    /// The Merkle frontier over all records.
    public private(set) var frontier = MerkleFrontier()

    public init() {}

    /// The current Merkle root.
    public var root: AuditHash { frontier.root }

    /// Encodes `event` as the next record and advances the head.
    public mutating func append(_ event: AuditEvent) throws(AuditError) -> StoredAuditRecord {
        let seq = size + 1
        let body = try AuditRecord.canonicalBody(event, sequence: seq, previous: head)
        let hash = MerkleTree.leafHash(body)
        size = seq
        head = hash
        frontier.append(hash)
        return StoredAuditRecord(sequence: seq, hash: hash.bytes, body: body)
    }

    /// Advances over a record that is already stored (when reopening a log).
    mutating func adopt(hash: AuditHash) {
        size += 1
        head = hash
        frontier.append(hash)
    }
}

/// Builds a chain in memory: for tests, fixtures and benchmarks.
public struct AuditChainBuilder: Sendable {
    public private(set) var state = AuditChainState()
    public private(set) var records: [StoredAuditRecord] = []
    public private(set) var checkpoints: [StoredAuditCheckpoint] = []
    let key: GatewaySigningKey

    public init(key: GatewaySigningKey) { self.key = key }

    /// Appends an event.
    @discardableResult
    public mutating func append(_ event: AuditEvent) throws(AuditError) -> StoredAuditRecord {
        let r = try state.append(event)
        records.append(r)
        return r
    }

    /// Signs a checkpoint over everything appended so far.
    @discardableResult
    public mutating func checkpoint(time: Date = Date()) throws(AuditError) -> SignedCheckpoint {
        let c = try SignedCheckpoint.sign(treeSize: state.size, root: state.root, time: time, key: key)
        checkpoints.append(c.stored)
        return c
    }

    /// The unverified chain built so far.
    public var chain: AuditChain { AuditChain(records: records, checkpoints: checkpoints) }
}

