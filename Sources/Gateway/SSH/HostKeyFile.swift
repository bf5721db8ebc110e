import Crypto
import Foundation
import NIOSSH

/// The gateway's persistent SSH host key (Ed25519): created once, mode 0600, so clients can pin it.
public enum HostKeyFile {
    /// Loads the key at `path`, creating it if missing. The file holds the 32-byte seed as hex.
    public static func loadOrCreate(path: String) throws -> NIOSSHPrivateKey {
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let seed = hexBytes(text), seed.count == 32,
                  let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            else {
                throw GatewayError(.badKey, "\(path) is not an Escort host key (expected 64 hex digits); move it away to make a new one")
            }
            return NIOSSHPrivateKey(ed25519Key: key)
        }
        let key = Curve25519.Signing.PrivateKey()
        let hex = key.rawRepresentation.map { String(format: "%02x", $0) }.joined()
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw GatewayError(.badKey, "could not write the host key to \(path)")
        }
        return NIOSSHPrivateKey(ed25519Key: key)
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var it = text.utf8.makeIterator()
        while let a = it.next() {
            guard let b = it.next(), let hi = nibble(a), let lo = nibble(b) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
