import Crypto
import EscortCore
import Foundation
import Store

/// A signed statement "the log had `treeSize` records and this Merkle root at this time".
///
/// Canonical body: `{"key":HEX,"root":HEX,"size":N,"time":RFC3339,"v":1}`. The Ed25519 signature
/// covers ``signingPrefix`` followed by the body, so a checkpoint signature can never be
/// mistaken for a signature over anything else.
public struct SignedCheckpoint: Sendable, Hashable {
    public var treeSize: Int64
    public var root: AuditHash
    public var time: String
    /// The raw 32-byte Ed25519 public key that signed it.
    public var publicKey: [UInt8]
    public var signature: [UInt8]
    /// The canonical bytes that were signed (after the prefix).
    public var body: [UInt8]

    /// Domain separation for checkpoint signatures.
    public static let signingPrefix = Array("escort-audit-checkpoint-v1\n".utf8)

    /// Builds and signs a checkpoint.
    static func sign(treeSize: Int64, root: AuditHash, time: Date, key: GatewaySigningKey) throws(AuditError) -> SignedCheckpoint {
        let pub = key.publicKeyBytes
        let value = JSONValue.object([
            "v": .integer(1), "size": .integer(treeSize), "root": .string(root.hex),
            "time": .string(AuditTime.format(time)), "key": .string(Hex.encode(pub)),
        ])
        let body: [UInt8]
        do { body = try value.canonicalBytes() } catch { throw AuditError(.malformedCheckpoint, "\(error)") }
        let signature = try key.sign(signingPrefix + body)
        return SignedCheckpoint(
            treeSize: treeSize, root: root, time: AuditTime.format(time), publicKey: pub,
            signature: signature, body: body)
    }

    private init(treeSize: Int64, root: AuditHash, time: String, publicKey: [UInt8], signature: [UInt8], body: [UInt8]) {
        self.treeSize = treeSize
        self.root = root
        self.time = time
        self.publicKey = publicKey
        self.signature = signature
        self.body = body
    }

    /// Decodes a stored checkpoint.
    public init(stored: StoredAuditCheckpoint) throws(AuditError) {
        try self.init(body: stored.body, signature: stored.signature)
        guard treeSize == stored.treeSize else {
            throw AuditError(.malformedCheckpoint, "checkpoint row says size \(stored.treeSize) but its signed body says \(treeSize)")
        }
    }

    /// Decodes a checkpoint from its body and signature.
    public init(body: [UInt8], signature: [UInt8]) throws(AuditError) {
        let v: JSONValue
        do { v = try JSONParser.parse(body) } catch {
            throw AuditError(.malformedCheckpoint, "checkpoint is not valid JSON: \(error)")
        }
        guard let size = v["size"]?.integerValue, size >= 0,
            let root = v["root"]?.stringValue.flatMap({ AuditHash(hex: $0) }),
            let time = v["time"]?.stringValue,
            let key = v["key"]?.stringValue.flatMap({ Hex.decode($0) }), key.count == 32
        else {
            throw AuditError(.malformedCheckpoint, "checkpoint lacks size, root, time or key")
        }
        self.treeSize = size
        self.root = root
        self.time = time
        self.publicKey = key
        self.signature = signature
        self.body = body
    }

    /// The row to store.
    public var stored: StoredAuditCheckpoint {
        StoredAuditCheckpoint(treeSize: treeSize, body: body, signature: signature)
    }

    /// Whether the signature is valid for `key` (or, if nil, for the key named in the checkpoint).
    public func hasValidSignature(pinnedKey key: [UInt8]?) -> Bool {
        let k = key ?? publicKey
        guard k == publicKey, let pub = try? Curve25519.Signing.PublicKey(rawRepresentation: k) else { return false }
        return pub.isValidSignature(signature, for: Self.signingPrefix + body)
    }
}
