/// Inclusion and consistency proofs (RFC 6962 §2.1.1–2.1.2; verification as in RFC 9162 §2.1.3–2.1.4).
extension MerkleTree {
    /// The audit path for leaf `index` (0-based) in the tree over `leaves`.
    public static func inclusionProof(index: Int, leaves: [AuditHash]) -> [AuditHash]? {
        guard index >= 0, index < leaves.count else { return nil }
        return path(index, leaves[...])
    }

    private static func path(_ m: Int, _ d: ArraySlice<AuditHash>) -> [AuditHash] {
        guard d.count > 1 else { return [] }
        let k = largestPowerOfTwo(below: d.count)
        let mid = d.startIndex + k
        if m < k {
            return path(m, d[d.startIndex..<mid]) + [root(d[mid...])]
        } else {
            return path(m - k, d[mid...]) + [root(d[d.startIndex..<mid])]
        }
    }

    /// Checks that `leaf` is leaf `index` of a tree of `treeSize` leaves with root `root`.
    public static func verifyInclusion(
        leaf: AuditHash, index: Int, treeSize: Int, proof: [AuditHash], root: AuditHash
    ) -> Bool {
        guard index >= 0, index < treeSize else { return false }
        var fn = index
        var sn = treeSize - 1
        var r = leaf
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// The proof that the tree over the first `oldSize` leaves is a prefix of the tree over `leaves`.
    public static func consistencyProof(oldSize: Int, leaves: [AuditHash]) -> [AuditHash]? {
        guard oldSize >= 0, oldSize <= leaves.count else { return nil }
        if oldSize == 0 || oldSize == leaves.count { return [] }
        return subproof(oldSize, leaves[...], true)
    }

    private static func subproof(_ m: Int, _ d: ArraySlice<AuditHash>, _ b: Bool) -> [AuditHash] {
        let n = d.count
        if m == n { return b ? [] : [root(d)] }
        let k = largestPowerOfTwo(below: n)
        let mid = d.startIndex + k
        if m <= k {
            return subproof(m, d[d.startIndex..<mid], b) + [root(d[mid...])]
        } else {
            return subproof(m - k, d[mid...], false) + [root(d[d.startIndex..<mid])]
        }
    }

    /// Checks a consistency proof between a tree of `oldSize` with `oldRoot` and one of `newSize` with `newRoot`.
    public static func verifyConsistency(
        oldSize: Int, oldRoot: AuditHash, newSize: Int, newRoot: AuditHash, proof: [AuditHash]
    ) -> Bool {
        guard oldSize >= 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty }
        var path = proof[...]
        if oldSize & (oldSize - 1) == 0 { path = [oldRoot] + path }  // a power of two: old root is a node
        guard var fn = Optional(oldSize - 1), !path.isEmpty else { return false }
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[path.startIndex]
        var sr = fr
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == newRoot
    }
}
