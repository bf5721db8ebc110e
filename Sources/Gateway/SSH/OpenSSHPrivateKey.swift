import Crypto
import Foundation
import NIOSSH

/// Reads an unencrypted OpenSSH private-key file (`openssh-key-v1`) holding an Ed25519 or ECDSA
/// key: the key the gateway holds for a target. swift-nio-ssh does not read these files.
public enum OpenSSHPrivateKey {
    public static func load(path: String) throws -> NIOSSHPrivateKey {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw GatewayError(.badKey, "cannot read the target key \(path): \(error.localizedDescription)")
        }
        return try parse(text, name: path)
    }

    public static func parse(_ text: String, name: String = "key") throws -> NIOSSHPrivateKey {
        let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
        let end = "-----END OPENSSH PRIVATE KEY-----"
        guard let b = text.range(of: begin), let e = text.range(of: end) else {
            throw GatewayError(.badKey, "\(name) is not an OpenSSH private key (make one with ssh-keygen -t ed25519 -N '' -f \(name))")
        }
        let body = text[b.upperBound..<e.lowerBound].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)) else { throw GatewayError(.badKey, "\(name): damaged base64") }
        var r = Reader(bytes: [UInt8](data))
        let magic = Array("openssh-key-v1\0".utf8)
        guard r.take(magic.count) == magic else { throw GatewayError(.badKey, "\(name): not openssh-key-v1") }
        let cipher = try r.string(name)
        _ = try r.string(name) // kdf name
        _ = try r.string(name) // kdf options
        guard String(decoding: cipher, as: UTF8.self) == "none" else {
            throw GatewayError(.badKey, "\(name) is passphrase-protected; the gateway needs an unencrypted key readable only by itself (chmod 600)")
        }
        guard try r.uint32(name) == 1 else { throw GatewayError(.badKey, "\(name): expected exactly one key") }
        _ = try r.string(name) // public key
        var p = Reader(bytes: try r.string(name))
        guard try p.uint32(name) == p.uint32(name) else { throw GatewayError(.badKey, "\(name): check bytes differ (damaged or encrypted)") }
        let type = String(decoding: try p.string(name), as: UTF8.self)
        switch type {
        case "ssh-ed25519":
            _ = try p.string(name)
            let secret = try p.string(name)
            guard secret.count == 64 else { throw GatewayError(.badKey, "\(name): bad Ed25519 key length") }
            return NIOSSHPrivateKey(ed25519Key: try Curve25519.Signing.PrivateKey(rawRepresentation: secret[0..<32]))
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            _ = try p.string(name) // curve
            _ = try p.string(name) // public point
            var d = try p.string(name)
            while d.first == 0 { d.removeFirst() }
            func padded(_ n: Int) -> [UInt8] { [UInt8](repeating: 0, count: max(0, n - d.count)) + d }
            switch type {
            case "ecdsa-sha2-nistp256": return NIOSSHPrivateKey(p256Key: try P256.Signing.PrivateKey(rawRepresentation: padded(32)))
            case "ecdsa-sha2-nistp384": return NIOSSHPrivateKey(p384Key: try P384.Signing.PrivateKey(rawRepresentation: padded(48)))
            default: return NIOSSHPrivateKey(p521Key: try P521.Signing.PrivateKey(rawRepresentation: padded(66)))
            }
        default:
            throw GatewayError(.badKey, "\(name) holds a \(type) key; the gateway can use ed25519 or ECDSA keys (ssh-keygen -t ed25519)")
        }
    }

    struct Reader {
        var bytes: [UInt8]
        var at = 0

        mutating func take(_ n: Int) -> [UInt8]? {
            guard n >= 0, at + n <= bytes.count else { return nil }
            defer { at += n }
            return Array(bytes[at..<at + n])
        }

        mutating func uint32(_ name: String) throws -> UInt32 {
            guard let b = take(4) else { throw GatewayError(.badKey, "\(name): truncated") }
            return b.reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func string(_ name: String) throws -> [UInt8] {
            let n = Int(try uint32(name))
            guard let b = take(n) else { throw GatewayError(.badKey, "\(name): truncated") }
            return b
        }
    }
}
