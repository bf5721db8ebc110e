import Store

/// Whether a store is an extension of the last tree a signer signed (the checkpoint kept beside
/// its key, ``SignerCheckpointFile``). A signer signs nothing over a store that is not.
///
/// In order: the kept checkpoint carries this key's valid signature; the store holds at least as
/// many records; the store still holds that checkpoint (one deleted is a rewrite being hidden);
/// the store's first records still have the checkpoint's root (at open, from the hashes read to
/// rebuild the tree; before signing, by an RFC 6962 consistency proof from the kept checkpoint to
/// the tree about to be signed). Each failure is ``AuditError`` `.notAnExtension` naming it.
enum SignerExtensionCheck {
    /// The checks that need no record hashes.
    static func precheck(
        kept: SignedCheckpoint, key: GatewaySigningKey, file: SignerCheckpointFile, storeSize: Int64,
        storedCheckpoints: [StoredAuditCheckpoint]
    ) throws(AuditError) {
        guard kept.hasValidSignature(pinnedKey: key.publicKeyBytes) else {
            throw AuditError(
                .notAnExtension,
                "the checkpoint kept in \(file.path) is not signed by this signing key: the key or its kept checkpoint was replaced; nothing is signed until that is examined")
        }
        guard storeSize >= kept.treeSize else {
            throw AuditError(
                .notAnExtension,
                "the store holds \(storeSize) records but this signer signed a checkpoint over \(kept.treeSize) (\(kept.time)): records \(storeSize + 1)–\(kept.treeSize) were deleted; nothing is signed (run `escort audit verify`)")
        }
        let present = storedCheckpoints.contains { s in
            s.treeSize == kept.treeSize && (try? SignedCheckpoint(stored: s))?.root == kept.root
        }
        guard present else {
            throw AuditError(
                .notAnExtension,
                "the checkpoint this signer signed at \(kept.treeSize) records (\(kept.time), root \(kept.root.hex)) is no longer in the store: checkpoints were deleted or replaced; nothing is signed (run `escort audit verify`)")
        }
    }

    /// At open: `rootAtKept` is the root of the stored hashes of records 1…kept.treeSize.
    static func checkAtOpen(
        kept: SignedCheckpoint, key: GatewaySigningKey, file: SignerCheckpointFile, storeSize: Int64, rootAtKept: AuditHash?,
        store: any AuditStore
    ) async throws(AuditError) {
        let stored = try await checkpoints(store)
        try precheck(kept: kept, key: key, file: file, storeSize: storeSize, storedCheckpoints: stored)
        if rootAtKept != kept.root {
            throw await rewritten(kept: kept, key: key, store: store, stored: stored)
        }
    }

    /// Before signing a tree of `size` records with `root` (built from the store's records):
    /// checks a consistency proof from the kept checkpoint to it.
    static func checkBeforeSigning(
        kept: SignedCheckpoint, key: GatewaySigningKey, file: SignerCheckpointFile, size: Int64, root: AuditHash,
        store: any AuditStore
    ) async throws(AuditError) {
        let stored = try await checkpoints(store)
        try precheck(kept: kept, key: key, file: file, storeSize: size, storedCheckpoints: stored)
        let leaves: [AuditHash]
        do { leaves = try await store.auditLeafHashes(upTo: size) } catch {
            throw AuditError(.storageFailed, "cannot read the audit log to check it extends the last signed checkpoint: \(error)")
        }
        guard leaves.count == Int(size), let proof = MerkleTree.consistencyProof(oldSize: Int(kept.treeSize), leaves: leaves),
            MerkleTree.verifyConsistency(oldSize: Int(kept.treeSize), oldRoot: kept.root, newSize: Int(size), newRoot: root, proof: proof)
        else {
            throw await rewritten(kept: kept, key: key, store: store, stored: stored)
        }
    }

    private static func checkpoints(_ store: any AuditStore) async throws(AuditError) -> [StoredAuditCheckpoint] {
        do { return try await store.auditCheckpoints() } catch {
            throw AuditError(.storageFailed, "cannot read the audit log's checkpoints: \(error)")
        }
    }

    /// The error for a store whose records no longer have the kept root, naming where the
    /// rewrite begins as closely as the store's own checkpoints allow.
    private static func rewritten(
        kept: SignedCheckpoint, key: GatewaySigningKey, store: any AuditStore, stored: [StoredAuditCheckpoint]
    ) async -> AuditError {
        var lastGood: Int64 = 0
        if let leaves = try? await store.auditLeafHashes(upTo: kept.treeSize) {
            let ours = stored.compactMap { try? SignedCheckpoint(stored: $0) }
                .filter { $0.treeSize <= kept.treeSize && $0.hasValidSignature(pinnedKey: key.publicKeyBytes) }
            let sizes = Set(ours.map(\.treeSize))
            var frontier = MerkleFrontier()
            var roots: [Int64: AuditHash] = [:]
            for (i, h) in leaves.enumerated() {
                frontier.append(h)
                if sizes.contains(Int64(i + 1)) { roots[Int64(i + 1)] = frontier.root }
            }
            lastGood = ours.filter { roots[$0.treeSize] == $0.root }.map(\.treeSize).max() ?? 0
        }
        return AuditError(
            .notAnExtension,
            "the store is not an extension of the checkpoint this signer signed at \(kept.treeSize) records (\(kept.time)): at least one of records \(lastGood + 1)–\(kept.treeSize) was rewritten (the first rewritten record is after \(lastGood)); nothing is signed (run `escort audit verify`)")
    }
}
