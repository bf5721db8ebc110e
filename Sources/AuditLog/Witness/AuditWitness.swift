import Store

/// What a witness does with a log, without I/O: given the checkpoint it holds and the log's
/// newest signed checkpoint with the log's leaf hashes, decide whether to cosign.
///
/// It cosigns only a checkpoint that carries the pinned gateway key's valid signature, whose
/// root the leaves reproduce, and that extends (RFC 6962 consistency) the one it holds.
public enum AuditWitness {
    /// Why a witness refuses.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// The log has no checkpoint signed by the pinned key.
        case nothingSigned
        /// The newest checkpoint's root is not what the log's records give.
        case rootMismatch(treeSize: Int64)
        /// The log is smaller than the checkpoint the witness holds.
        case rolledBack(held: Int64, latest: Int64)
        /// The log is not an extension of the checkpoint the witness holds: a fork.
        case fork(held: Int64, latest: Int64)

        public var description: String {
            switch self {
            case .nothingSigned: return "the log carries no checkpoint signed by the gateway's key"
            case .rootMismatch(let n): return "the log's newest checkpoint (\(n) records) does not match its records"
            case .rolledBack(let h, let l):
                return "FORK: the log's newest checkpoint covers \(l) records but this witness cosigned one over \(h): the log was cut back or replaced"
            case .fork(let h, let l):
                return "FORK: the log at \(l) records is not an extension of the checkpoint over \(h) records this witness cosigned: records 1–\(h) were rewritten"
            }
        }
    }

    /// The checkpoint to cosign (the newest one signed by `gatewayKey`), or why not.
    ///
    /// - Parameters:
    ///   - held: the checkpoint the witness cosigned last (nil on its first run).
    ///   - checkpoints: the log's checkpoints.
    ///   - leaves: the log's leaf hashes in order (at least up to the newest checkpoint).
    public static func decide(
        held: SignedCheckpoint?, checkpoints: [SignedCheckpoint], leaves: [AuditHash], gatewayKey: GatewayPublicKey
    ) -> Result<SignedCheckpoint, Refusal> {
        guard let latest = checkpoints.filter({ $0.hasValidSignature(pinnedKey: gatewayKey.bytes) && $0.treeSize > 0 })
            .max(by: { $0.treeSize < $1.treeSize })
        else { return .failure(.nothingSigned) }
        let n = Int(latest.treeSize)
        guard leaves.count >= n, MerkleTree.root(leaves[0..<n]) == latest.root else {
            return .failure(.rootMismatch(treeSize: latest.treeSize))
        }
        guard let held else { return .success(latest) }
        guard held.treeSize <= latest.treeSize else { return .failure(.rolledBack(held: held.treeSize, latest: latest.treeSize)) }
        let prefix = Array(leaves[0..<n])
        guard let proof = MerkleTree.consistencyProof(oldSize: Int(held.treeSize), leaves: prefix),
            MerkleTree.verifyConsistency(oldSize: Int(held.treeSize), oldRoot: held.root, newSize: n, newRoot: latest.root, proof: proof)
        else { return .failure(.fork(held: held.treeSize, latest: latest.treeSize)) }
        return .success(latest)
    }
}

extension AuditStore {
    /// What a witness reads from a store: the log's checkpoints, and its leaf hashes recomputed
    /// from the records' bytes (a witness trusts no stored hash), hashed on the other cores while
    /// the store is read.
    public func witnessView() async throws -> (checkpoints: [SignedCheckpoint], leaves: [AuditHash]) {
        let checkpoints = try await auditCheckpoints().compactMap { try? SignedCheckpoint(stored: $0) }
        var leaves: [AuditHash] = []
        try await forEachDigestedAuditChunk { _, digests in
            leaves.append(contentsOf: digests.lazy.map(\.leafHash))
            return true
        }
        return (checkpoints, leaves)
    }
}
