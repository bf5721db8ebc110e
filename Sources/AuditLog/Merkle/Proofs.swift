import EscortCore

/// Proof that record `sequence` is in the tree a signed checkpoint vouches for.
public struct InclusionProof: Sendable, Hashable {
    public var sequence: Int64
    public var leafHash: AuditHash
    /// Sibling hashes from the leaf up (RFC 6962 audit path).
    public var path: [AuditHash]
    public var checkpoint: SignedCheckpoint
    /// The record's canonical bytes, so the proof can be checked without the store.
    public var record: [UInt8] = []

    /// Checks the path against the checkpoint's root (not the signature: see ``SignedCheckpoint/hasValidSignature(pinnedKey:)``).
    public func verify() -> Bool {
        MerkleTree.verifyInclusion(
            leaf: leafHash, index: Int(sequence - 1), treeSize: Int(checkpoint.treeSize), proof: path, root: checkpoint.root)
    }

    /// The proof as JSON for `escort audit prove` (see docs/audit-log.md, "Proofs").
    public var json: JSONValue {
        .object([
            "type": "inclusion",
            "record_bytes": .string(String(decoding: record, as: UTF8.self)),
            "record": .integer(sequence),
            "leaf_index": .integer(sequence - 1),
            "leaf_hash": .string(leafHash.hex),
            "tree_size": .integer(checkpoint.treeSize),
            "root": .string(checkpoint.root.hex),
            "audit_path": .array(path.map { .string($0.hex) }),
            "checkpoint": .object([
                "body": .string(String(decoding: checkpoint.body, as: UTF8.self)),
                "signature": .string(Hex.encode(checkpoint.signature)),
            ]),
        ])
    }
}

/// Proof that the log at one checkpoint is a prefix of the log at a later one.
public struct ConsistencyProof: Sendable, Hashable {
    public var old: SignedCheckpoint
    public var new: SignedCheckpoint
    public var path: [AuditHash]

    /// Checks the path against both roots.
    public func verify() -> Bool {
        MerkleTree.verifyConsistency(
            oldSize: Int(old.treeSize), oldRoot: old.root, newSize: Int(new.treeSize), newRoot: new.root, proof: path)
    }

    /// The proof as JSON for `escort audit prove --consistency` (see docs/audit-log.md, "Proofs").
    public var json: JSONValue {
        func checkpoint(_ c: SignedCheckpoint) -> JSONValue {
            .object(["body": .string(String(decoding: c.body, as: UTF8.self)), "signature": .string(Hex.encode(c.signature))])
        }
        return .object([
            "type": "consistency",
            "old_size": .integer(old.treeSize), "old_root": .string(old.root.hex),
            "new_size": .integer(new.treeSize), "new_root": .string(new.root.hex),
            "consistency_path": .array(path.map { .string($0.hex) }),
            "old_checkpoint": checkpoint(old), "new_checkpoint": checkpoint(new),
        ])
    }
}
