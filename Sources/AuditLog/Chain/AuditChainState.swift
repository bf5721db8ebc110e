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

    /// Advances over a record another writer appended after this head, having checked it: its
    /// sequence number is the next one (in the row and in its body), its bytes match its stored
    /// hash, and its `prev` is this head.
    ///
    /// - Throws: ``AuditError`` `.verificationFailed` naming the record; the state is unchanged.
    public mutating func adoptChecked(_ record: StoredAuditRecord) throws(AuditError) {
        let expected = size + 1
        func failure(_ why: String) -> AuditError {
            AuditError(
                .verificationFailed,
                "record \(record.sequence), appended by another writer, does not verify: \(why); nothing more is appended (run `escort audit verify`)")
        }
        guard record.sequence == expected else { throw failure("record \(expected) was expected next") }
        let hash = MerkleTree.leafHash(record.body)
        guard hash.matches(record.hash) else { throw failure("its bytes do not match its stored hash") }
        let links: RecordLinks
        switch RecordLinks.read(record.body) {
        case .success(let l): links = l
        case .failure(let e): throw failure("it is not a readable record (\(e.message))")
        }
        guard links.sequence == expected else { throw failure("its body says it is record \(links.sequence)") }
        guard links.previous == head else {
            throw failure(expected == 1 ? "it does not start from the genesis hash" : "its prev is not the hash of record \(size)")
        }
        adopt(hash: hash)
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
    public mutating func checkpoint(time: Date = Date(), signedBy other: GatewaySigningKey? = nil) throws(AuditError) -> SignedCheckpoint {
        let c = try SignedCheckpoint.sign(treeSize: state.size, root: state.root, time: time, key: other ?? key)
        checkpoints.append(c.stored)
        return c
    }

    /// The unverified chain built so far.
    public var chain: AuditChain { AuditChain(records: records, checkpoints: checkpoints) }
}

