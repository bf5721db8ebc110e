import AuditLog
import EscortCore
import Foundation
import Store

/// The signed checkpoint a report's figures come from, and whether the log verified up to it.
public struct ReportProvenance: Sendable, Hashable {
    /// The checkpoint's tree size: the report reads records 1 … `treeSize`.
    public var treeSize: Int64
    /// Hex Merkle root the checkpoint signs.
    public var root: String
    /// When the checkpoint was signed.
    public var time: String
    /// Base64 of the Ed25519 key that signed it.
    public var key: String
    /// Whether records 1 … `treeSize` verified (hash chain, Merkle root, every signature up to it).
    public var verified: Bool
    /// Whether signatures were checked against a pinned key (rather than the one named in the log).
    public var keyPinned: Bool
    /// `verified` or the first failure.
    public var verification: String
    /// Whether signers were checked against a trust root's certifications (a cluster).
    public var trusted: Bool = false

    /// One sentence for the report.
    public var statement: String { statement(time: time) }

    /// The sentence with the checkpoint's time written as given (`ReportTime.readable` in HTML).
    public func statement(time: String) -> String {
        let how = verified
            ? "verified (hash chain, Merkle root and signatures\(trusted ? ", each signer against the keys the trust root certified" : keyPinned ? ", against the pinned gateway key" : ", against the key named in the log"))"
            : "FAILED VERIFICATION: \(verification); the figures below cannot be trusted"
        return "Figures from audit records 1–\(treeSize), signed checkpoint of \(time) (root \(root), key \(key)); \(how)."
    }
}

/// Verified audit records up to one signed checkpoint, ready for the report builders.
public struct ReportEvidence: Sendable {
    public var provenance: ReportProvenance
    public var records: [AuditRecord]
    public var activity: AuditActivity

    /// Codes that describe the log's own use, not the gateway's work; they never decide which
    /// checkpoint a report uses, so generating a report does not change the next one's figures.
    public static let bookkeepingCodes: Set<String> = [
        AuditEventCode.reportGenerated.code, AuditEventCode.verificationRun.code,
        AuditEventCode.auditLogOpened.code, AuditEventCode.auditLogClosed.code,
    ]

    /// Reads and verifies the log for a report about records before `through`.
    ///
    /// The checkpoint is `treeSize` if given, else the *earliest* signed checkpoint covering the
    /// last record before `through` that is not bookkeeping (see ``bookkeepingCodes``): the same
    /// log gives the same checkpoint, and so the same figures, however often reports are run.
    ///
    /// - Throws: ``ReportError`` `.noCheckpoint` if no signed checkpoint covers those records
    ///   (sign one first: the `escort report` commands do), `.unreadableLog` if a record does not decode.
    public static func load(
        store: any AuditStore, through: Date?, pinnedKey: GatewayPublicKey?, treeSize: Int64? = nil, trust: AuditTrust? = nil
    ) async throws -> ReportEvidence {
        let stored = try await store.auditCheckpoints()
        var all: [StoredAuditRecord] = []
        try await store.forEachAuditRecord { all.append($0) }
        var records: [AuditRecord] = []
        records.reserveCapacity(all.count)
        for r in all {
            do { records.append(try AuditRecord(body: r.body)) } catch {
                throw ReportError(.unreadableLog, "audit record \(r.sequence) cannot be read (\(error.message)); run `escort audit verify`")
            }
        }
        guard !records.isEmpty else {
            throw ReportError(.noCheckpoint, "the audit log is empty: there is nothing to report on yet")
        }
        let checkpoints = stored.compactMap { try? SignedCheckpoint(stored: $0) }.sorted { $0.treeSize < $1.treeSize }
        let chosen: SignedCheckpoint
        if let treeSize {
            guard let c = checkpoints.first(where: { $0.treeSize == treeSize }) else {
                throw ReportError(
                    .noCheckpoint,
                    "no signed checkpoint at \(treeSize) records (there are: \(checkpoints.map { String($0.treeSize) }.joined(separator: ", ")))")
            }
            chosen = c
        } else {
            let needed = records.last { r in
                !bookkeepingCodes.contains(r.code) && (through.map { t in (ReportTime.parse(r.time) ?? .distantFuture) < t } ?? true)
            }?.sequence ?? 1
            guard let c = checkpoints.first(where: { $0.treeSize >= needed }) else {
                throw ReportError(
                    .noCheckpoint,
                    "no signed checkpoint covers audit record \(needed) yet; the report would rest on unsigned records")
            }
            chosen = c
        }
        let upTo = Array(all.prefix(Int(chosen.treeSize)))
        let covered = stored.filter { $0.treeSize <= chosen.treeSize }
        let result = AuditVerifier.verify(AuditChain(records: upTo, checkpoints: covered), pinnedKey: trust == nil ? pinnedKey : nil, trust: trust)
        let verified: Bool
        let message: String
        switch result {
        case .success(let chain):
            verified = chain.size == chosen.treeSize && chain.root == chosen.root
            message = verified ? "verified" : "the records do not reproduce the checkpoint's root"
        case .failure(let f):
            verified = false
            message = f.description
        }
        let provenance = ReportProvenance(
            treeSize: chosen.treeSize, root: chosen.root.hex, time: chosen.time, key: Data(chosen.publicKey).base64EncodedString(),
            verified: verified, keyPinned: pinnedKey != nil || trust != nil, verification: message, trusted: trust != nil)
        let used = Array(records.prefix(Int(chosen.treeSize)))
        return ReportEvidence(provenance: provenance, records: used, activity: AuditActivity(records: used))
    }
}
