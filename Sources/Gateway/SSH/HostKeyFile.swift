import Crypto
import EscortCore
import Foundation
import NIOSSH

/// The gateway's SSH host key on disk.
///
/// Two formats are read: Escort's own (the 32-byte Ed25519 seed as 64 hex digits, what the
/// gateway writes when it makes a key) and an unencrypted OpenSSH private key holding an Ed25519
/// or ECDSA key (`ssh-keygen -t ed25519 -N '' -f host.key`), so one host identity can be made
/// with OpenSSH's tools and shared by every node of a cluster.
public enum HostKeyFile {
    /// Loads the key at `path`, creating it (Escort's format, mode 0600) if missing.
    public static func loadOrCreate(path: String) throws -> NIOSSHPrivateKey {
        if FileManager.default.fileExists(atPath: path) { return try load(path: path) }
        let key = Curve25519.Signing.PrivateKey()
        let hex = Hex.encode(key.rawRepresentation)
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw GatewayError(.badKey, "could not write the host key to \(path)")
        }
        return NIOSSHPrivateKey(ed25519Key: key)
    }

    /// Loads the existing key at `path`, in either format.
    public static func load(path: String) throws -> NIOSSHPrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GatewayError(.badKey, "cannot read the host key \(path) (it must be readable by the gateway's user)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") {
            return try OpenSSHPrivateKey.parse(text, name: path)
        }
        guard let seed = Hex.decode(text), seed.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw GatewayError(
                .badKey,
                "\(path) is not a host key the gateway reads: expected 64 hex digits (the Escort format the gateway writes) or an unencrypted OpenSSH Ed25519 or ECDSA private key (ssh-keygen -t ed25519 -N '' -f \(path)); move it away to have a new one made")
        }
        return NIOSSHPrivateKey(ed25519Key: key)
    }
}
