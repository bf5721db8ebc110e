import Crypto
import EscortCore
import Foundation

/// The gateway's Ed25519 checkpoint-signing key.
///
/// File format: the 32-byte raw private key in base64 on one line, file mode 0600. The public
/// key is written beside it as `PATH.pub` (base64 of the raw 32 bytes) for auditors; see
/// ``GatewayPublicKey``.
public struct GatewaySigningKey: Sendable {
    /// The raw private key (Crypto's key type is not `Sendable`, so it is rebuilt to sign).
    private let raw: [UInt8]
    /// The raw 32-byte public key.
    public let publicKeyBytes: [UInt8]
    /// Where this signer keeps the last checkpoint it signed (`PATH.checkpoint` for a key loaded
    /// from `PATH`); nil for a key that lives only in memory (tests), which keeps none.
    public private(set) var keptCheckpoint: SignerCheckpointFile?

    private var key: Curve25519.Signing.PrivateKey {
        // The bytes were validated in init.
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) ?? Curve25519.Signing.PrivateKey()
    }

    /// A fresh random key (not saved).
    public init() {
        let k = Curve25519.Signing.PrivateKey()
        raw = Array(k.rawRepresentation)
        publicKeyBytes = Array(k.publicKey.rawRepresentation)
    }

    /// A key from its 32 raw bytes.
    public init(rawRepresentation: [UInt8]) throws(AuditError) {
        do {
            let k = try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation)
            raw = rawRepresentation
            publicKeyBytes = Array(k.publicKey.rawRepresentation)
        } catch {
            throw AuditError(.badKey, "not a 32-byte Ed25519 private key")
        }
    }

    /// The public key for auditors.
    public var publicKey: GatewayPublicKey { GatewayPublicKey(unchecked: publicKeyBytes) }

    func sign(_ message: [UInt8]) throws(AuditError) -> [UInt8] {
        do { return Array(try key.signature(for: message)) } catch {
            throw AuditError(.badKey, "could not sign a checkpoint: \(error)")
        }
    }

    /// Loads the key at `path`, creating it (mode 0600, with `PATH.pub`) if the file does not exist.
    ///
    /// Only first-time setup may create a key (`escort demo`, `escort serve` on a store whose log
    /// is empty): everything else uses ``load(path:)``, so a mistyped path is an error rather
    /// than a new key whose checkpoints no auditor's pinned key accepts.
    public static func loadOrCreate(path: String) throws(AuditError) -> GatewaySigningKey {
        if FileManager.default.fileExists(atPath: path) {
            let key = try load(path: path)
            if !FileManager.default.fileExists(atPath: path + ".pub") {
                try? (key.publicKey.base64 + "\n").write(toFile: path + ".pub", atomically: true, encoding: .utf8)
            }
            return key
        }
        var key = GatewaySigningKey()
        key.keptCheckpoint = SignerCheckpointFile(keyPath: path)
        let text = Data(key.raw).base64EncodedString() + "\n"
        // Write a temporary file, sync it, then link it into place: a crash never leaves a
        // half-written key, and a key created meanwhile by another process is never replaced.
        let temporary = "\(path).tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw AuditError(.badKey, "cannot create key file \(path): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        defer { unlink(temporary) }
        guard written == bytes.count, synced == 0 else {
            throw AuditError(.badKey, "cannot write key file \(path)")
        }
        if link(temporary, path) != 0 {
            if errno == EEXIST { return try load(path: path) }
            throw AuditError(.badKey, "cannot create key file \(path): \(String(cString: strerror(errno)))")
        }
        let pub = key.publicKey.base64 + "\n"
        try? pub.write(toFile: path + ".pub", atomically: true, encoding: .utf8)
        return key
    }

    /// Loads the key at `path`.
    public static func load(path: String) throws(AuditError) -> GatewaySigningKey {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AuditError(.badKey, "there is no signing key at \(path): give the gateway's key (--signing-key PATH); only first-time setup (`escort demo`, `escort serve` on an empty log) creates one")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditError(.badKey, "cannot read key file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: text), raw.count == 32 else {
            throw AuditError(.badKey, "key file \(path) does not hold a base64 32-byte Ed25519 private key")
        }
        var key = try GatewaySigningKey(rawRepresentation: Array(raw))
        key.keptCheckpoint = SignerCheckpointFile(keyPath: path)
        return key
    }
}

/// A gateway's Ed25519 public key, as an auditor pins it.
///
/// Accepted text: 64 hex digits or base64 of the raw 32 bytes (as in `gateway.key.pub`).
public struct GatewayPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The raw 32 bytes.
    public let bytes: [UInt8]

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Parses hex or base64; throws ``AuditError`` (`.badKey`) otherwise.
    public init(parsing text: String) throws(AuditError) {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.count == 64, let b = Hex.decode(t) {
            bytes = b
        } else if let d = Data(base64Encoded: t), d.count == 32 {
            bytes = Array(d)
        } else {
            throw AuditError(.badKey, "a public key is 64 hex digits or the base64 of 32 bytes")
        }
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil else {
            throw AuditError(.badKey, "not an Ed25519 public key")
        }
    }

    public var base64: String { Data(bytes).base64EncodedString() }
    public var hex: String { Hex.encode(bytes) }
    public var description: String { base64 }
}
