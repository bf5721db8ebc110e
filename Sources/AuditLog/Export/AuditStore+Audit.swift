import EscortCore
import Store

/// Reading the log back from a store: verification, export and proofs. These do the I/O and
/// hand plain values to the pure ``AuditVerifier`` and ``MerkleTree``.
extension AuditStore {
    /// Streams every record in sequence order, `chunk` at a time. The next chunk is read while
    /// `body` works through the current one.
    public func forEachAuditRecord(chunk: Int = 8192, _ body: (StoredAuditRecord) throws -> Void) async throws {
        var rows = try await auditRecords(from: Int64.min, limit: chunk)
        while true {
            let more = rows.count == chunk
            let from = (rows.last?.sequence ?? Int64.max - 1) + 1
            async let next = more ? auditRecords(from: from, limit: chunk) : []
            for r in rows { try body(r) }
            rows = try await next
            if !more { return }
        }
    }

    /// The records of one session (their `session` field), in order, each as its sequence number
    /// and parsed JSON object. A record that does not parse is skipped (verification reports it).
    public func auditRecords(ofSession session: String) async throws -> [(sequence: Int64, record: [String: JSONValue])] {
        var out: [(sequence: Int64, record: [String: JSONValue])] = []
        try await forEachAuditRecord { r in
            guard let o = (try? JSONParser.parse(r.body))?.objectValue, o["session"]?.stringValue == session else { return }
            out.append((r.sequence, o))
        }
        return out
    }

    /// Verifies the whole stored log.
    ///
    /// - Returns: the verified chain or the first failure.
    /// - Throws: only when the store cannot be read.
    public func verifyAuditLog(
        pinnedKey: GatewayPublicKey?, requirements: AuditRequirements? = nil, trust: AuditTrust? = nil, chunk: Int = 16_384
    ) async throws -> Result<VerifiedAuditChain, AuditVerificationFailure> {
        var verifier = AuditVerifier(checkpoints: try await auditCheckpoints(), pinnedKey: pinnedKey, requirements: requirements, trust: trust)
        try await forEachDigestedAuditChunk(chunk: chunk) { rows, digests in
            for i in rows.indices {
                verifier.feed(rows[i], digests[i])
                if verifier.failure != nil { return false }
            }
            return true
        }
        return verifier.finish()
    }

    /// Streams every record in sequence order with its ``RecordDigest`` (leaf hash and links),
    /// as a three-stage pipeline: while `body` works through chunk k on the caller's task, chunk
    /// k+1 is hashed and scanned on another core and chunk k+2 is read from the store. (Splitting
    /// the hashing across two tasks was slower on two busy cores; see docs/benchmarks.md.) `body`
    /// returns false to stop early.
    func forEachDigestedAuditChunk(
        chunk: Int = 16_384, _ body: ([StoredAuditRecord], [RecordDigest]) throws -> Bool
    ) async throws {
        @Sendable func digest(_ rows: [StoredAuditRecord]) -> [RecordDigest] { rows.map(RecordDigest.init) }
        func read(after rows: [StoredAuditRecord]) -> Task<[StoredAuditRecord], any Error>? {
            guard rows.count == chunk, let last = rows.last?.sequence else { return nil }
            return Task { try await self.auditRecords(from: last + 1, limit: chunk) }
        }
        var rows = try await auditRecords(from: Int64.min, limit: chunk)
        var hashing = Task.detached { [rows] in digest(rows) }
        var reading = read(after: rows)
        while true {
            let digests = await hashing.value
            let next = try await reading?.value ?? []
            let current = rows
            rows = next
            if !next.isEmpty {
                hashing = Task.detached { [next] in digest(next) }
                reading = read(after: next)
            }
            guard try body(current, digests) else {
                reading?.cancel()
                return
            }
            if next.isEmpty { return }
        }
    }

    /// Writes the export (see ``AuditExport``) to `sink`, one line at a time (each ending in a newline).
    public func exportAuditLog(to sink: ([UInt8]) throws -> Void) async throws {
        let checkpoints = try await auditCheckpoints()
        var ci = 0
        try sink(AuditExport.header + [0x0A])
        while ci < checkpoints.count, checkpoints[ci].treeSize <= 0 {
            try sink(AuditExport.line(for: checkpoints[ci]) + [0x0A])
            ci += 1
        }
        try await forEachAuditRecord { r in
            try sink(AuditExport.line(for: r) + [0x0A])
            while ci < checkpoints.count, checkpoints[ci].treeSize <= r.sequence {
                try sink(AuditExport.line(for: checkpoints[ci]) + [0x0A])
                ci += 1
            }
        }
        for c in checkpoints[ci...] { try sink(AuditExport.line(for: c) + [0x0A]) }
    }

    /// The stored leaf hashes of records 1…`size` (all if nil).
    func auditLeafHashes(upTo size: Int64? = nil) async throws -> [AuditHash] {
        var leaves: [AuditHash] = []
        try await forEachAuditRecord { r in
            if let size, r.sequence > size { return }
            guard let h = AuditHash(bytes: r.hash) else {
                throw AuditError(.malformedRecord, "record \(r.sequence) has a stored hash of the wrong length")
            }
            leaves.append(h)
        }
        return leaves
    }

    /// An inclusion proof for record `sequence` against the newest checkpoint that covers it.
    ///
    /// - Throws: ``AuditError`` `.notFound` if no signed checkpoint covers the record yet;
    ///   `.verificationFailed` if the stored data does not reproduce the checkpoint's root.
    public func auditInclusionProof(sequence: Int64) async throws -> InclusionProof {
        let checkpoints = try await auditCheckpoints().compactMap { try? SignedCheckpoint(stored: $0) }
        guard sequence >= 1 else { throw AuditError(.notFound, "record numbers start at 1") }
        guard let checkpoint = checkpoints.filter({ $0.treeSize >= sequence }).max(by: { $0.treeSize < $1.treeSize }) else {
            throw AuditError(.notFound, "no signed checkpoint covers record \(sequence) yet; try again after the next checkpoint")
        }
        let leaves = try await auditLeafHashes(upTo: checkpoint.treeSize)
        guard leaves.count == Int(checkpoint.treeSize),
            let path = MerkleTree.inclusionProof(index: Int(sequence - 1), leaves: leaves)
        else {
            throw AuditError(.verificationFailed, "the log has fewer records than its checkpoint at \(checkpoint.treeSize); run `escort audit verify`")
        }
        guard let record = try await auditRecords(from: sequence, limit: 1).first, record.sequence == sequence else {
            throw AuditError(.notFound, "record \(sequence) is not in the store")
        }
        let proof = InclusionProof(
            sequence: sequence, leafHash: leaves[Int(sequence - 1)], path: path, checkpoint: checkpoint, record: record.body)
        guard proof.verify() else {
            throw AuditError(.verificationFailed, "the stored records do not match the checkpoint at \(checkpoint.treeSize); run `escort audit verify`")
        }
        return proof
    }

    /// A consistency proof between the stored checkpoints over `oldSize` and `newSize` records.
    ///
    /// - Throws: ``AuditError`` `.notFound` if either is not a stored checkpoint.
    public func auditConsistencyProof(oldSize: Int64, newSize: Int64) async throws -> ConsistencyProof {
        let checkpoints = try await auditCheckpoints().compactMap { try? SignedCheckpoint(stored: $0) }
        guard let old = checkpoints.last(where: { $0.treeSize == oldSize }) else {
            throw AuditError(.notFound, "no signed checkpoint over \(oldSize) records (sizes: \(checkpoints.map { String($0.treeSize) }.joined(separator: ", ")))")
        }
        guard let new = checkpoints.last(where: { $0.treeSize == newSize }) else {
            throw AuditError(.notFound, "no signed checkpoint over \(newSize) records (sizes: \(checkpoints.map { String($0.treeSize) }.joined(separator: ", ")))")
        }
        let proof = try await auditConsistencyProof(from: old, to: new)
        guard proof.verify() else {
            throw AuditError(.verificationFailed, "the stored records do not reproduce the checkpoints at \(oldSize) and \(newSize); run `escort audit verify`")
        }
        return proof
    }

    /// A consistency proof that the log at `old` is a prefix of the log at `new`.
    public func auditConsistencyProof(from old: SignedCheckpoint, to new: SignedCheckpoint) async throws -> ConsistencyProof {
        guard old.treeSize <= new.treeSize else {
            throw AuditError(.notFound, "the first checkpoint must not be larger than the second")
        }
        let leaves = try await auditLeafHashes(upTo: new.treeSize)
        guard leaves.count == Int(new.treeSize),
            let path = MerkleTree.consistencyProof(oldSize: Int(old.treeSize), leaves: leaves)
        else {
            throw AuditError(.verificationFailed, "the log has fewer records than its checkpoint at \(new.treeSize)")
        }
        return ConsistencyProof(old: old, new: new, path: path)
    }
}
