import _CryptoExtras
import Crypto
import Foundation

/// Console passwords, stored as scrypt hashes (swift-crypto's `KDF.Scrypt`): salted, slow and
/// memory-hard. The encoded form carries its parameters: `scrypt$N$r$p$SALT$HASH` (hex).
public enum PasswordHasher {
    public static let rounds = 1 << 15
    public static let blockSize = 8
    public static let parallelism = 1

    /// The shortest password accepted.
    public static let minimumLength = 12

    public static func hash(_ password: String) throws -> String {
        guard password.count >= minimumLength else {
            throw ConsoleError("a console password needs at least \(minimumLength) characters")
        }
        var salt = [UInt8](repeating: 0, count: 16)
        var g = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: 0...255, using: &g) }
        let key = try derive(password, salt: salt, n: rounds, r: blockSize, p: parallelism)
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(hex(salt))$\(hex(key))"
    }

    /// Whether `password` matches `encoded` (constant-time comparison). False for a malformed hash.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              n >= 1 << 10, n <= 1 << 20, r >= 1, r <= 32, p >= 1, p <= 16,
              let salt = unhex(parts[4]), let expected = unhex(parts[5]), expected.count == 32,
              let key = try? derive(password, salt: salt, n: n, r: r, p: p)
        else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(key, expected) { diff |= a ^ b }
        return diff == 0
    }

    static func derive(_ password: String, salt: [UInt8], n: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func unhex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            guard let b = UInt8(String(decoding: u[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }
}
