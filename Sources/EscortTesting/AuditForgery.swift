import AuditLog
import EscortCore
import Foundation
import Store

/// What someone who can write the store but does not hold the signing key does to the audit log,
/// as plain values: rewrite a record and relink every later one (each `prev` and hash recomputed
/// with the log's own canonical JSON and RFC 6962 leaf hash).
public enum AuditForgery {
    /// `records` (in order) with record `sequence`'s member `member` set to `value`, and every
    /// record from it on relinked. Returns only the records that changed.
    public static func rewrite(
        _ records: [StoredAuditRecord], sequence: Int64, member: String, to value: JSONValue
    ) throws -> [StoredAuditRecord] {
        var out: [StoredAuditRecord] = []
        var previous: [UInt8]?
        for r in records {
            guard r.sequence >= sequence else {
                previous = r.hash
                continue
            }
            guard case .object(var object) = try JSONParser.parse(r.body) else { throw ConformanceFailure(message: "record \(r.sequence) is not an object") }
            if r.sequence == sequence { object[member] = value }
            if let previous { object["prev"] = .string(Hex.encode(previous)) }
            let body = try JSONValue.object(object).canonicalBytes()
            let hash = MerkleTree.leafHash(body).bytes
            out.append(StoredAuditRecord(sequence: r.sequence, hash: hash, body: body))
            previous = hash
        }
        return out
    }

    /// The key at `path` as a signer that keeps no checkpoint: what a signer without the
    /// extension check (or an attacker holding a copy of the key) signs with.
    public static func forgetfulCopy(ofKeyAt path: String) throws -> GatewaySigningKey {
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: text) else { throw ConformanceFailure(message: "\(path) is not a key file") }
        return try GatewaySigningKey(rawRepresentation: Array(raw))
    }
}
