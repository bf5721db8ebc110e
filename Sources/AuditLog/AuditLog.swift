import Foundation
import Logging
import Metrics
import Store

/// The gateway's append-only, hash-chained, Merkle-tree audit log with signed checkpoints.
///
/// ```swift
/// let log = try await AuditLog.open(store: store, key: key)
/// let receipt = try await log.append(AuditEvent(code: .commandForwarded, session: id, actor: "alice", fields: [...]))
/// // only now forward the command
/// try await log.close()   // signs a final checkpoint
/// ```
///
/// Durability: ``append(_:)`` returns only after the record's transaction has committed with
/// `synchronous=FULL`. Concurrent appends are group-committed: while one transaction is being
/// synced, new appends queue and go together in the next one. A thrown error means the event
/// is not in the log, and the caller must not act as if it were.
///
/// Other writers: the log has one chain, but a CLI command run beside a running gateway (or
/// another gateway on a shared database) may append to it too. On a store that can make writers
/// take turns (``SerialisedAuditStore``: PostgreSQL, with an advisory lock) each batch is written
/// in one transaction that holds the others off, adopts what they appended since this log's head
/// and encodes the batch after it: appends are serialised, and no writer can starve another.
/// Otherwise (SQLite), when the store reports that a sequence number is taken (`StoreError`
/// `.conflict`), the log reads the records appended since its head, adopts them, and encodes its
/// batch again after them. Either way a foreign record or checkpoint must link to the one before
/// and verify; one that does not stops the log: nothing more is appended (failing closed).
///
/// A signer never signs a tree that does not extend the last one it signed: a key loaded from a
/// file keeps its last checkpoint beside it (``SignerCheckpointFile``). ``open(store:key:configuration:)``
/// refuses a store that is not an extension of it, and before each batch the log checks an
/// RFC 6962 consistency proof from it (when another process with the key signed since); a store
/// found not to extend it closes the log (``AuditError`` `.notAnExtension`, AUDIT-011, in
/// ``problem``): nothing more is appended or signed.
public actor AuditLog {
    private enum Pending {
        case event(AuditEvent, CheckedContinuation<AuditReceipt, any Error>)
        case checkpoint(CheckedContinuation<SignedCheckpoint?, any Error>?)
    }

    private let store: any AuditStore
    private let key: GatewaySigningKey
    private let configuration: AuditLogConfiguration
    private var state: AuditChainState
    private var lastCheckpoint: SignedCheckpoint?
    private var lastCheckpointAt = ContinuousClock.now
    private var pending: [Pending] = []
    private var flushing = false
    private var closed = false
    private var timer: Task<Void, Never>?
    /// The batch being written by a serialised append, and what it was encoded as.
    private var inFlight: [Pending] = []
    private var inFlightEncoded: Encoded?
    /// Why the last write failed, until a later one succeeds.
    private var lastFailure: String?
    /// The checkpoint kept beside the key that this log has checked its tree extends.
    private var verifiedKept: SignedCheckpoint?
    /// Why the log refused to go on (the store is not an extension of what this signer signed).
    private var refusal: AuditError?

    private init(
        store: any AuditStore, key: GatewaySigningKey, configuration: AuditLogConfiguration, state: AuditChainState,
        lastCheckpoint: SignedCheckpoint?, verifiedKept: SignedCheckpoint?
    ) {
        self.store = store
        self.key = key
        self.configuration = configuration
        self.state = state
        self.lastCheckpoint = lastCheckpoint
        self.verifiedKept = verifiedKept
    }

    /// Opens the log kept in `store`, picking up the chain where it ends.
    ///
    /// Reopening reads every stored record hash once (to rebuild the Merkle frontier) and checks
    /// that the last record's body matches its hash and position; it does not verify the whole
    /// chain (that is ``AuditVerifier``'s job).
    ///
    /// - Throws: ``AuditError`` `.notAnExtension` (AUDIT-011) if the key keeps a checkpoint and
    ///   the store is not an extension of it (records deleted or rewritten, the checkpoint
    ///   deleted); `.badKey` if the kept checkpoint cannot be read.
    public static func open(
        store: any AuditStore, key: GatewaySigningKey, configuration: AuditLogConfiguration = AuditLogConfiguration()
    ) async throws -> AuditLog {
        let configuration = try configuration.validated()
        var state = AuditChainState()
        var last: StoredAuditRecord?
        let kept = try key.keptCheckpoint?.load()
        var rootAtKept: AuditHash?
        do {
            var next: Int64 = 1
            while true {
                let chunk = try await store.auditRecords(from: next, limit: 8192)
                for r in chunk {
                    guard r.sequence == state.size + 1, let h = AuditHash(bytes: r.hash) else {
                        throw AuditError(.verificationFailed, "the stored log is damaged near record \(state.size + 1); run `escort audit verify`")
                    }
                    state.adopt(hash: h)
                    if state.size == kept?.treeSize { rootAtKept = state.root }
                    last = r
                }
                guard let end = chunk.last, chunk.count == 8192 else { break }
                next = end.sequence + 1
            }
        } catch let e as AuditError {
            throw e
        } catch {
            throw AuditError(.storageFailed, "cannot read the audit log: \(error)")
        }
        if let last, MerkleTree.leafHash(last.body).bytes != last.hash {
            throw AuditError(.verificationFailed, "record \(last.sequence) does not match its stored hash; run `escort audit verify`")
        }
        let checkpoints = (try? await store.auditCheckpoints()) ?? []
        let lastCheckpoint = checkpoints.last.flatMap { try? SignedCheckpoint(stored: $0) }
        if let kept, let file = key.keptCheckpoint {
            try await SignerExtensionCheck.checkAtOpen(
                kept: kept, key: key, file: file, storeSize: state.size, rootAtKept: rootAtKept, store: store)
        }
        let log = AuditLog(
            store: store, key: key, configuration: configuration, state: state, lastCheckpoint: lastCheckpoint, verifiedKept: kept)
        await log.startTimer()
        return log
    }

    private func startTimer() {
        let interval = configuration.checkpointInterval
        timer = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                await self?.checkpointIfDue()
            }
        }
    }

    /// The number of committed records.
    public var size: Int64 { state.size }

    /// The hash of the last committed record.
    public var head: AuditHash { state.head }

    /// The Merkle root over all committed records.
    public var root: AuditHash { state.root }

    /// The most recent signed checkpoint.
    public var latestCheckpoint: SignedCheckpoint? { lastCheckpoint }

    /// The public key this log signs with (what an auditor pins).
    public nonisolated var signingPublicKey: GatewayPublicKey { key.publicKey }

    /// What verifying this log's store must demand: the checkpoint kept beside the signing key,
    /// if there is one and it reads (checkpoints deleted from the store then fail verification).
    public nonisolated var verificationRequirements: AuditRequirements {
        var r = AuditRequirements()
        if let file = key.keptCheckpoint, let kept = try? file.load() {
            r.vouched = [.init(kept, holder: "the signer (\(file.path))")]
        }
        return r
    }

    /// Appends an event and returns once it is durable.
    ///
    /// - Throws: ``AuditError``: `.closed` after ``close()``, `.invalidEvent` if the event cannot
    ///   be encoded, `.storageFailed` if the transaction failed. In every case the event is not in the log.
    public func append(_ event: AuditEvent) async throws -> AuditReceipt {
        if let refusal { throw refusal }
        guard !closed else { throw AuditError(.closed, "the audit log is closed; nothing more can be recorded") }
        let start = ContinuousClock.now
        defer { AuditTelemetry.appendTimer.recordNanoseconds(AuditTelemetry.nanoseconds(since: start)) }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(.event(event, continuation))
            startFlushing()
        }
    }

    /// What is wrong with the log for an operator: nil while it is open and its last write
    /// succeeded; else why not (closed, or the last write's failure).
    public var problem: String? {
        if let refusal { return refusal.description }
        if closed { return "the audit log is closed" }
        return lastFailure
    }

    /// Signs a checkpoint over every record appended before this call and returns it
    /// (nil if the log is empty). If the newest checkpoint already covers everything, returns it.
    @discardableResult
    public func checkpoint() async throws -> SignedCheckpoint? {
        if let refusal { throw refusal }
        guard !closed else { throw AuditError(.closed, "the audit log is closed") }
        return try await requestCheckpoint()
    }

    /// Signs a final checkpoint and refuses further appends. Appends already queued are written first.
    @discardableResult
    public func close() async throws -> SignedCheckpoint? {
        if let refusal { throw refusal }
        guard !closed else { return lastCheckpoint }
        closed = true
        timer?.cancel()
        timer = nil
        return try await requestCheckpoint()
    }

    private func requestCheckpoint() async throws -> SignedCheckpoint? {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(.checkpoint(continuation))
            startFlushing()
        }
    }

    private func checkpointIfDue() {
        guard !closed, state.size > (lastCheckpoint?.treeSize ?? 0),
            ContinuousClock.now - lastCheckpointAt >= configuration.checkpointInterval
        else { return }
        pending.append(.checkpoint(nil))
        startFlushing()
    }

    private func startFlushing() {
        guard !flushing else { return }
        flushing = true
        Task { await self.flush() }
    }

    /// Writes queued appends, one transaction per batch, until the queue is empty.
    private func flush() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(configuration.maximumBatch))
            pending.removeFirst(batch.count)
            await commit(batch)
        }
        flushing = false
    }

    /// A batch encoded after a given head: the rows to write and whom to answer once they are.
    private struct Encoded {
        var next: AuditChainState
        var records: [StoredAuditRecord] = []
        var checkpoints: [SignedCheckpoint] = []
        var receipts: [(CheckedContinuation<AuditReceipt, any Error>, AuditReceipt)] = []
        var checkpointWaiters: [CheckedContinuation<SignedCheckpoint?, any Error>] = []
    }

    /// Writes one batch. If another writer appended first (the store reports `.conflict`), catches
    /// up with what it wrote and tries again, at most ``AuditLogConfiguration/maximumCatchUps`` times.
    private func commit(_ batch: [Pending]) async {
        if let refusal { return fail(batch, refusal) }
        do {
            let signs = batch.contains { if case .checkpoint = $0 { return true } else { return false } }
            try await ensureExtension(signing: signs)
        } catch let e as AuditError where e.code == .notAnExtension {
            return refuse(batch, e)
        } catch {
            return fail(batch, error)
        }
        if let serial = store as? any SerialisedAuditStore {
            return await commitSerialised(batch, serial)
        }
        await commitRacing(batch)
    }

    /// Writes one batch taking turns with the other writers: the store holds them off, hands over
    /// what they appended since this log's head, and the batch is encoded after it, all in one
    /// transaction. A writer that does not take turns can still get in first (`.conflict`); then
    /// the batch goes the racing way.
    private func commitSerialised(_ batch: [Pending], _ serial: any SerialisedAuditStore) async {
        inFlight = batch
        inFlightEncoded = nil
        do {
            try await serial.appendAuditSerialised(after: state.size) { records, checkpoints in
                try await self.adoptThenEncode(records, checkpoints)
            }
        } catch let e as StoreError where e.code == .conflict {
            let remaining = inFlight
            inFlight = []
            return await commitRacing(remaining)
        } catch {
            let remaining = inFlight
            inFlight = []
            return fail(remaining, error)
        }
        inFlight = []
        guard let encoded = inFlightEncoded else { return }
        inFlightEncoded = nil
        applied(encoded)
    }

    /// Inside a serialised append: adopts what other writers appended, then encodes the batch.
    private func adoptThenEncode(_ records: [StoredAuditRecord], _ checkpoints: [StoredAuditCheckpoint]) throws -> ([StoredAuditRecord], [StoredAuditCheckpoint]) {
        if !records.isEmpty { try adopt(records, checkpoints: checkpoints) }
        let encoded = try encode(&inFlight)
        inFlightEncoded = encoded
        return (encoded.records, encoded.checkpoints.map(\.stored))
    }

    /// The batch is durable: moves the head and answers everyone in it.
    private func applied(_ encoded: Encoded) {
        state = encoded.next
        lastFailure = nil
        if let c = encoded.checkpoints.last {
            lastCheckpoint = c
            lastCheckpointAt = ContinuousClock.now
            keep(c)
        }
        for (c, r) in encoded.receipts { c.resume(returning: r) }
        for w in encoded.checkpointWaiters { w.resume(returning: lastCheckpoint) }
    }

    /// Writes one batch racing the other writers for the next sequence number.
    private func commitRacing(_ batch: [Pending]) async {
        var batch = batch
        var catchUps = 0
        while true {
            let encoded: Encoded
            do {
                encoded = try encode(&batch)
                if !encoded.records.isEmpty || !encoded.checkpoints.isEmpty {
                    try await store.appendAudit(records: encoded.records, checkpoints: encoded.checkpoints.map(\.stored))
                }
            } catch let e as StoreError where e.code == .conflict && catchUps < configuration.maximumCatchUps {
                catchUps += 1
                do {
                    try await catchUp()
                } catch {
                    return fail(batch, error)
                }
                continue
            } catch {
                return fail(batch, error)
            }
            applied(encoded)
            return
        }
    }

    /// Encodes `batch` after the current head. An event that cannot be encoded is answered with
    /// its error at once and taken out of the batch (so a retry does not answer it twice).
    private func encode(_ batch: inout [Pending]) throws -> Encoded {
        var out = Encoded(next: state)
        var covered = lastCheckpoint?.treeSize ?? 0
        var rejected = Set<Int>()
        defer { batch = batch.enumerated().filter { !rejected.contains($0.offset) }.map(\.element) }
        let now = Date()

        func sign() throws {
            guard out.next.size > 0 else { return }
            if out.next.size == covered, out.checkpoints.last != nil || lastCheckpoint != nil { return }
            let c = try SignedCheckpoint.sign(treeSize: out.next.size, root: out.next.root, time: now, key: key)
            out.checkpoints.append(c)
            covered = out.next.size
        }

        for (i, item) in batch.enumerated() {
            switch item {
            case .event(let event, let continuation):
                do {
                    let r = try out.next.append(event)
                    out.records.append(r)
                    out.receipts.append((continuation, AuditReceipt(sequence: r.sequence, hash: out.next.head)))
                    if out.next.size % configuration.checkpointEveryRecords == 0 { try sign() }
                } catch let e as AuditError where e.code == .invalidEvent {
                    continuation.resume(throwing: e)
                    rejected.insert(i)
                }
            case .checkpoint(let waiter):
                try sign()
                if let waiter { out.checkpointWaiters.append(waiter) }
            }
        }
        if out.next.size > covered, ContinuousClock.now - lastCheckpointAt >= configuration.checkpointInterval {
            try sign()
        }
        return out
    }

    /// Checks that the tree this log is about to extend (and sign) extends the checkpoint kept
    /// beside the key, when that checkpoint is one this log has not checked yet (another process
    /// with the key signed since): by an RFC 6962 consistency proof from it to this log's tree.
    ///
    /// When `signing` (a checkpoint is asked for: by ``checkpoint()``, ``close()`` or the
    /// interval timer) and the kept checkpoint is already checked, the cheap part is checked
    /// again: the store must still hold it. So checkpoints deleted under a running gateway close
    /// its log at its next periodic checkpoint.
    private func ensureExtension(signing: Bool) async throws {
        guard let file = key.keptCheckpoint, let kept = try file.load() else { return }
        if kept == verifiedKept {
            guard signing else { return }
            let stored: [StoredAuditCheckpoint]
            do { stored = try await store.auditCheckpoints() } catch {
                throw AuditError(.storageFailed, "cannot read the audit log's checkpoints: \(error)")
            }
            try SignerExtensionCheck.precheck(kept: kept, key: key, file: file, storeSize: state.size, storedCheckpoints: stored)
            return
        }
        if kept.treeSize > state.size { try await catchUp() }
        try await SignerExtensionCheck.checkBeforeSigning(
            kept: kept, key: key, file: file, size: state.size, root: state.root, store: store)
        verifiedKept = kept
    }

    /// Keeps a committed checkpoint beside the key. A failure leaves the older one (still a
    /// prefix of this log), and is reported as the log's problem until a later write succeeds.
    private func keep(_ c: SignedCheckpoint) {
        guard let file = key.keptCheckpoint else { return }
        do throws(AuditError) {
            try file.save(c)
            if c.treeSize >= (verifiedKept?.treeSize ?? 0) { verifiedKept = c }
        } catch {
            lastFailure = error.message
            AuditTelemetry.logger.error("cannot keep the signed checkpoint beside the key", metadata: ["error": "\(error.message)"])
        }
    }

    /// The store is not an extension of what this signer signed: the log closes, answers
    /// `batch` and everything queued with the refusal, and appends and signs nothing more.
    private func refuse(_ batch: [Pending], _ error: AuditError) {
        refusal = error
        closed = true
        timer?.cancel()
        timer = nil
        AuditTelemetry.logger.critical("audit log closed: the store is not an extension of the last signed checkpoint", metadata: ["error": "\(error.message)"])
        let queued = pending
        pending = []
        fail(batch + queued, error)
    }

    /// Answers everyone in `batch` with the failure: nothing of it is in the log.
    private func fail(_ batch: [Pending], _ error: any Error) {
        let failure: AuditError
        if let e = error as? AuditError {
            failure = e
        } else if let e = error as? StoreError, e.code == .conflict {
            failure = AuditError(
                .storageFailed,
                "the audit record could not be written: other writers kept appending first (\(configuration.maximumCatchUps) catch-ups); \(e)")
        } else {
            failure = AuditError(.storageFailed, "the audit record could not be written: \(error)")
        }
        lastFailure = failure.message
        AuditTelemetry.storeErrors.increment()
        AuditTelemetry.logger.error("audit log write failed", metadata: ["error": "\(failure.message)", "records": "\(batch.count)"])
        for item in batch {
            switch item {
            case .event(_, let c): c.resume(throwing: failure)
            case .checkpoint(let w): w?.resume(throwing: failure)
            }
        }
    }

    /// Adopts the records another writer appended after this log's head (a CLI command beside a
    /// running gateway, another gateway on a shared database), checking each one links to the
    /// head before it, then any newer checkpoint whose root and signature agree with them.
    ///
    /// - Throws: ``AuditError`` `.verificationFailed` naming the record or checkpoint that does not
    ///   verify (the log's state is then unchanged), `.storageFailed` if the store cannot be read.
    private func catchUp() async throws(AuditError) {
        var records: [StoredAuditRecord] = []
        let stored: [StoredAuditCheckpoint]
        do {
            while true {
                let chunk = try await store.auditRecords(from: state.size + 1 + Int64(records.count), limit: 8192)
                records += chunk
                if chunk.count < 8192 { break }
            }
            stored = try await store.auditCheckpoints()
        } catch {
            throw AuditError(.storageFailed, "cannot read what another writer appended to the audit log: \(error)")
        }
        try adopt(records, checkpoints: stored)
    }

    /// Adopts `records` (those after this log's head), checking each links to the one before,
    /// then the newest of `stored` checkpoints whose root and signature agree with them. On a
    /// failure the log's state is unchanged.
    private func adopt(_ records: [StoredAuditRecord], checkpoints stored: [StoredAuditCheckpoint]) throws(AuditError) {
        var caught = state
        var roots: [Int64: AuditHash] = [caught.size: caught.root]
        for r in records {
            try caught.adoptChecked(r)
            roots[caught.size] = caught.root
        }
        var newest = lastCheckpoint
        for s in stored where s.treeSize > (newest?.treeSize ?? 0) && s.treeSize <= caught.size {
            // Only checkpoints over records this catch-up saw can be checked against a root.
            guard let root = roots[s.treeSize] else { continue }
            let c: SignedCheckpoint
            do { c = try SignedCheckpoint(stored: s) } catch {
                throw AuditError(.verificationFailed, "the checkpoint at \(s.treeSize) records, written by another writer, cannot be read: \(error.message); nothing more is appended")
            }
            guard c.hasValidSignature(pinnedKey: nil), c.root == root else {
                throw AuditError(.verificationFailed, "the checkpoint at \(s.treeSize) records, written by another writer, does not match the records or its signature; nothing more is appended (run `escort audit verify`)")
            }
            newest = c
        }
        state = caught
        lastCheckpoint = newest
    }
}
