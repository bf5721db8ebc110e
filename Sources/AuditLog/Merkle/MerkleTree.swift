import Crypto

/// RFC 6962 (Certificate Transparency) Merkle tree hashing over the audit records.
///
/// Leaf hash `SHA-256(0x00 ‖ record bytes)`, node hash `SHA-256(0x01 ‖ left ‖ right)`;
/// the tree over `n` leaves splits at the largest power of two below `n`.
/// Everything here is pure: proofs are built from the list of leaf hashes.
public enum MerkleTree {
    /// The hash of the tree with no leaves: SHA-256 of the empty string.
    public static let emptyRoot = AuditHash(digest: SHA256.hash(data: [UInt8]()))

    /// The leaf hash of a record's canonical bytes. This is also the record's hash in the chain.
    public static func leafHash(_ data: [UInt8]) -> AuditHash {
        var h = SHA256()
        withUnsafeBytes(of: UInt8(0)) { h.update(bufferPointer: $0) }
        data.withUnsafeBytes { h.update(bufferPointer: $0) }
        return AuditHash(digest: h.finalize())
    }

    /// The hash of an interior node.
    public static func nodeHash(_ left: AuditHash, _ right: AuditHash) -> AuditHash {
        var h = SHA256()
        withUnsafeBytes(of: UInt8(1)) { h.update(bufferPointer: $0) }
        left.withUnsafeBytes { h.update(bufferPointer: $0) }
        right.withUnsafeBytes { h.update(bufferPointer: $0) }
        return AuditHash(digest: h.finalize())
    }

    /// The root over `leaves` (MTH in RFC 6962 §2.1).
    public static func root(_ leaves: ArraySlice<AuditHash>) -> AuditHash {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = largestPowerOfTwo(below: leaves.count)
            let mid = leaves.startIndex + k
            return nodeHash(root(leaves[leaves.startIndex..<mid]), root(leaves[mid...]))
        }
    }

    /// The root over `leaves`.
    public static func root(_ leaves: [AuditHash]) -> AuditHash { root(leaves[...]) }

    /// The largest power of two strictly less than `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}
