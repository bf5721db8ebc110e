import Crypto
import EscortCore

/// SHA-256 for modules that must not import Crypto themselves (reports hash their bodies,
/// training hashes its scenario files).
public enum AuditDigest {
    /// The lower-case hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(Array(SHA256.hash(data: bytes)))
    }

    /// The raw 32-byte SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}
