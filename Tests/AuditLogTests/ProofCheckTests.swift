import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// Proofs as a third party gets them: the JSON `escort audit prove` prints, checked with nothing else.
@Suite("Offline proof checking")
struct ProofCheckTests {
    func signedStore(_ dir: TemporaryDirectory) async throws -> SQLiteAuditStore {
        let store = try freshStore(dir)
        var config = AuditLogConfiguration()
        config.checkpointEveryRecords = 4
        let log = try await AuditLog.open(store: store, key: testKey, configuration: config)
        for i in 0..<13 { _ = try await log.append(sampleEvent(i)) }
        try await log.close()
        return store
    }

    func bytes(_ json: JSONValue) -> [UInt8] { Array(json.encodedString().utf8) }

    @Test func anInclusionProofCarriesTheRecordAndChecksOffline() async throws {
        let store = try await signedStore(TemporaryDirectory())
        for seq in Int64(1)...13 {
            let proof = try await store.auditInclusionProof(sequence: seq)
            let stored = try #require(try await store.auditRecords(from: seq, limit: 1).first)
            #expect(proof.record == stored.body)
            let verdict = try ProofCheck.check(bytes(proof.json), pinnedKey: testKey.publicKey)
            #expect(verdict.kind == "inclusion" && verdict.keyWasPinned)
        }
    }

    @Test func anInclusionProofWithChangedRecordBytesFails() async throws {
        let store = try await signedStore(TemporaryDirectory())
        var json = try await store.auditInclusionProof(sequence: 6).json
        guard case .object(var o) = json, let text = o["record_bytes"]?.stringValue else { Issue.record("no record_bytes"); return }
        o["record_bytes"] = .string(text.replacingOccurrences(of: "alice", with: "mallo"))
        json = .object(o)
        #expect(throws: AuditError.self) { try ProofCheck.check(bytes(json), pinnedKey: testKey.publicKey) }
    }

    @Test func aProofSignedByAnotherKeyFailsWhenTheKeyIsPinned() async throws {
        let store = try await signedStore(TemporaryDirectory())
        let json = try await store.auditInclusionProof(sequence: 2).json
        #expect(throws: AuditError.self) { try ProofCheck.check(bytes(json), pinnedKey: GatewaySigningKey().publicKey) }
    }

    @Test func aConsistencyProofChecksOfflineAndATamperedPathFails() async throws {
        let store = try await signedStore(TemporaryDirectory())
        for (old, new) in [(Int64(4), Int64(8)), (4, 12), (8, 13), (12, 13), (4, 4)] {
            let proof = try await store.auditConsistencyProof(oldSize: old, newSize: new)
            let verdict = try ProofCheck.check(bytes(proof.json), pinnedKey: testKey.publicKey)
            #expect(verdict.kind == "consistency", "\(old)→\(new)")
        }
        let proof = try await store.auditConsistencyProof(oldSize: 4, newSize: 13)
        var tampered = proof
        tampered.path[0] = MerkleTree.leafHash([1, 2, 3])
        do throws(AuditError) {
            _ = try ProofCheck.check(bytes(tampered.json), pinnedKey: testKey.publicKey)
            Issue.record("a tampered consistency path was accepted")
        } catch {
            #expect(error.code == .verificationFailed)
        }
        await #expect(throws: AuditError.self) { try await store.auditConsistencyProof(oldSize: 5, newSize: 13) }
    }

    @Test func somethingThatIsNotAProofIsSaidSo() {
        do throws(AuditError) {
            _ = try ProofCheck.check(Array(#"{"type":"receipt"}"#.utf8), pinnedKey: nil)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .badExport)
        }
    }
}
