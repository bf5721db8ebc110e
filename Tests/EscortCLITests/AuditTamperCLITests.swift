import AuditLog
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// Someone who can write the store but has no signing key, against the real binary: every
/// signing command refuses a store that is not an extension of what it signed, and verification
/// with the pinned key fails; a witness sees a re-signed fork; proofs check offline.
@Suite("escort audit: rewrites, witnesses and proofs")
struct AuditTamperCLITests {
    /// Three people added by the CLI: records 1–3, each command signing a checkpoint.
    func threeChanges() async throws -> RegistryCLI {
        let cli = RegistryCLI()
        for name in ["alice", "bob", "carol"] {
            let r = try await cli.addPerson(name)
            #expect(r.status == 0, "\(r.stderr)")
        }
        return cli
    }

    func store(_ cli: RegistryCLI) throws -> SQLiteAuditStore { try SQLiteAuditStore(path: cli.dir.file("escort.sqlite"), create: false) }

    /// Deletes the checkpoints after the first and rewrites record 2's actor, relinking record 3.
    func rewrite(_ cli: RegistryCLI) async throws {
        let s = try store(cli)
        try await s.deleteAuditCheckpointsForTesting(above: 1)
        let records = try await s.auditRecords(from: 1, limit: 100)
        for r in try AuditForgery.rewrite(records, sequence: 2, member: "actor", to: "mallory") { try await s.replaceAuditRecordForTesting(r) }
    }

    @Test func everySigningCommandRefusesARewrittenStoreAndVerifyFails() async throws {
        let cli = try await threeChanges()
        try await rewrite(cli)
        let add = try await cli.addPerson("dave")
        #expect(add.status != 0)
        #expect(add.stderr.contains("AUDIT-011") && add.stderr.contains("no longer in the store"), "\(add.stderr)")
        let report = try await cli.run(["report", "controls", "--out", "controls.json"])
        #expect(report.status != 0)
        #expect(report.stderr.contains("AUDIT-011"), "\(report.stderr)")
        let ticket = try await cli.run(["ticket", "grant", "--person", "alice", "--target", "nowhere", "--hours", "1", "--reason", "x", "--by", "ada"])
        #expect(ticket.status != 0)
        #expect(try await store(cli).auditCheckpoints().map(\.treeSize) == [1], "a checkpoint was signed over the forgery")
        #expect(try await store(cli).auditRecordCount() == 3)
        // The signer's kept checkpoint (beside the key, next to the store) exposes the rewrite.
        let verify = try await cli.run(["audit", "verify", "--store", "escort.sqlite", "--key", "gateway.key.pub"])
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(verify.stderr.contains("FAILED at record 2: changed"), "\(verify.stderr)")
        // The gateway refuses to start on it.
        let serve = try await cli.run(["serve", "--store", "escort.sqlite", "--port", "0", "--host-key", "host.key",
                                       "--recordings", "recordings", "--local-home", "targets"])
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("AUDIT-011"), "\(serve.stderr)")
    }

    @Test func anExportWithoutItsCheckpointsFails() async throws {
        let cli = try await threeChanges()
        #expect(try await cli.run(["audit", "export", "-o", "log.jsonl"]).status == 0)
        let lines = try String(contentsOfFile: cli.dir.file("log.jsonl"), encoding: .utf8).split(separator: "\n")
        let stripped = lines.filter { !$0.hasPrefix("{\"checkpoint\":") }.joined(separator: "\n") + "\n"
        #expect(stripped.count < lines.joined(separator: "\n").count)
        try stripped.write(toFile: cli.dir.file("stripped.jsonl"), atomically: true, encoding: .utf8)
        let verify = try await cli.run(["audit", "verify", "--export", "stripped.jsonl", "--key", "gateway.key.pub"])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("unsigned"), "\(verify.stderr)")
        // Unpinned, it is only integrity, and says so.
        let unpinned = try await cli.run(["audit", "verify", "--export", "stripped.jsonl"])
        #expect(unpinned.status == 0 && unpinned.stdout.contains("WARNING"))
    }

    @Test func aWitnessCosignsExtensionsAndReportsAFork() async throws {
        let cli = RegistryCLI()
        #expect(try await cli.addPerson("alice").status == 0)
        let witness = ["audit", "witness", "--store", "escort.sqlite", "--key", "gateway.key.pub", "--witness-key", "w/witness.key",
                       "--state", "w/state", "--output", "w/cosignatures"]
        try FileManager.default.createDirectory(atPath: cli.dir.file("w"), withIntermediateDirectories: true)
        let first = try await cli.run(witness)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Cosigned the checkpoint at 1 records"), "\(first.stdout)")
        #expect(try await cli.addPerson("bob").status == 0)
        #expect(try await cli.addPerson("carol").status == 0)
        let second = try await cli.run(witness)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("at 3 records") && second.stdout.contains("consistent with the one held at 1"), "\(second.stdout)")
        let again = try await cli.run(witness)
        #expect(again.stdout.contains("Nothing new"), "\(again.stdout)")
        let verify = try await cli.run(["audit", "verify", "--key", "gateway.key.pub", "--witness", "w/cosignatures", "--witness-key", "w/witness.key.pub"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("holds the checkpoint at 3 records"), "\(verify.stdout)")
        let otherWitness = try await cli.run(["audit", "verify", "--key", "gateway.key.pub", "--witness", "w/cosignatures", "--witness-key", GatewaySigningKey().publicKey.hex])
        #expect(otherWitness.status == 1)

        // A signer without the extension check (or anyone with a copy of the key) re-signs a rewrite.
        try await rewrite(cli)
        let s = try store(cli)
        let forger = try await AuditLog.open(store: s, key: try AuditForgery.forgetfulCopy(ofKeyAt: cli.dir.file("gateway.key")))
        _ = try await forger.append(AuditEvent(code: .registryChanged, actor: "mallory", fields: ["action": "person.add"]))
        try await forger.close()
        // Moved away, so only the witness speaks.
        try FileManager.default.moveItem(atPath: cli.dir.file("gateway.key.checkpoint"), toPath: cli.dir.file("kept-elsewhere"))
        let unwitnessed = try await cli.run(["audit", "verify", "--key", "gateway.key.pub"])
        #expect(unwitnessed.status == 0, "the re-signed forgery verifies without a witness: \(unwitnessed.stderr)")
        let fork = try await cli.run(witness)
        #expect(fork.status == 1)
        #expect(fork.stderr.contains("FORK") && fork.stderr.contains("nothing cosigned"), "\(fork.stderr)")
        let witnessed = try await cli.run(["audit", "verify", "--key", "gateway.key.pub", "--witness", "w/cosignatures"])
        #expect(witnessed.status == 1)
        #expect(witnessed.stderr.contains("FAILED at record 2: changed") && witnessed.stderr.contains("witness"), "\(witnessed.stderr)")
    }

    @Test func consistencyAndInclusionProofsCheckOffline() async throws {
        let cli = try await threeChanges()
        let consistency = try await cli.run(["audit", "prove", "--consistency", "1", "3", "--key", "gateway.key.pub"])
        #expect(consistency.status == 0, "\(consistency.stderr)")
        try consistency.stdout.write(toFile: cli.dir.file("c.json"), atomically: true, encoding: .utf8)
        let checked = try await cli.run(["audit", "check-proof", "c.json", "--key", "gateway.key.pub"])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("OK: consistency proof holds"), "\(checked.stdout)")

        let inclusion = try await cli.run(["audit", "prove", "--record", "2", "--db", "escort.sqlite"])
        #expect(inclusion.status == 0, "\(inclusion.stderr)")
        #expect(inclusion.stdout.contains("\"record_bytes\""))
        try inclusion.stdout.write(toFile: cli.dir.file("i.json"), atomically: true, encoding: .utf8)
        let included = try await cli.run(["audit", "check-proof", "i.json", "--key", "gateway.key.pub"])
        #expect(included.status == 0, "\(included.stderr)")
        try inclusion.stdout.replacingOccurrences(of: "person.add", with: "person.del")
            .write(toFile: cli.dir.file("i2.json"), atomically: true, encoding: .utf8)
        let changed = try await cli.run(["audit", "check-proof", "i2.json", "--key", "gateway.key.pub"])
        #expect(changed.status == 1, "\(changed.stdout)")
        #expect(changed.stderr.contains("FAILED"))

        let both = try await cli.run(["audit", "verify", "--store", "escort.sqlite", "--db", "escort.sqlite"])
        #expect(both.status == 64)
        let noSuch = try await cli.run(["audit", "prove", "--consistency", "2", "4"])
        #expect(noSuch.status == 2)
        #expect(noSuch.stderr.contains("no signed checkpoint over 4 records"), "\(noSuch.stderr)")
    }
}
