@testable import AuditLog
import Foundation
import Store
import Testing

/// With a pinned key, what the log lacks is a failure too: checkpoints removed, a tail longer
/// than a gateway leaves, a checkpoint held outside the log that it no longer has.
@Suite("Verification requirements with a pinned key")
struct VerificationRequirementTests {
    @Test func anExportWithoutCheckpointsFails() throws {
        var chain = try sampleChain(20)
        chain.checkpoints = []
        let f = try #require(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey).failure)
        #expect(f.kind == .unsigned && f.record == 1, "\(f)")
        // Without a key nothing is demanded (integrity only, and the output says so).
        #expect(AuditVerifier.verify(chain, pinnedKey: nil).failure == nil)
    }

    @Test func anExportWithoutCheckpointsAndARelinkedRewriteFails() throws {
        var chain = try sampleChain(20)
        chain.checkpoints = []
        var state = AuditChainState()
        for r in chain.records[0..<9] { state.adopt(hash: AuditHash(bytes: r.hash)!) }
        for i in 9..<20 {
            chain.records[i] = try state.append(AuditEvent(code: .commandApproved, actor: i == 9 ? "mallory" : "bob"))
        }
        let f = try #require(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey).failure)
        #expect(f.kind == .unsigned, "\(f)")
    }

    @Test func aTailBeyondTheBoundFails() throws {
        let chain = try sampleChain(23, checkpointEvery: 10)
        let bounded = AuditRequirements(maximumUnsigned: 2)
        let f = try #require(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey, requirements: bounded).failure)
        #expect(f.kind == .unsigned && f.record == 21, "\(f)")
        #expect(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey, requirements: AuditRequirements(maximumUnsigned: 3)).failure == nil)
        #expect(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey).failure == nil, "the default bound is 1000")
    }

    @Test func aHeldCheckpointTheLogNoLongerHasFails() throws {
        var chain = try sampleChain(20)
        let held = try SignedCheckpoint(stored: chain.checkpoints[3])
        chain.checkpoints.removeLast()
        let required = AuditRequirements(vouched: [.init(held, holder: "the witness")])
        let f = try #require(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey, requirements: required).failure)
        #expect(f.kind == .checkpointMissing && f.record == 20, "\(f)")
        #expect(f.message.contains("the witness"))
    }

    @Test func aHeldCheckpointTheLogDoesNotExtendFailsAfterTheLastGoodCheckpoint() throws {
        // The forger re-signs a rewritten log with the key; a checkpoint held elsewhere exposes it.
        let genuine = try sampleChain(20)
        let held = try SignedCheckpoint(stored: genuine.checkpoints[3])
        var b = AuditChainBuilder(key: testKey)
        for i in 0..<20 {
            var e = sampleEvent(i)
            if i == 12 { e.actor = "mallory" }
            try b.append(e)
            if (i + 1) % 5 == 0 { try b.checkpoint(time: Date(timeIntervalSince1970: 1_790_000_000)) }
        }
        let required = AuditRequirements(vouched: [.init(held, holder: "witness 1")])
        #expect(AuditVerifier.verify(b.chain, pinnedKey: testKey.publicKey).failure == nil, "the re-signed forgery is consistent on its own")
        let f = try #require(AuditVerifier.verify(b.chain, pinnedKey: testKey.publicKey, requirements: required).failure)
        // Records 11–15 were re-signed at 15, so the first record named is the one after it.
        #expect(f.kind == .changed && f.record == 16, "\(f)")
    }

    @Test func aHeldCheckpointBeyondTheLogIsATruncation() throws {
        var chain = try sampleChain(20)
        let held = try SignedCheckpoint(stored: chain.checkpoints[3])
        chain.records.removeLast(5)
        chain.checkpoints.removeLast()
        let f = try #require(AuditVerifier.verify(chain, pinnedKey: testKey.publicKey, requirements: AuditRequirements(vouched: [.init(held, holder: "the signer")])).failure)
        #expect(f.kind == .truncatedAfterCheckpoint && f.record == 16, "\(f)")
    }
}
