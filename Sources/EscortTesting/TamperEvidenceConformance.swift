import AuditLog
import Foundation
import Store

/// Tamper evidence that must hold on every ``AuditStore`` backend, played by someone who can
/// write the database but does not hold the signing key (or, for the witness, someone who does).
/// Each check takes a fresh store, a folder for keys, and the backend's raw tampering.
public enum TamperEvidenceConformance {
    /// A fresh store and what raw database access can do to it.
    public struct Backend: Sendable {
        public var store: any AuditStore
        /// A fresh folder for the signing key and its kept checkpoint.
        public var directory: String
        /// Deletes every checkpoint over more than the given number of records.
        public var deleteCheckpoints: @Sendable (Int64) async throws -> Void
        /// Deletes every record after the given number.
        public var deleteRecords: @Sendable (Int64) async throws -> Void
        /// Overwrites a record's hash and body.
        public var replaceRecord: @Sendable (StoredAuditRecord) async throws -> Void

        public init(
            store: any AuditStore, directory: String, deleteCheckpoints: @escaping @Sendable (Int64) async throws -> Void,
            deleteRecords: @escaping @Sendable (Int64) async throws -> Void,
            replaceRecord: @escaping @Sendable (StoredAuditRecord) async throws -> Void
        ) {
            self.store = store
            self.directory = directory
            self.deleteCheckpoints = deleteCheckpoints
            self.deleteRecords = deleteRecords
            self.replaceRecord = replaceRecord
        }
    }

    /// Every check, by name.
    public static let checks: [(String, @Sendable (Backend) async throws -> Void)] = [
        ("a rewrite after deleting checkpoints: the next signer refuses, verification fails", rewriteThenSign),
        ("records deleted below the signer's kept checkpoint: the next signer refuses", truncatedThenSign),
        ("a running signer whose newest checkpoint is deleted from the store closes the log", checkpointDeletedWhileRunning),
        ("a running signer's own checkpoints deleted: its next checkpoint closes the log", ownCheckpointsDeletedWhileRunning),
        ("a witness refuses a fork and verification against its cosignature fails", witnessSeesFork),
    ]

    static func check(_ condition: Bool, _ message: String) throws {
        if !condition { throw ConformanceFailure(message: message) }
    }

    static func event(_ i: Int, actor: String = "bob") -> AuditEvent {
        AuditEvent(
            code: i % 2 == 0 ? .commandApproved : .commandForwarded, session: "s-1", actor: actor,
            fields: ["command": .string("ls /tmp/\(i)"), "n": .integer(Int64(i))])
    }

    /// 12 records signed at 5, 10 and 12 by a key loaded from a file in `b.directory`.
    static func signedLog(_ b: Backend) async throws -> GatewaySigningKey {
        let key = try GatewaySigningKey.loadOrCreate(path: b.directory + "/gateway.key")
        var config = AuditLogConfiguration()
        config.checkpointEveryRecords = 5
        let log = try await AuditLog.open(store: b.store, key: key, configuration: config)
        for i in 1...12 { _ = try await log.append(event(i)) }
        try await log.close()
        let sizes = try await b.store.auditCheckpoints().map(\.treeSize)
        try check(sizes == [5, 10, 12], "the log was signed at \(sizes), not 5, 10, 12")
        return key
    }

    /// Rewrites record `sequence`'s actor and relinks the rest.
    static func forge(_ b: Backend, at sequence: Int64) async throws {
        let records = try await b.store.auditRecords(from: 1, limit: 1000)
        for r in try AuditForgery.rewrite(records, sequence: sequence, member: "actor", to: "mallory") { try await b.replaceRecord(r) }
    }

    static func expectRefusal(_ b: Backend, _ key: GatewaySigningKey, _ what: String) async throws {
        do {
            let log = try await AuditLog.open(store: b.store, key: key)
            _ = try? await log.append(event(99))
            _ = try? await log.close()
            throw ConformanceFailure(message: "\(what): a signer opened the store and signed")
        } catch let e as AuditError {
            try check(e.code == .notAnExtension, "\(what): refused with \(e), not AUDIT-011")
        }
    }

    @Sendable static func rewriteThenSign(_ b: Backend) async throws {
        let key = try await signedLog(b)
        try await b.deleteCheckpoints(5)
        try await forge(b, at: 7)
        // Without anything held outside the store, the forgery is internally consistent.
        guard case .success = try await b.store.verifyAuditLog(pinnedKey: key.publicKey) else {
            throw ConformanceFailure(message: "the relinked forgery should be internally consistent")
        }
        try await expectRefusal(b, key, "after a rewrite below the kept checkpoint")
        try check(try await b.store.auditCheckpoints().map(\.treeSize) == [5], "a checkpoint was signed over the forgery")
        try check(try await b.store.auditRecordCount() == 12, "a record was appended to the forgery")
        // The signer's kept checkpoint exposes it.
        let kept = try require2(try SignerCheckpointFile(keyPath: b.directory + "/gateway.key").load(), "no kept checkpoint")
        try check(kept.treeSize == 12, "the kept checkpoint is at \(kept.treeSize), not 12")
        let result = try await b.store.verifyAuditLog(
            pinnedKey: key.publicKey, requirements: AuditRequirements(vouched: [.init(kept, holder: "the signer")]))
        guard case .failure(let f) = result else { throw ConformanceFailure(message: "verification with the kept checkpoint passed") }
        try check(f.kind == .changed && f.record == 6, "expected changed at record 6, got \(f)")
    }

    @Sendable static func truncatedThenSign(_ b: Backend) async throws {
        let key = try await signedLog(b)
        // The tail and the checkpoints that cover it go: what is left verifies on its own.
        try await b.deleteCheckpoints(5)
        try await b.deleteRecords(8)
        guard case .success = try await b.store.verifyAuditLog(pinnedKey: key.publicKey) else {
            throw ConformanceFailure(message: "the cut-back log should be internally consistent")
        }
        try await expectRefusal(b, key, "after records 9–12 were deleted")
        try check(try await b.store.auditRecordCount() == 8, "a record was appended to the cut-back log")
    }

    @Sendable static func checkpointDeletedWhileRunning(_ b: Backend) async throws {
        let key = try await signedLog(b)
        let gateway = try await AuditLog.open(store: b.store, key: key)
        // Another process with the same key (a CLI command) appends and signs at 14.
        let cli = try await AuditLog.open(store: b.store, key: try GatewaySigningKey.load(path: b.directory + "/gateway.key"))
        _ = try await cli.append(event(13))
        _ = try await cli.append(event(14))
        try await cli.close()
        // Someone deletes that checkpoint from the store.
        try await b.deleteCheckpoints(12)
        do {
            _ = try await gateway.append(event(15))
            throw ConformanceFailure(message: "the gateway appended after the checkpoint it holds was deleted")
        } catch let e as AuditError {
            try check(e.code == .notAnExtension, "the gateway failed with \(e), not AUDIT-011")
        }
        try check(await gateway.problem?.contains("AUDIT-011") == true, "the gateway's problem does not say AUDIT-011")
        do {
            _ = try await gateway.append(event(16))
            throw ConformanceFailure(message: "the refused log accepted another append")
        } catch let e as AuditError {
            try check(e.code == .notAnExtension, "a later append failed with \(e), not AUDIT-011")
        }
        try check(try await b.store.auditRecordCount() == 14, "records were appended after the refusal")
    }

    @Sendable static func ownCheckpointsDeletedWhileRunning(_ b: Backend) async throws {
        let key = try await signedLog(b)
        let gateway = try await AuditLog.open(store: b.store, key: key)
        _ = try await gateway.append(event(13))
        try await gateway.checkpoint()
        // Under the running gateway, its checkpoints after the first go and a record is rewritten.
        try await b.deleteCheckpoints(5)
        try await forge(b, at: 7)
        do {
            try await gateway.checkpoint()
            throw ConformanceFailure(message: "the gateway signed a checkpoint after its own were deleted")
        } catch let e as AuditError {
            try check(e.code == .notAnExtension, "the gateway failed with \(e), not AUDIT-011")
        }
        try check(await gateway.problem?.contains("no longer in the store") == true, "the gateway's problem does not say why")
        try check(try await b.store.auditCheckpoints().map(\.treeSize) == [5], "a checkpoint was signed after the deletion")
    }

    @Sendable static func witnessSeesFork(_ b: Backend) async throws {
        let key = try await signedLog(b)
        let leaves = { () async throws -> [AuditHash] in
            try await b.store.auditRecords(from: 1, limit: 1000).map { MerkleTree.leafHash($0.body) }
        }
        let checkpoints = { () async throws -> [SignedCheckpoint] in
            try await b.store.auditCheckpoints().map { try SignedCheckpoint(stored: $0) }
        }
        guard case .success(let witnessed) = AuditWitness.decide(held: nil, checkpoints: try await checkpoints(), leaves: try await leaves(), gatewayKey: key.publicKey) else {
            throw ConformanceFailure(message: "the witness refused the genuine log")
        }
        try check(witnessed.treeSize == 12, "the witness cosigned \(witnessed.treeSize), not 12")
        let witnessKey = GatewaySigningKey()
        let cosignature = try Cosignature.sign(witnessed, witnessKey: witnessKey)
        try check(cosignature.isValid(pinnedWitness: witnessKey.publicKeyBytes), "the cosignature does not verify")
        // A signer that keeps no checkpoint (or someone with the key) signs over a rewrite.
        try await b.deleteCheckpoints(5)
        try await forge(b, at: 7)
        let forger = try await AuditLog.open(store: b.store, key: try AuditForgery.forgetfulCopy(ofKeyAt: b.directory + "/gateway.key"))
        _ = try await forger.append(event(13))
        try await forger.close()
        let decision = AuditWitness.decide(held: witnessed, checkpoints: try await checkpoints(), leaves: try await leaves(), gatewayKey: key.publicKey)
        guard case .failure(.fork(held: 12, latest: 13)) = decision else {
            throw ConformanceFailure(message: "the witness did not report a fork from 12 to 13: \(decision)")
        }
        // The re-signed forgery verifies on its own, but not against the witness's cosignature.
        guard case .success = try await b.store.verifyAuditLog(pinnedKey: key.publicKey) else {
            throw ConformanceFailure(message: "the re-signed forgery should verify without the witness")
        }
        let result = try await b.store.verifyAuditLog(
            pinnedKey: key.publicKey, requirements: AuditRequirements(vouched: [.init(cosignature.checkpoint, holder: "the witness")]))
        guard case .failure(let f) = result else { throw ConformanceFailure(message: "verification against the witness passed") }
        try check(f.kind == .changed && f.record == 6, "expected changed at record 6 against the witness, got \(f)")
    }

    static func require2<T>(_ value: T?, _ message: String) throws -> T {
        guard let value else { throw ConformanceFailure(message: message) }
        return value
    }
}
