import Store

/// Checks a chain, record by record, without doing any I/O.
///
/// Feed records in stored order with ``feed(_:)`` (it keeps one record of look-ahead to tell a
/// swap from a gap), then call ``finish()``. For each record it checks, in order: that its bytes
/// match its stored hash; that its `seq` is the next number; that its `prev` is the hash of
/// the record before; and, when the count reaches a checkpoint's size, that the Merkle root
/// matches and the signature is valid. The first failure is kept and later records are ignored.
public struct AuditVerifier: Sendable {
    private let pinnedKey: GatewayPublicKey?
    /// With a trust root: checkpoints are accepted from the keys it certified, for their windows.
    private let trust: AuditTrust?
    /// Certifications by a trusted root found in the log so far.
    private var certifications: [KeyCertification] = []
    /// Checkpoints whose signer is authorised at the end, once every certification has been read.
    private var toAuthorise: [SignedCheckpoint] = []
    private let requirements: AuditRequirements
    /// Checkpoints held outside the log, by size, not yet reached.
    private var vouched: [AuditRequirements.Vouched]
    private var vouchedIndex = 0
    private var checkpoints: [(stored: StoredAuditCheckpoint, parsed: SignedCheckpoint?)]
    private var checkpointIndex = 0
    private var verifiedCheckpoints: [SignedCheckpoint] = []
    private var lastGoodCheckpointSize: Int64 = 0

    private var accepted: Int64 = 0
    private var previous = AuditHash.genesis
    private var beforePrevious = AuditHash.genesis
    private var frontier = MerkleFrontier()
    private var held: (record: StoredAuditRecord, links: Result<RecordLinks, AuditError>, hash: AuditHash)?
    private var recordings: [RecordingReference] = []
    private var timestamps: [TimestampReference] = []
    /// The first failure found, if any.
    public private(set) var failure: AuditVerificationFailure?

    /// - Parameters:
    ///   - checkpoints: every stored checkpoint (any order).
    ///   - pinnedKey: the gateway's public key as the auditor knows it; nil to trust the key
    ///     named in the checkpoints (integrity without proof of origin).
    ///   - requirements: checkpoints held outside the log, and (with `pinnedKey`) the bounds on
    ///     unsigned records; by default those bounds apply whenever a key is pinned.
    ///   - trust: trust roots (instead of `pinnedKey`): a checkpoint is accepted only if its key
    ///     is certified in the log (`audit.key_certified`) by one of them, for the checkpoint's time.
    public init(
        checkpoints: [StoredAuditCheckpoint], pinnedKey: GatewayPublicKey?, requirements: AuditRequirements? = nil, trust: AuditTrust? = nil
    ) {
        self.pinnedKey = pinnedKey
        self.trust = trust
        let requirements = requirements ?? (pinnedKey == nil && trust == nil ? .none : AuditRequirements())
        self.requirements = requirements
        self.vouched = requirements.vouched.sorted { $0.checkpoint.treeSize < $1.checkpoint.treeSize }
        self.checkpoints = checkpoints
            .map { (stored: $0, parsed: try? SignedCheckpoint(stored: $0)) }
            .sorted { $0.stored.treeSize < $1.stored.treeSize }
    }

    /// Verifies a whole in-memory chain.
    public static func verify(
        _ chain: AuditChain, pinnedKey: GatewayPublicKey?, requirements: AuditRequirements? = nil, trust: AuditTrust? = nil
    ) -> Result<VerifiedAuditChain, AuditVerificationFailure> {
        var v = AuditVerifier(checkpoints: chain.checkpoints, pinnedKey: pinnedKey, requirements: requirements, trust: trust)
        for r in chain.records {
            v.feed(r)
            if v.failure != nil { break }
        }
        return v.finish()
    }

    /// Takes the next record in stored order.
    public mutating func feed(_ record: StoredAuditRecord) {
        feed(record, RecordDigest(record))
    }

    /// Takes the next record with its leaf hash and links already computed (``RecordDigest``,
    /// which a reader can compute on another core while this one verifies).
    mutating func feed(_ record: StoredAuditRecord, _ digest: RecordDigest) {
        guard failure == nil else { return }
        if let h = held { process(h.record, h.links, h.hash, next: record, nextLinks: try? digest.links.get()) }
        held = (record, digest.links, digest.leafHash)
    }

    /// Ends the stream and gives the verdict.
    public mutating func finish() -> Result<VerifiedAuditChain, AuditVerificationFailure> {
        if failure == nil, let h = held {
            held = nil
            process(h.record, h.links, h.hash, next: nil, nextLinks: nil)
        }
        if failure == nil { checkCheckpoints(upTo: accepted) }
        if failure == nil, checkpointIndex < checkpoints.count {
            let c = checkpoints[checkpointIndex].stored
            fail(.truncatedAfterCheckpoint, accepted + 1,
                 "the log ends after record \(accepted) but a signed checkpoint vouches for \(c.treeSize) records")
        }
        if failure == nil, vouchedIndex < vouched.count {
            let v = vouched[vouchedIndex]
            fail(.truncatedAfterCheckpoint, accepted + 1,
                 "the log ends after record \(accepted) but \(v.holder) holds a checkpoint over \(v.checkpoint.treeSize) records: records were deleted")
        }
        if failure == nil { checkVouchedArePresent() }
        if failure == nil, trust != nil { authoriseSigners() }
        if failure == nil, pinnedKey != nil || trust != nil { checkUnsigned() }
        if let failure { return .failure(failure) }
        return .success(VerifiedAuditChain(
            size: accepted, head: previous, root: frontier.root, checkpoints: verifiedCheckpoints,
            keyWasPinned: pinnedKey != nil || trust != nil, recordings: recordings, signers: signers(), timestamps: timestamps))
    }

    private mutating func fail(_ kind: AuditVerificationFailure.Kind, _ record: Int64, _ message: String) {
        if failure == nil { failure = AuditVerificationFailure(kind, record: record, message) }
    }

    private mutating func process(
        _ r: StoredAuditRecord, _ parsed: Result<RecordLinks, AuditError>, _ hash: AuditHash, next: StoredAuditRecord?, nextLinks: RecordLinks?
    ) {
        guard failure == nil else { return }
        let expected = accepted + 1
        let links: RecordLinks
        switch parsed {
        case .success(let l): links = l
        case .failure(let e):
            return fail(.changed, r.sequence, "the record is no longer a readable record (\(e.message))")
        }
        if !hash.matches(r.hash) {
            return fail(.changed, r.sequence, "the record's bytes do not match its hash")
        }
        let s = links.sequence
        if s == expected, links.previous == previous {
            // A genuine record with the same number and predecessor follows: this one is a
            // forgery slipped in front of it. Decide before any checkpoint at this size is checked.
            if let n = nextLinks, n.sequence == s, n.previous == previous, next.map({ !hash.matches($0.hash) }) ?? true {
                return fail(.inserted, s, "record \(s) was inserted: the genuine record \(s) follows it and links to the record before it")
            }
            accept(r, hash: hash, links: links)
            return
        }
        if s == expected {
            if let n = nextLinks, n.sequence == expected, n.previous == previous {
                return fail(.inserted, expected, "a record that is not part of the chain stands in front of the real record \(expected)")
            }
            if expected == 1 {
                return fail(.changed, 1, "record 1 does not start from the genesis hash")
            }
            return fail(.changed, expected - 1,
                        "record \(expected) names a different predecessor: record \(expected - 1) was changed after it was written")
        }
        if s > expected {
            if let n = nextLinks, n.sequence == expected {
                return fail(.reordered, expected, "record \(s) is stored where record \(expected) belongs")
            }
            let range = s - 1 > expected ? "records \(expected)–\(s - 1) are" : "record \(expected) is"
            return fail(.missing, expected, "\(range) missing: the next stored record is \(s)")
        }
        if s == expected - 1, links.previous == beforePrevious {
            return fail(.inserted, expected - 1,
                        "record \(expected - 1) was inserted: the genuine record \(s) follows it and links to the record before it")
        }
        return fail(.reordered, expected, "record \(s) appears again where record \(expected) belongs")
    }

    private mutating func accept(_ r: StoredAuditRecord, hash: AuditHash, links: RecordLinks) {
        accepted += 1
        beforePrevious = previous
        previous = hash
        frontier.append(hash)
        if links.code == AuditEventCode.recordingClosed.code, let rec = try? AuditRecord(body: r.body),
            let path = rec.fields["path"]?.stringValue, let sha = rec.fields["sha256"]?.stringValue
        {
            recordings.append(RecordingReference(sequence: accepted, session: rec.session, path: path, sha256: sha))
        }
        if links.code == AuditEventCode.checkpointTimestamped.code, let rec = try? AuditRecord(body: r.body) {
            timestamps.append(TimestampReference(
                sequence: accepted, treeSize: rec.fields["tree_size"]?.integerValue ?? -1,
                checkpointSHA256: rec.fields["checkpoint_sha256"]?.stringValue ?? "", tsa: rec.fields["tsa"]?.stringValue ?? "",
                token: rec.fields["token"]?.stringValue ?? ""))
        }
        if let trust, links.code == AuditEventCode.keyCertified.code {
            readCertification(r, trust)
            if failure != nil { return }
        }
        // Held checkpoints first: a re-signed forgery's own checkpoint at the same size must not
        // count as the last good one.
        checkVouched(upTo: accepted)
        checkCheckpoints(upTo: accepted)
    }

    /// A checkpoint held outside the log, reached: the log's root at its size must be its root.
    private mutating func checkVouched(upTo size: Int64) {
        while failure == nil, vouchedIndex < vouched.count, vouched[vouchedIndex].checkpoint.treeSize <= size {
            let v = vouched[vouchedIndex]
            vouchedIndex += 1
            guard v.checkpoint.treeSize == size else { continue }
            if v.checkpoint.root != frontier.root {
                let first = lastGoodCheckpointSize + 1
                return fail(.changed, first,
                            "records \(first)–\(size) are not the log \(v.holder) holds a checkpoint of at \(size) records (root \(v.checkpoint.root.hex)): at least one of them was rewritten")
            }
        }
    }

    /// Every checkpoint held outside the log must be one of its own.
    private mutating func checkVouchedArePresent() {
        for v in vouched {
            let present = checkpoints.contains { $0.stored.treeSize == v.checkpoint.treeSize && $0.parsed?.root == v.checkpoint.root }
            if !present {
                return fail(.checkpointMissing, max(v.checkpoint.treeSize, 1),
                            "the checkpoint at \(v.checkpoint.treeSize) records (\(v.checkpoint.time)) that \(v.holder) holds is not in the log: its checkpoints were deleted")
            }
        }
    }

    /// With a pinned key: a non-empty log carries checkpoints, and not too many records after the last.
    private mutating func checkUnsigned() {
        guard accepted > 0 else { return }
        if requirements.requireCheckpoint, verifiedCheckpoints.isEmpty {
            return fail(.unsigned, 1, "the log's \(accepted) records carry no signed checkpoint: its checkpoints were removed, or it was never signed")
        }
        let tail = accepted - lastGoodCheckpointSize
        if let bound = requirements.maximumUnsigned, tail > bound {
            return fail(.unsigned, lastGoodCheckpointSize + 1,
                        "\(tail) records after the last signed checkpoint (at \(lastGoodCheckpointSize)), more than the \(bound) a gateway leaves unsigned: checkpoints were deleted")
        }
    }

    private mutating func checkCheckpoints(upTo size: Int64) {
        while failure == nil, checkpointIndex < checkpoints.count, checkpoints[checkpointIndex].stored.treeSize <= size {
            let (stored, parsed) = checkpoints[checkpointIndex]
            checkpointIndex += 1
            let at = max(stored.treeSize, 1)
            guard let c = parsed else {
                return fail(.malformedCheckpoint, at, "the checkpoint for \(stored.treeSize) records cannot be read")
            }
            if stored.treeSize < size { continue }  // only reachable for size 0 checkpoints
            if trust != nil {
                guard c.hasValidSignature(pinnedKey: nil) else {
                    return fail(.badSignature, at, "the checkpoint at \(c.treeSize) records has an invalid signature")
                }
                toAuthorise.append(c)
            } else if let pinnedKey, pinnedKey.bytes != c.publicKey {
                return fail(.badSignature, at, "the checkpoint at \(c.treeSize) records is signed by another key (\(GatewayPublicKey(unchecked: c.publicKey)))")
            }
            guard c.hasValidSignature(pinnedKey: pinnedKey?.bytes) else {
                return fail(.badSignature, at, "the checkpoint at \(c.treeSize) records has an invalid signature")
            }
            guard c.root == frontier.root else {
                let first = lastGoodCheckpointSize + 1
                return fail(.changed, first,
                            "records \(first)–\(c.treeSize) do not match the signed checkpoint at \(c.treeSize) records: at least one of them was rewritten")
            }
            verifiedCheckpoints.append(c)
            lastGoodCheckpointSize = c.treeSize
        }
    }
}

extension AuditVerifier {
    /// A certification record: kept if a trusted root signed it; a certification that names a
    /// trusted root but does not carry its valid signature is a forgery, and fails.
    private mutating func readCertification(_ r: StoredAuditRecord, _ trust: AuditTrust) {
        let c: KeyCertification
        do {
            let record = try AuditRecord(body: r.body)
            c = try KeyCertification(record: record.fields)
        } catch {
            return fail(.malformedCheckpoint, r.sequence, "the key certification in record \(r.sequence) cannot be read (\(error.message))")
        }
        guard trust.roots.contains(where: { $0.bytes == c.root }) else { return }  // another root's: it authorises nothing here
        guard c.isValid() else {
            return fail(.badSignature, r.sequence,
                        "record \(r.sequence) certifies \(c.name)'s key \(c.nodeKey.fingerprint) in the name of the trusted root \(c.rootKey.fingerprint), but the root did not sign it")
        }
        certifications.append(c)
    }

    /// The certifications that govern `key`: per root, the one issued last.
    private func governing(_ key: [UInt8]) -> [KeyCertification] {
        var byRoot: [[UInt8]: KeyCertification] = [:]
        for c in certifications where c.key == key {
            if let current = byRoot[c.root], current.issued > c.issued { continue }
            byRoot[c.root] = c
        }
        return byRoot.values.sorted { $0.issued < $1.issued }
    }

    /// Every checkpoint's key must be certified by a trusted root for the checkpoint's time.
    private mutating func authoriseSigners() {
        for c in toAuthorise.sorted(by: { $0.treeSize < $1.treeSize }) {
            let key = GatewayPublicKey(unchecked: c.publicKey)
            let certs = governing(c.publicKey)
            if certs.contains(where: { $0.covers(time: c.time) }) { continue }
            let at = max(c.treeSize, 1)
            if certs.isEmpty {
                return fail(.uncertifiedSigner, at,
                            "the checkpoint at \(c.treeSize) records (signed \(c.time)) is signed by key \(key.fingerprint) (\(key.base64)), which no trusted root certified: it is not one of this deployment's nodes")
            }
            let windows = certs.map { "\($0.name) from \($0.notBefore) to \($0.notAfter) by root \($0.rootKey.fingerprint)" }.joined(separator: "; ")
            return fail(.uncertifiedSigner, at,
                        "the checkpoint at \(c.treeSize) records (signed \(c.time)) is signed by \(certs[0].name)'s key \(key.fingerprint) outside the time it is certified for (\(windows))")
        }
    }

    /// Who signed the verified checkpoints (named from their certifications, with a trust root).
    private func signers() -> [VerifiedAuditChain.Signer] {
        var order: [[UInt8]] = []
        var counts: [[UInt8]: (Int, Int64, Int64)] = [:]
        for c in verifiedCheckpoints {
            if counts[c.publicKey] == nil { order.append(c.publicKey) }
            let (n, first, last) = counts[c.publicKey] ?? (0, c.treeSize, c.treeSize)
            counts[c.publicKey] = (n + 1, min(first, c.treeSize), max(last, c.treeSize))
        }
        return order.map { k in
            let (n, first, last) = counts[k]!
            let cert = trust == nil ? nil : governing(k).last
            return VerifiedAuditChain.Signer(
                key: GatewayPublicKey(unchecked: k), name: cert?.name, checkpoints: n, firstTreeSize: first, lastTreeSize: last)
        }
    }
}

/// What the verifier computes from one record alone: its leaf hash (SHA-256 of its bytes) and the
/// links it names. Independent of every other record, so it can be computed in parallel.
struct RecordDigest: Sendable {
    var leafHash: AuditHash
    var links: Result<RecordLinks, AuditError>

    init(_ record: StoredAuditRecord) {
        leafHash = MerkleTree.leafHash(record.body)
        links = RecordLinks.read(record.body)
    }
}
