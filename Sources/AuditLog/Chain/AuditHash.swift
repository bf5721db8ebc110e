import Crypto
import EscortCore

/// A SHA-256 hash in the audit log: a record hash (Merkle leaf hash) or a tree node/root.
public struct AuditHash: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// The hash that record 1 names as its predecessor: 32 zero bytes.
    public static let genesis = AuditHash(unchecked: [UInt8](repeating: 0, count: 32))

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Wraps 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Parses 64 hex digits.
    public init?(hex: some StringProtocol) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        self.bytes = b
    }

    /// Lower-case hex.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    static func sha256(_ parts: [UInt8]...) -> AuditHash {
        var h = SHA256()
        for p in parts { h.update(data: p) }
        return AuditHash(unchecked: Array(h.finalize()))
    }
}
