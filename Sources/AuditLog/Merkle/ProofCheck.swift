import EscortCore

/// Checks a proof file from `escort audit prove` offline, with nothing but the file and (to
/// know who signed) the gateway's public key. No I/O: the caller reads the file.
public enum ProofCheck {
    /// What a proof that checks out shows, for a person.
    public struct Verdict: Sendable, Hashable {
        /// "inclusion" or "consistency".
        public var kind: String
        /// One sentence: what was proved.
        public var summary: String
        /// Whether the checkpoint signatures were checked against a pinned key.
        public var keyWasPinned: Bool
    }

    /// Checks `bytes` (the JSON `escort audit prove` prints).
    ///
    /// - Throws: ``AuditError`` `.verificationFailed` naming what does not hold, `.badExport` if
    ///   the file is not a proof.
    public static func check(_ bytes: [UInt8], pinnedKey: GatewayPublicKey?) throws(AuditError) -> Verdict {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw AuditError(.badExport, "not a proof: the file is not JSON (\(error))")
        }
        switch json["type"]?.stringValue {
        case "inclusion": return try inclusion(json, pinnedKey)
        case "consistency": return try consistency(json, pinnedKey)
        default: throw AuditError(.badExport, "not a proof: \"type\" is neither \"inclusion\" nor \"consistency\"")
        }
    }

    private static func checkpoint(_ v: JSONValue?, _ name: String, _ pinned: GatewayPublicKey?) throws(AuditError) -> SignedCheckpoint {
        guard let body = v?["body"]?.stringValue, let sig = v?["signature"]?.stringValue.flatMap({ Hex.decode($0) }) else {
            throw AuditError(.badExport, "not a proof: \(name) needs a body and a hex signature")
        }
        let c = try SignedCheckpoint(body: Array(body.utf8), signature: sig)
        guard c.hasValidSignature(pinnedKey: pinned?.bytes) else {
            throw AuditError(.verificationFailed, "the \(name) (\(c.treeSize) records) does not carry a valid signature\(pinned == nil ? "" : " by the given key")")
        }
        return c
    }

    private static func hashes(_ v: JSONValue?, _ name: String) throws(AuditError) -> [AuditHash] {
        guard let items = v?.arrayValue else { throw AuditError(.badExport, "not a proof: no \(name)") }
        var out: [AuditHash] = []
        for item in items {
            guard let h = item.stringValue.flatMap({ AuditHash(hex: $0) }) else {
                throw AuditError(.badExport, "not a proof: \(name) holds something that is not a 32-byte hex hash")
            }
            out.append(h)
        }
        return out
    }

    private static func inclusion(_ json: JSONValue, _ pinned: GatewayPublicKey?) throws(AuditError) -> Verdict {
        let c = try checkpoint(json["checkpoint"], "checkpoint", pinned)
        guard let seq = json["record"]?.integerValue, let bytes = json["record_bytes"]?.stringValue else {
            throw AuditError(.badExport, "not an inclusion proof: no record number or record_bytes")
        }
        let path = try hashes(json["audit_path"], "audit_path")
        let record = Array(bytes.utf8)
        let leaf = MerkleTree.leafHash(record)
        if let stated = json["leaf_hash"]?.stringValue, stated != leaf.hex {
            throw AuditError(.verificationFailed, "the record's bytes do not hash to the proof's leaf_hash: the record was changed")
        }
        if case .success(let links) = RecordLinks.read(record), links.sequence != seq {
            throw AuditError(.verificationFailed, "the record's bytes say seq \(links.sequence), the proof says record \(seq)")
        }
        guard MerkleTree.verifyInclusion(leaf: leaf, index: Int(seq - 1), treeSize: Int(c.treeSize), proof: path, root: c.root) else {
            throw AuditError(.verificationFailed, "record \(seq) is not in the tree of \(c.treeSize) records the checkpoint signs (the audit path does not lead to its root)")
        }
        return Verdict(
            kind: "inclusion",
            summary: "record \(seq) (these bytes) is record \(seq) of the log the checkpoint at \(c.treeSize) records (\(c.time)) signs",
            keyWasPinned: pinned != nil)
    }

    private static func consistency(_ json: JSONValue, _ pinned: GatewayPublicKey?) throws(AuditError) -> Verdict {
        let old = try checkpoint(json["old_checkpoint"], "old checkpoint", pinned)
        let new = try checkpoint(json["new_checkpoint"], "new checkpoint", pinned)
        let path = try hashes(json["consistency_path"], "consistency_path")
        guard ConsistencyProof(old: old, new: new, path: path).verify() else {
            throw AuditError(.verificationFailed, "the log at \(new.treeSize) records is not an extension of the log at \(old.treeSize) records: the consistency path does not join the two signed roots")
        }
        return Verdict(
            kind: "consistency",
            summary: "the log signed at \(new.treeSize) records (\(new.time)) extends the log signed at \(old.treeSize) records (\(old.time)): nothing in records 1–\(old.treeSize) changed",
            keyWasPinned: pinned != nil)
    }
}
