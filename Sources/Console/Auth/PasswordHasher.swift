import _CryptoExtras
import Crypto
import EscortCore
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
            throw ConsoleError(.weakPassword, "a console password needs at least \(minimumLength) characters")
        }
        var salt = [UInt8](repeating: 0, count: 16)
        var g = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: 0...255, using: &g) }
        let key = try derive(password, salt: salt, n: rounds, r: blockSize, p: parallelism)
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(Hex.encode(salt))$\(Hex.encode(key))"
    }

    /// Whether `password` matches `encoded` (constant-time comparison). False for a malformed hash.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              n >= 1 << 10, n <= 1 << 20, r >= 1, r <= 32, p >= 1, p <= 16,
              let salt = Hex.decode(parts[4]), let expected = Hex.decode(parts[5]), expected.count == 32,
              let key = try? derive(password, salt: salt, n: n, r: r, p: p)
        else { return false }
        return constantTimeEqual(key, expected)
    }

    /// Equality that takes the same time wherever the first difference is (for secrets).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }

    static func derive(_ password: String, salt: [UInt8], n: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }
}
