@testable import AuditLog
import Foundation
import Store
import Testing

/// One way of tampering with a stored chain, and what the verifier must say.
struct Tampering: CustomTestStringConvertible, Sendable {
    var name: String
    var kind: AuditVerificationFailure.Kind
    var record: Int64
    var apply: @Sendable (inout AuditChain) throws -> Void
    var testDescription: String { name }
}

func flipByte(_ body: inout [UInt8], at offset: Int) { body[offset] ^= 0x01 }

func forged(seq: Int64, previous: AuditHash) throws -> StoredAuditRecord {
    let body = try AuditRecord.canonicalBody(
        AuditEvent(code: .commandApproved, session: "s-0", actor: "mallory", fields: ["forged": true]),
        sequence: seq, previous: previous)
    return StoredAuditRecord(sequence: seq, hash: MerkleTree.leafHash(body).bytes, body: body)
}

/// Tamperings on a 20-record chain with checkpoints at 5, 10, 15, 20 (records are at index seq-1).
let tamperings: [Tampering] = [
    Tampering(name: "flip a byte in a record", kind: .changed, record: 7) { c in
        flipByte(&c.records[6].body, at: 40)
    },
    Tampering(name: "flip a byte in the seq field", kind: .changed, record: 7) { c in
        let needle = Array("\"seq\":7".utf8)
        let body = c.records[6].body
        let start = try #require((0...(body.count - needle.count)).first { Array(body[$0..<($0 + needle.count)]) == needle })
        flipByte(&c.records[6].body, at: start + needle.count - 1)
    },
    Tampering(name: "change a record and its stored hash", kind: .changed, record: 7) { c in
        flipByte(&c.records[6].body, at: 40)
        c.records[6].hash = MerkleTree.leafHash(c.records[6].body).bytes
    },
    Tampering(name: "delete a record", kind: .missing, record: 7) { c in
        c.records.remove(at: 6)
    },
    Tampering(name: "delete two records", kind: .missing, record: 7) { c in
        c.records.removeSubrange(6...7)
    },
    Tampering(name: "swap two records", kind: .reordered, record: 7) { c in
        c.records.swapAt(6, 7)
    },
    Tampering(name: "insert a forged record chained to its predecessor", kind: .inserted, record: 8) { c in
        c.records.insert(try forged(seq: 8, previous: AuditHash(bytes: c.records[6].hash)!), at: 7)
    },
    Tampering(name: "insert a forged record with a made-up link", kind: .inserted, record: 8) { c in
        c.records.insert(try forged(seq: 8, previous: .genesis), at: 7)
    },
    Tampering(name: "truncate after a signed checkpoint", kind: .truncatedAfterCheckpoint, record: 19) { c in
        c.records.removeLast(2)
    },
    Tampering(name: "replace a checkpoint signature", kind: .badSignature, record: 10) { c in
        let i = try #require(c.checkpoints.firstIndex { $0.treeSize == 10 })
        c.checkpoints[i].signature = Array(repeating: 0xAB, count: 64)
    },
    Tampering(name: "re-sign a checkpoint with another key", kind: .badSignature, record: 15) { c in
        let i = try #require(c.checkpoints.firstIndex { $0.treeSize == 15 })
        let parsed = try SignedCheckpoint(stored: c.checkpoints[i])
        let other = try SignedCheckpoint.sign(treeSize: 15, root: parsed.root, time: Date(), key: GatewaySigningKey())
        c.checkpoints[i] = other.stored
    },
    Tampering(name: "edit a checkpoint body", kind: .badSignature, record: 5) { c in
        let i = try #require(c.checkpoints.firstIndex { $0.treeSize == 5 })
        let text = String(decoding: c.checkpoints[i].body, as: UTF8.self).replacingOccurrences(of: "2026", with: "2027")
        c.checkpoints[i].body = Array(text.utf8)
    },
    Tampering(name: "rewrite the tail after a checkpoint with fresh hashes", kind: .changed, record: 16) { c in
        // Rewrite record 18 and re-link 19 and 20 so the chain alone looks intact.
        var state = AuditChainState()
        for r in c.records[0..<17] { state.adopt(hash: AuditHash(bytes: r.hash)!) }
        for i in 17..<20 {
            let r = try state.append(AuditEvent(code: .commandFinished, session: "s-1", actor: "mallory", fields: ["i": .integer(Int64(i))]))
            c.records[i] = r
        }
    },
]

@Suite("Tamper detection on an in-memory chain")
struct TamperTests {
    @Test func intactChainVerifies() throws {
        let chain = try sampleChain(20)
        let verified = try AuditVerifier.verify(chain, pinnedKey: testKey.publicKey).get()
        #expect(verified.size == 20)
        #expect(verified.checkpoints.map(\.treeSize) == [5, 10, 15, 20])
        #expect(verified.unsignedRecords == 0)
        #expect(verified.keyWasPinned)
    }

    @Test(arguments: tamperings)
    func tamperingIsDetectedAndNamed(_ t: Tampering) throws {
        var chain = try sampleChain(20)
        try t.apply(&chain)
        let result = AuditVerifier.verify(chain, pinnedKey: testKey.publicKey)
        guard case .failure(let f) = result else {
            Issue.record("\(t.name) was not detected")
            return
        }
        #expect(f.kind == t.kind, "\(f)")
        #expect(f.record == t.record, "\(f)")
    }

    @Test func anUnsignedTailCanBeRewrittenByDesign() throws {
        // Records after the last checkpoint are protected only by the chain: the verifier
        // reports how many there are so an auditor knows.
        var chain = try sampleChain(22)
        var state = AuditChainState()
        for r in chain.records[0..<21] { state.adopt(hash: AuditHash(bytes: r.hash)!) }
        chain.records[21] = try state.append(AuditEvent(code: .commandFinished, actor: "mallory"))
        let verified = try AuditVerifier.verify(chain, pinnedKey: testKey.publicKey).get()
        #expect(verified.unsignedRecords == 2)
    }

    @Test func withoutAPinnedKeyAForeignKeyStillVerifiesButIsReported() throws {
        var chain = try sampleChain(10)
        let other = GatewaySigningKey()
        for i in chain.checkpoints.indices {
            let p = try SignedCheckpoint(stored: chain.checkpoints[i])
            chain.checkpoints[i] = try SignedCheckpoint.sign(treeSize: p.treeSize, root: p.root, time: Date(), key: other).stored
        }
        let verified = try AuditVerifier.verify(chain, pinnedKey: nil).get()
        #expect(!verified.keyWasPinned)
        #expect(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey).failure?.kind == .badSignature)
    }

    @Test func malformedCheckpointIsNamed() throws {
        var chain = try sampleChain(10)
        chain.checkpoints[0].body = Array("not json".utf8)
        let f = try #require(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey).failure)
        #expect(f.kind == .malformedCheckpoint)
        #expect(f.record == 5)
    }

    @Test func garbageRecordBodiesAreReportedNotCrashed() throws {
        var chain = try sampleChain(10)
        chain.records[3].body = []
        let f = AuditVerifier.verify(chain, pinnedKey: nil).failure
        #expect(f?.kind == .changed)
        #expect(f?.record == 4)
        chain.records[3].body = Array("[1,2,3]".utf8)
        #expect(AuditVerifier.verify(chain, pinnedKey: nil).failure?.record == 4)
        chain.records[3].hash = [1, 2, 3]
        #expect(AuditVerifier.verify(chain, pinnedKey: nil).failure?.record == 4)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}

