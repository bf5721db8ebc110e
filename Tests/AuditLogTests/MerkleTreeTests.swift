@testable import AuditLog
import Testing

@Suite("Merkle tree (RFC 6962)")
struct MerkleTreeTests {
    static func leaves(_ n: Int) -> [AuditHash] { (0..<n).map { MerkleTree.leafHash(Array("leaf \($0)".utf8)) } }

    @Test func emptyTreeIsTheHashOfNothing() {
        #expect(MerkleTree.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleFrontier().root == MerkleTree.emptyRoot)
    }

    @Test func knownVector() {
        // RFC 6962 hashing of the single empty leaf: SHA-256(0x00).
        #expect(MerkleTree.leafHash([]).hex == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    }

    @Test func frontierMatchesRecursiveRoot() {
        let all = Self.leaves(70)
        var f = MerkleFrontier()
        for n in 1...70 {
            f.append(all[n - 1])
            #expect(f.root == MerkleTree.root(Array(all[0..<n])), "size \(n)")
        }
    }

    @Test func inclusionProofsVerifyAndRejectTampering() throws {
        for n in 1...33 {
            let l = Self.leaves(n)
            let root = MerkleTree.root(l)
            for i in 0..<n {
                let proof = try #require(MerkleTree.inclusionProof(index: i, leaves: l))
                #expect(MerkleTree.verifyInclusion(leaf: l[i], index: i, treeSize: n, proof: proof, root: root))
                let other = l[(i + 1) % n]
                if n > 1 {
                    #expect(!MerkleTree.verifyInclusion(leaf: other, index: i, treeSize: n, proof: proof, root: root))
                }
            }
        }
    }

    @Test func consistencyProofsVerifyAndRejectTampering() throws {
        for n in 1...33 {
            let l = Self.leaves(n)
            let newRoot = MerkleTree.root(l)
            for m in 1...n {
                let oldRoot = MerkleTree.root(Array(l[0..<m]))
                let proof = try #require(MerkleTree.consistencyProof(oldSize: m, leaves: l))
                #expect(MerkleTree.verifyConsistency(oldSize: m, oldRoot: oldRoot, newSize: n, newRoot: newRoot, proof: proof), "\(m) → \(n)")
                if m < n {
                    let wrong = MerkleTree.leafHash(Array("x".utf8))
                    #expect(!MerkleTree.verifyConsistency(oldSize: m, oldRoot: wrong, newSize: n, newRoot: newRoot, proof: proof))
                }
            }
        }
    }
}
