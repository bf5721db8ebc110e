@testable import AuditLog
import EscortCore
import Foundation
import Store
import Testing
import EscortTesting

/// One trust root for a cluster: checkpoints are accepted from exactly the node keys the root
/// certified in the log, for the time they signed; anything else is named.
@Suite("Trust root: certified node keys")
struct TrustRootTests {
    let root = try! GatewaySigningKey(rawRepresentation: Array(repeating: 1, count: 32))
    let nodeA = try! GatewaySigningKey(rawRepresentation: Array(repeating: 2, count: 32))
    let nodeB = try! GatewaySigningKey(rawRepresentation: Array(repeating: 3, count: 32))
    let rogue = try! GatewaySigningKey(rawRepresentation: Array(repeating: 4, count: 32))
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func at(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    func certify(_ key: GatewaySigningKey, _ name: String, from: Double = -1, to: Double = 100, by: GatewaySigningKey? = nil, issued: Double = 0) throws -> KeyCertification {
        try KeyCertification.sign(name: name, key: key.publicKey, notBefore: at(from), notAfter: at(to), root: by ?? root, issued: at(issued))
    }

    /// Nodes A and B certified; A signs at 5 and 15, B at 10 and 20 (checkpoint at hour n/5).
    /// `extra` adds records after the certifications.
    func cluster(signers: [Int64: GatewaySigningKey]? = nil, certifications: [KeyCertification]? = nil) throws -> AuditChain {
        var b = AuditChainBuilder(key: nodeA)
        for c in try certifications ?? [certify(nodeA, "nodeA"), certify(nodeB, "nodeB")] {
            try b.append(c.auditEvent(actor: "operator"))
        }
        let signers = signers ?? [5: nodeA, 10: nodeB, 15: nodeA, 20: nodeB]
        for i in b.state.size..<20 {
            try b.append(AuditEvent(code: .commandForwarded, actor: "alice", fields: ["n": .integer(Int64(i))]))
            let size = i + 1
            if let k = signers[size] { try b.checkpoint(time: at(Double(size) / 5), signedBy: k) }
        }
        return b.chain
    }

    var trust: AuditTrust { AuditTrust(roots: [root.publicKey]) }

    @Test func aClusterOfCertifiedNodesVerifiesWithOneRoot() throws {
        let chain = try cluster()
        let v = try AuditVerifier.verify(chain, pinnedKey: nil, trust: trust).get()
        #expect(v.keyWasPinned)
        #expect(v.checkpoints.count == 4)
        #expect(v.signers.map(\.name) == ["nodeA", "nodeB"])
        #expect(v.signers.map(\.checkpoints) == [2, 2])
        // With one node's key pinned, the other node's first checkpoint fails (the old situation).
        let pinned = try #require(AuditVerifier.verify(chain, pinnedKey: nodeA.publicKey).failure)
        #expect(pinned.kind == .badSignature && pinned.record == 10, "\(pinned)")
    }

    @Test func aCheckpointByAnUncertifiedKeyIsNamed() throws {
        let chain = try cluster(signers: [5: nodeA, 10: nodeB, 15: rogue, 20: nodeA])
        let f = try #require(AuditVerifier.verify(chain, pinnedKey: nil, trust: trust).failure)
        #expect(f.kind == .uncertifiedSigner && f.record == 15, "\(f)")
        #expect(f.message.contains("checkpoint at 15 records") && f.message.contains(rogue.publicKey.fingerprint), "\(f)")
        #expect(f.message.contains("no trusted root certified"), "\(f)")
        // Without a trust root the log is internally consistent (integrity only).
        #expect(AuditVerifier.verify(chain, pinnedKey: nil).failure == nil)
    }

    @Test func aCheckpointOutsideItsKeysWindowIsNamedWithTheNode() throws {
        // nodeB is certified only for hours 0–2: its checkpoint at 20 records (hour 4) is outside.
        let certs = [try certify(nodeA, "nodeA"), try certify(nodeB, "nodeB", from: 0, to: 2.5)]
        let f = try #require(AuditVerifier.verify(try cluster(certifications: certs), pinnedKey: nil, trust: trust).failure)
        #expect(f.kind == .uncertifiedSigner && f.record == 20, "\(f)")
        #expect(f.message.contains("nodeB's key \(nodeB.publicKey.fingerprint) outside the time"), "\(f)")
    }

    @Test func reCertifyingAKeyWithAnEarlierEndRetiresIt() throws {
        // nodeB re-certified (issued later) to end at hour 2.5: its checkpoint at hour 4 fails.
        let certs = [try certify(nodeA, "nodeA"), try certify(nodeB, "nodeB"), try certify(nodeB, "nodeB", to: 2.5, issued: 1)]
        let f = try #require(AuditVerifier.verify(try cluster(certifications: certs), pinnedKey: nil, trust: trust).failure)
        #expect(f.kind == .uncertifiedSigner && f.record == 20, "\(f)")
    }

    @Test func anotherRootsCertificationAuthorisesNothing() throws {
        let certs = [try certify(nodeA, "nodeA"), try certify(nodeB, "nodeB", by: rogue)]
        let f = try #require(AuditVerifier.verify(try cluster(certifications: certs), pinnedKey: nil, trust: trust).failure)
        #expect(f.kind == .uncertifiedSigner && f.record == 10, "\(f)")
        // Trusting both roots (a root being rotated) accepts it.
        #expect(AuditVerifier.verify(try cluster(certifications: certs), pinnedKey: nil, trust: AuditTrust(roots: [root.publicKey, rogue.publicKey])).failure == nil)
    }

    @Test func aForgedCertificationInTheRootsNameFails() throws {
        // Someone who can write the store but lacks the root key certifies the rogue key, naming
        // the trusted root: the signature is the rogue's own.
        var forged = try certify(rogue, "nodeC", by: rogue)
        let body = String(decoding: forged.body, as: UTF8.self).replacingOccurrences(of: rogue.publicKey.hex, with: root.publicKey.hex)
            .replacingOccurrences(of: "\"key\":\"\(root.publicKey.hex)\"", with: "\"key\":\"\(rogue.publicKey.hex)\"")
        forged = try KeyCertification(body: Array(body.utf8), signature: try rogue.sign(KeyCertification.signingPrefix + Array(body.utf8)))
        #expect(forged.root == root.publicKeyBytes && forged.key == rogue.publicKeyBytes)
        let chain = try cluster(signers: [5: nodeA, 10: rogue], certifications: [try certify(nodeA, "nodeA"), forged])
        let f = try #require(AuditVerifier.verify(chain, pinnedKey: nil, trust: trust).failure)
        #expect(f.kind == .badSignature && f.record == 2, "\(f)")
        #expect(f.message.contains("the root did not sign it"), "\(f)")
    }

    @Test func aCertificationFileRoundTripsAndChecksItsRoot() throws {
        let c = try certify(nodeA, "nodeA")
        let back = try KeyCertification(line: c.line + [0x0A])
        #expect(back == c && back.isValid(trusted: [root.publicKey]))
        #expect(!back.isValid(trusted: [rogue.publicKey]))
        #expect(throws: AuditError.self) { try KeyCertification.sign(name: "x", key: nodeA.publicKey, notBefore: at(2), notAfter: at(1), root: root) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")))
    func theFingerprintIsWhatSshKeygenPrints() async throws {
        let dir = TemporaryDirectory(prefix: "escort-fp")
        let made = try await ChildProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", dir.file("k")])
        #expect(made.status == 0, "\(made.stderr)")
        let pub = try String(contentsOfFile: dir.file("k.pub"), encoding: .utf8).split(separator: " ")
        let blob = try #require(Data(base64Encoded: String(pub[1])))
        let key = try GatewayPublicKey(parsing: Data(blob.suffix(32)).base64EncodedString())
        let listed = try await ChildProcess.run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", dir.file("k.pub")])
        #expect(listed.stdout.split(separator: " ").dropFirst().first.map(String.init) == key.fingerprint, "\(listed.stdout) vs \(key.fingerprint)")
    }
}
