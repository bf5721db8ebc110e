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
}
