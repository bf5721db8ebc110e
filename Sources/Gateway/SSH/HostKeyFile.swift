import Crypto
import EscortCore
import Foundation
import NIOSSH

/// The gateway's persistent SSH host key (Ed25519): created once, mode 0600, so clients can pin it.
public enum HostKeyFile {
    /// Loads the key at `path`, creating it if missing. The file holds the 32-byte seed as hex.
    public static func loadOrCreate(path: String) throws -> NIOSSHPrivateKey {
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let seed = Hex.decode(text), seed.count == 32,
                  let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            else {
                throw GatewayError(.badKey, "\(path) is not an Escort host key (expected 64 hex digits); move it away to make a new one")
            }
            return NIOSSHPrivateKey(ed25519Key: key)
        }
        let key = Curve25519.Signing.PrivateKey()
        let hex = Hex.encode(key.rawRepresentation)
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw GatewayError(.badKey, "could not write the host key to \(path)")
        }
        return NIOSSHPrivateKey(ed25519Key: key)
    }

    /// The public half of the host key at `path` as clients see it: the OpenSSH public-key line
    /// (`ssh-ed25519 AAAA…`, what goes in `known_hosts`) and its SHA-256 fingerprint, as
    /// `ssh-keygen -lf` and the client's first-connection prompt print it. Never creates a key.
    public static func publicKey(path: String) throws -> (openSSH: String, fingerprint: String) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw GatewayError(.badKey, "there is no host key at \(path) (the gateway makes it at its first start; give --host-key or the config's host_key)")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let seed = Hex.decode(text), seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw GatewayError(.badKey, "\(path) is not an Escort host key (expected 64 hex digits)")
        }
        return publicKey(raw: Array(key.publicKey.rawRepresentation))
    }

    /// The OpenSSH line and fingerprint of a raw Ed25519 public key.
    public static func publicKey(raw: [UInt8]) -> (openSSH: String, fingerprint: String) {
        func string(_ b: [UInt8]) -> [UInt8] {
            let n = UInt32(b.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + b
        }
        let blob = string(Array("ssh-ed25519".utf8)) + string(raw)
        var digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        while digest.hasSuffix("=") { digest.removeLast() }
        return ("ssh-ed25519 " + Data(blob).base64EncodedString(), "SHA256:" + digest)
    }
}
