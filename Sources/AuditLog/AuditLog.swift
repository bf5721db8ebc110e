import Foundation
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

    private init(store: any AuditStore, key: GatewaySigningKey, configuration: AuditLogConfiguration, state: AuditChainState, lastCheckpoint: SignedCheckpoint?) {
        self.store = store
        self.key = key
        self.configuration = configuration
        self.state = state
        self.lastCheckpoint = lastCheckpoint
    }

    /// Opens the log kept in `store`, picking up the chain where it ends.
    ///
    /// Reopening reads every stored record hash once (to rebuild the Merkle frontier) and checks
    /// that the last record's body matches its hash and position; it does not verify the whole
    /// chain (that is ``AuditVerifier``'s job).
    public static func open(
        store: any AuditStore, key: GatewaySigningKey, configuration: AuditLogConfiguration = AuditLogConfiguration()
    ) async throws -> AuditLog {
        let configuration = try configuration.validated()
        var state = AuditChainState()
        var last: StoredAuditRecord?
        do {
            var next: Int64 = 1
            while true {
                let chunk = try await store.auditRecords(from: next, limit: 8192)
                for r in chunk {
                    guard r.sequence == state.size + 1, let h = AuditHash(bytes: r.hash) else {
                        throw AuditError(.verificationFailed, "the stored log is damaged near record \(state.size + 1); run `escort audit verify`")
                    }
                    state.adopt(hash: h)
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
        let log = AuditLog(store: store, key: key, configuration: configuration, state: state, lastCheckpoint: lastCheckpoint)
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

    /// Appends an event and returns once it is durable.
    ///
    /// - Throws: ``AuditError``: `.closed` after ``close()``, `.invalidEvent` if the event cannot
    ///   be encoded, `.storageFailed` if the transaction failed. In every case the event is not in the log.
    public func append(_ event: AuditEvent) async throws -> AuditReceipt {
        guard !closed else { throw AuditError(.closed, "the audit log is closed; nothing more can be recorded") }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(.event(event, continuation))
            startFlushing()
        }
    }

    /// Signs a checkpoint over every record appended before this call and returns it
    /// (nil if the log is empty). If the newest checkpoint already covers everything, returns it.
    @discardableResult
    public func checkpoint() async throws -> SignedCheckpoint? {
        guard !closed else { throw AuditError(.closed, "the audit log is closed") }
        return try await requestCheckpoint()
    }

    /// Signs a final checkpoint and refuses further appends. Appends already queued are written first.
    @discardableResult
    public func close() async throws -> SignedCheckpoint? {
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

    private func commit(_ batch: [Pending]) async {
        var next = state
        var records: [StoredAuditRecord] = []
        var checkpoints: [SignedCheckpoint] = []
        var receipts: [(CheckedContinuation<AuditReceipt, any Error>, AuditReceipt)] = []
        var checkpointWaiters: [CheckedContinuation<SignedCheckpoint?, any Error>] = []
        var covered = lastCheckpoint?.treeSize ?? 0
        let now = Date()

        func sign() throws {
            guard next.size > 0 else { return }
            if next.size == covered, checkpoints.last != nil || lastCheckpoint != nil { return }
            let c = try SignedCheckpoint.sign(treeSize: next.size, root: next.root, time: now, key: key)
            checkpoints.append(c)
            covered = next.size
        }

        do {
            for item in batch {
                switch item {
                case .event(let event, let continuation):
                    do {
                        let r = try next.append(event)
                        records.append(r)
                        receipts.append((continuation, AuditReceipt(sequence: r.sequence, hash: next.head)))
                        if next.size % configuration.checkpointEveryRecords == 0 { try sign() }
                    } catch let e as AuditError where e.code == .invalidEvent {
                        continuation.resume(throwing: e)
                    }
                case .checkpoint(let waiter):
                    try sign()
                    if let waiter { checkpointWaiters.append(waiter) }
                }
            }
            if next.size > covered, ContinuousClock.now - lastCheckpointAt >= configuration.checkpointInterval {
                try sign()
            }
            if !records.isEmpty || !checkpoints.isEmpty {
                try await store.appendAudit(records: records, checkpoints: checkpoints.map(\.stored))
            }
        } catch {
            let failure = (error as? AuditError) ?? AuditError(.storageFailed, "the audit record could not be written: \(error)")
            for (c, _) in receipts { c.resume(throwing: failure) }
            for w in checkpointWaiters { w.resume(throwing: failure) }
            return
        }
        state = next
        if let c = checkpoints.last {
            lastCheckpoint = c
            lastCheckpointAt = ContinuousClock.now
        }
        for (c, r) in receipts { c.resume(returning: r) }
        for w in checkpointWaiters { w.resume(returning: lastCheckpoint) }
    }
}
