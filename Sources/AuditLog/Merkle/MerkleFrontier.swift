/// The right edge of a growing Merkle tree: the roots of its perfect subtrees, largest first.
///
/// Appending a leaf and computing the current root cost O(log n) memory and time, so the
/// log's writer and the streaming verifier never hold all leaf hashes.
public struct MerkleFrontier: Sendable, Hashable {
    /// (height, root) of each perfect subtree, left to right.
    private var nodes: [(height: Int, hash: AuditHash)] = []
    /// The number of leaves added.
    public private(set) var size: Int64 = 0

    public init() {}

    /// Adds the next leaf hash.
    public mutating func append(_ leaf: AuditHash) {
        var node = (height: 0, hash: leaf)
        while let last = nodes.last, last.height == node.height {
            nodes.removeLast()
            node = (height: node.height + 1, hash: MerkleTree.nodeHash(last.hash, node.hash))
        }
        nodes.append(node)
        size += 1
    }

    /// The root of the tree over every leaf added so far.
    public var root: AuditHash {
        guard var acc = nodes.last?.hash else { return MerkleTree.emptyRoot }
        for n in nodes.dropLast().reversed() { acc = MerkleTree.nodeHash(n.hash, acc) }
        return acc
    }

    public static func == (a: MerkleFrontier, b: MerkleFrontier) -> Bool {
        a.size == b.size && a.nodes.map(\.hash) == b.nodes.map(\.hash)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(size)
        for n in nodes { hasher.combine(n.hash) }
    }
}
