import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the optional
/// second factor for console sign-in, with base32 secrets as authenticator apps expect.
public enum TOTP {
    public static let step: TimeInterval = 30

    /// A new random 160-bit secret, base32.
    public static func newSecret() -> String {
        var g = SystemRandomNumberGenerator()
        return base32((0..<20).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    /// The code for `secret` at `time`.
    public static func code(secret: String, at time: Date) -> String? {
        guard let key = unbase32(secret) else { return nil }
        var counter = UInt64(max(0, time.timeIntervalSince1970) / step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let value = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let digits = String(value % 1_000_000)
        return String(repeating: "0", count: 6 - digits.count) + digits
    }

    /// Whether `code` is valid at `time`, allowing one step of clock drift either way.
    public static func verify(_ code: String, secret: String, at time: Date) -> Bool {
        let code = code.trimmingCharacters(in: .whitespaces)
        guard code.count == 6 else { return false }
        return [-1.0, 0, 1].contains { TOTP.code(secret: secret, at: time.addingTimeInterval($0 * step)) == code }
    }

    /// The `otpauth://` URI an authenticator app imports.
    public static func uri(secret: String, account: String) -> String {
        "otpauth://totp/Escort:\(account)?secret=\(secret)&issuer=Escort&algorithm=SHA1&digits=6&period=30"
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func base32(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer = 0
        var bits = 0
        for b in bytes {
            buffer = (buffer << 8) | Int(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func unbase32(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer = 0
        var bits = 0
        for c in s.uppercased().utf8 where c != UInt8(ascii: "=") && c != UInt8(ascii: " ") {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            buffer = (buffer << 5) | v
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return out.isEmpty ? nil : out
    }
}
