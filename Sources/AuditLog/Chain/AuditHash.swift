import Crypto
import EscortCore

/// A SHA-256 hash in the audit log: a record hash (Merkle leaf hash) or a tree node/root.
///
/// Stored inline (four words), so hashing a million records allocates nothing per hash.
public struct AuditHash: Sendable, Hashable, CustomStringConvertible {
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The hash that record 1 names as its predecessor: 32 zero bytes.
    public static let genesis = AuditHash(w0: 0, w1: 0, w2: 0, w3: 0)

    private init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Wraps exactly 32 bytes from a raw buffer.
    init(raw: UnsafeRawBufferPointer) {
        w0 = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        w2 = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        w3 = raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
    }

    init(digest: SHA256Digest) {
        self = digest.withUnsafeBytes { AuditHash(raw: $0) }
    }

    /// Wraps 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self = bytes.withUnsafeBytes { AuditHash(raw: $0) }
    }

    /// Parses 64 hex digits.
    public init?(hex: some StringProtocol) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        self.init(bytes: b)
    }

    /// Whether `bytes` are exactly this hash.
    public func matches(_ bytes: [UInt8]) -> Bool {
        AuditHash(bytes: bytes) == self
    }

    /// Calls `body` with the 32 bytes.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try Swift.withUnsafeBytes(of: &copy) { try body($0) }
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lower-case hex.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }
}

extension AuditHash {
    /// Parses 64 hex digits given as UTF-8 bytes, without allocating.
    init?(hexUTF8 digits: ArraySlice<UInt8>) {
        guard digits.count == 64 else { return nil }
        var raw = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let ok = Swift.withUnsafeMutableBytes(of: &raw) { out in
            digits.withUnsafeBufferPointer { d in
                for i in 0..<32 {
                    guard let h = Self.nibble(d[2 * i]), let l = Self.nibble(d[2 * i + 1]) else { return false }
                    out[i] = h << 4 | l
                }
                return true
            }
        }
        guard ok else { return nil }
        self = Swift.withUnsafeBytes(of: &raw) { AuditHash(raw: $0) }
    }

    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        default: nil  // canonical hex is lower-case
        }
    }
}
