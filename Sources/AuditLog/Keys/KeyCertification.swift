import Crypto
import EscortCore
import Foundation

/// A trust root's statement "the node `name` signs this deployment's checkpoints with `key`
/// from `notBefore` to `notAfter`": how a cluster whose nodes each hold their own signing key
/// gives an auditor one key to pin (the root's, kept offline).
///
/// Canonical body (keys sorted, as every canonical JSON here):
/// `{"issued":RFC3339,"key":HEX,"name":TEXT,"not_after":RFC3339,"not_before":RFC3339,"root":HEX,"v":1}`.
/// The root's Ed25519 signature covers ``signingPrefix`` followed by the body, so it can never be
/// mistaken for a checkpoint or a cosignature.
///
/// Certifications are records in the log (`audit.key_certified`, ESC-9010, fields `certification`:
/// the body as a string, `signature`: hex), so the log carries the evidence of who may sign it.
/// For one root and one key the certification issued last governs: re-certifying a key with an
/// earlier `not_after` ends its window (how a lost node key is retired before its time).
public struct KeyCertification: Sendable, Hashable {
    public var name: String
    /// The certified node key (raw 32 bytes).
    public var key: [UInt8]
    /// RFC 3339 UTC with milliseconds, as checkpoint times (so they compare as text).
    public var notBefore: String
    public var notAfter: String
    public var issued: String
    /// The root's raw public key.
    public var root: [UInt8]
    public var signature: [UInt8]
    /// The canonical bytes that were signed (after the prefix).
    public var body: [UInt8]

    /// Domain separation for certifications.
    public static let signingPrefix = Array("escort-audit-key-certification-v1\n".utf8)

    /// Certifies `key` as `name` for the window, signed by `root`.
    public static func sign(
        name: String, key: GatewayPublicKey, notBefore: Date, notAfter: Date, root: GatewaySigningKey, issued: Date = Date()
    ) throws(AuditError) -> KeyCertification {
        guard !name.isEmpty, name.utf8.count <= 200 else { throw AuditError(.invalidEvent, "a node name is 1 to 200 bytes") }
        guard notBefore < notAfter else { throw AuditError(.invalidEvent, "--not-before must be before --not-after") }
        let value = JSONValue.object([
            "v": .integer(1), "name": .string(name), "key": .string(key.hex), "root": .string(Hex.encode(root.publicKeyBytes)),
            "not_before": .string(AuditTime.format(notBefore)), "not_after": .string(AuditTime.format(notAfter)),
            "issued": .string(AuditTime.format(issued)),
        ])
        let body: [UInt8]
        do { body = try value.canonicalBytes() } catch { throw AuditError(.invalidEvent, "\(error)") }
        return try KeyCertification(body: body, signature: try root.sign(signingPrefix + body))
    }

    /// Decodes a certification from its body and signature (not checking the signature).
    public init(body: [UInt8], signature: [UInt8]) throws(AuditError) {
        let v: JSONValue
        do { v = try JSONParser.parse(body) } catch {
            throw AuditError(.malformedRecord, "a key certification is not valid JSON: \(error)")
        }
        guard v["v"]?.integerValue == 1, let name = v["name"]?.stringValue,
            let key = v["key"]?.stringValue.flatMap({ Hex.decode($0) }), key.count == 32,
            let root = v["root"]?.stringValue.flatMap({ Hex.decode($0) }), root.count == 32,
            let notBefore = v["not_before"]?.stringValue, let notAfter = v["not_after"]?.stringValue,
            let issued = v["issued"]?.stringValue
        else {
            throw AuditError(.malformedRecord, "a key certification needs v 1, name, key, root, not_before, not_after and issued")
        }
        self.name = name
        self.key = key
        self.root = root
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.issued = issued
        self.signature = signature
        self.body = body
    }

    /// Whether the root named inside signed it (and, if given, whether that root is `trusted`).
    public func isValid(trusted: [GatewayPublicKey]? = nil) -> Bool {
        if let trusted, !trusted.contains(where: { $0.bytes == root }) { return false }
        guard let pub = try? Curve25519.Signing.PublicKey(rawRepresentation: root) else { return false }
        return pub.isValidSignature(signature, for: Self.signingPrefix + body)
    }

    /// Whether a checkpoint signed at `time` (RFC 3339 as written in checkpoints) falls in the window.
    public func covers(time: String) -> Bool { notBefore <= time && time <= notAfter }

    public var nodeKey: GatewayPublicKey { GatewayPublicKey(unchecked: key) }
    public var rootKey: GatewayPublicKey { GatewayPublicKey(unchecked: root) }

    /// The event that records it in the log.
    public func auditEvent(actor: String?) -> AuditEvent {
        AuditEvent(
            code: .keyCertified, actor: actor,
            fields: [
                "name": .string(name), "key": .string(Hex.encode(key)), "fingerprint": .string(nodeKey.fingerprint),
                "root_fingerprint": .string(rootKey.fingerprint), "not_before": .string(notBefore), "not_after": .string(notAfter),
                "certification": .string(String(decoding: body, as: UTF8.self)), "signature": .string(Hex.encode(signature)),
            ])
    }

    /// The certification an `audit.key_certified` record carries.
    public init(record fields: [String: AuditValue]) throws(AuditError) {
        guard let body = fields["certification"]?.stringValue, let sig = fields["signature"]?.stringValue.flatMap({ Hex.decode($0) }) else {
            throw AuditError(.malformedRecord, "an audit.key_certified record needs certification and signature")
        }
        try self.init(body: Array(body.utf8), signature: sig)
    }

    /// The file `escort audit trust certify --out` writes: one line
    /// `{"certification":<body>,"signature":"HEX"}`.
    public var line: [UInt8] {
        Array(#"{"certification":"#.utf8) + body + Array(#","signature":""#.utf8) + Array(Hex.encode(signature).utf8) + Array("\"}".utf8)
    }

    /// Reads a certification file (one line, see ``line``).
    public init(line: [UInt8]) throws(AuditError) {
        var bytes = line
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
        let members: [JSONParser.Member]
        do { members = try JSONParser.members(ofObject: bytes) } catch {
            throw AuditError(.malformedRecord, "a certification file holds one JSON object: \(error)")
        }
        guard let body = members.first(where: { $0.key == "certification" }).map({ Array(bytes[$0.valueRange]) }),
            let sig = members.first(where: { $0.key == "signature" }).map({ Array(bytes[$0.valueRange]) }),
            sig.count >= 2, sig.first == 0x22, sig.last == 0x22, let signature = Hex.decode(utf8: sig.dropFirst().dropLast())
        else {
            throw AuditError(.malformedRecord, "expected {\"certification\":…,\"signature\":\"HEX\"}")
        }
        try self.init(body: body, signature: signature)
    }
}

extension GatewayPublicKey {
    /// The key's OpenSSH-style fingerprint, `SHA256:` and the unpadded base64 of the SHA-256 of its
    /// `ssh-ed25519` wire blob (what `ssh-keygen -lf` prints for the same key in OpenSSH format).
    public var fingerprint: String {
        func string(_ b: [UInt8]) -> [UInt8] {
            let n = UInt32(b.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + b
        }
        let blob = string(Array("ssh-ed25519".utf8)) + string(bytes)
        var b64 = Data(SHA256.hash(data: blob)).base64EncodedString()
        while b64.hasSuffix("=") { b64.removeLast() }
        return "SHA256:" + b64
    }
}

/// The trust roots a verification accepts checkpoint signers from (`escort audit verify --trust`).
public struct AuditTrust: Sendable, Hashable {
    public var roots: [GatewayPublicKey]

    public init(roots: [GatewayPublicKey]) { self.roots = roots }
}
