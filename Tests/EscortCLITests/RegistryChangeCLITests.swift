import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

extension RegistryCLI {
    /// The `registry.changed` records' fields and actors, in order.
    func changes() async throws -> [(actor: String, fields: [String: JSONValue])] {
        try await auditEvents().compactMap { body in
            let o = try JSONParser.parse(Array(body.utf8)).objectValue ?? [:]
            guard o["code"]?.stringValue == AuditEventCode.registryChanged.code else { return nil }
            return (o["actor"]?.stringValue ?? "", o["fields"]?.objectValue ?? [:])
        }
    }

    func store() throws -> SQLiteStore { try SQLiteStore(path: dir.file("escort.sqlite"), create: false) }

    func json(_ args: [String]) async throws -> [[String: Any]] {
        let r = try await run(args + ["--format", "json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], "\(r.stdout) \(r.stderr)")
    }
}

@Suite("escort person and target changes")
struct RegistryChangeCLITests {
    static let secondKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBEREREREREREREREREREREREREREREREREREREREREQ alice@desktop"

    @Test func aPersonIsUpdatedGivenKeysRevokedDisabledAndRemovedEachAuditedWithWhoAndWhy() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("root", roles: ["admin"]).status == 0)
        await #expect(try cli.addPerson("alice", roles: ["engineer", "escort"], extra: ["--key", RegistryCLI.aliceKey]).status == 0)

        let update = try await cli.run(["person", "update", "alice", "--location", "GB", "--clearance", "top-secret", "--by", "root", "--reason", "moved to London"])
        #expect(update.status == 0, "\(update.stderr)")
        #expect(try await cli.store().person(named: "alice")?.location == CountryCode("GB"))
        await #expect(try cli.run(["person", "update", "alice", "--by", "root"]).stderr.contains("nothing to change"))
        await #expect(try cli.run(["person", "update", "alice", "--location", "US", "--by", "nobody"]).stderr.contains("no person named nobody"))

        await #expect(try cli.run(["person", "add-key", "alice", "--key", Self.secondKey, "--by", "root"]).status == 0)
        let stolen = try SSHPublicKey.parse(authorizedKeysLine: RegistryCLI.aliceKey)
        let noReason = try await cli.run(["person", "revoke-key", "alice", "--fingerprint", stolen.fingerprint, "--by", "root"])
        #expect(noReason.status == 2 && noReason.stderr.contains("needs --reason"), "\(noReason.stderr)")
        let revoke = try await cli.run(["person", "revoke-key", "alice", "--fingerprint", stolen.fingerprint, "--by", "root", "--reason", "laptop stolen"])
        #expect(revoke.status == 0, "\(revoke.stderr)")
        #expect(try await cli.store().person(withKey: stolen.blob) == nil, "a revoked key still authenticates")
        let readd = try await cli.run(["person", "add-key", "alice", "--key", RegistryCLI.aliceKey, "--by", "root"])
        #expect(readd.status == 2 && readd.stderr.contains("was revoked for alice"), "\(readd.stderr)")

        await #expect(try cli.run(["person", "disable", "alice", "--by", "root"]).stderr.contains("needs --reason"))
        await #expect(try cli.run(["person", "disable", "alice", "--by", "root", "--reason", "security review"]).status == 0)
        await #expect(try cli.run(["person", "list"]).stdout.contains("disabled"))
        await #expect(try cli.run(["person", "enable", "alice", "--by", "root", "--reason", "review passed"]).status == 0)
        await #expect(try cli.run(["person", "remove", "alice", "--by", "root", "--reason", "left the company"]).status == 0)
        let removed = try #require(try await cli.store().person(named: "alice"))
        #expect(removed.removed?.by == "root" && removed.removed?.reason == "left the company")
        #expect(removed.keys.isEmpty && removed.revokedKeys.count == 2)
        await #expect(!(try cli.run(["person", "list"]).stdout.contains("alice")), "removed people are hidden by default")
        await #expect(try cli.run(["person", "list", "--all"]).stdout.contains("removed"))
        await #expect(try cli.run(["person", "update", "alice", "--location", "US", "--by", "root"]).stderr.contains("history only"))
        await #expect(try cli.addPerson("alice").stderr.contains("was removed"))

        let changes = try await cli.changes().dropFirst(2)
        #expect(changes.map { $0.fields["action"]?.stringValue ?? "" } == [
            "person.update", "person.add_key", "person.revoke_key", "person.disable", "person.enable", "person.remove",
        ])
        #expect(changes.allSatisfy { $0.actor == "root" })
        #expect(changes.first?.fields["reason"]?.stringValue == "moved to London")
        #expect(changes.first?.fields["changed"]?.arrayValue?.compactMap(\.stringValue) == ["clearance", "location"])
        let revoked = try #require(changes.first { $0.fields["action"]?.stringValue == "person.revoke_key" })
        #expect(revoked.fields["key_revoked"]?.stringValue == stolen.fingerprint && revoked.fields["reason"]?.stringValue == "laptop stolen")
        #expect(!(try await cli.auditEvents().joined().contains("AAAAC3NzaC1lZDI1NTE5AAAAIAVm")), "the log carries fingerprints, not keys")
        await #expect(try cli.run(["audit", "verify", "--key", cli.dir.file("gateway.key.pub")]).status == 0)
    }

    @Test func listJSONCarriesEverythingToRecreateAnEntry() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("alice", extra: ["--key", RegistryCLI.aliceKey, "--training-expires", "2027-06-30"]).status == 0)
        let people = try await cli.json(["person", "list"])
        let keys = try #require(people.first?["keys"] as? [[String: Any]])
        #expect(keys.first?["public_key"] as? String == RegistryCLI.aliceKey)
        #expect(keys.first?["fingerprint"] as? String == "SHA256:zM0km2AF7/OBoppfQFSU8gfGneTV9Jixebq//OxCLXQ")
        #expect(people.first?["location"] as? String == "US" && people.first?["clearance"] as? String == "secret")

        await #expect(try cli.run(["target", "add", "--name", "app", "--impact-level", "IL2", "--owner", "ops", "--local",
                                   "--service", "app", "--service", "worker", "--app-dir", "/opt/app", "--database", "orders",
                                   "--network", "10.20.0.0/16"]).status == 0)
        let targets = try await cli.json(["target", "list"])
        #expect(targets.first?["services"] as? [String] == ["app", "worker"])
        #expect(targets.first?["app_directories"] as? [String] == ["/opt/app"])
        #expect(targets.first?["databases"] as? [String] == ["orders"] && targets.first?["networks"] as? [String] == ["10.20.0.0/16"])
        await #expect(try cli.run(["target", "list"]).stdout.contains("services app,worker; app dirs /opt/app; databases orders; networks 10.20.0.0/16"))
        await #expect(try cli.run(["target", "add", "--name", "bad", "--impact-level", "IL2", "--owner", "ops", "--local", "--network", "10.0.0.0/40"])
            .stderr.contains("not a CIDR block"))
        await #expect(try cli.run(["target", "add", "--name", "bad", "--impact-level", "IL2", "--owner", "ops", "--local", "--app-dir", "opt/app"])
            .stderr.contains("not an absolute path"))
    }

    @Test func aTargetIsUpdatedRepinnedDisabledAndRemoved() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("root", roles: ["admin"]).status == 0)
        let keyPath = cli.dir.file("db1-key")
        try "(private)\n".write(toFile: keyPath, atomically: true, encoding: .utf8)
        let add = try await cli.run(["target", "add", "--name", "db1", "--impact-level", "IL4", "--owner", "ops", "--ssh-host", "db1.example",
                                     "--ssh-user", "deploy", "--ssh-key", keyPath, "--ssh-host-key", RegistryStoreConformance.db1HostKey])
        #expect(add.status == 0, "\(add.stderr)")
        let missing = try await cli.run(["target", "update", "db1", "--ssh-key", cli.dir.file("no-such-key"), "--by", "root"])
        #expect(missing.status == 2 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        await #expect(try cli.run(["target", "update", "db1", "--impact-level", "IL5", "--service", "postgresql", "--database", "orders", "--by", "root"]).status == 0)
        let db1 = try #require(try await cli.store().target(named: "db1"))
        #expect(db1.impactLevel == .il5 && db1.workload.services == ["postgresql"] && db1.workload.databases == ["orders"])
        await #expect(try cli.run(["target", "update", "db1", "--clear-workload", "--by", "root"]).status == 0)
        #expect(try await cli.store().target(named: "db1")?.workload.isEmpty == true)

        let rotated = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBEREREREREREREREREREREREREREREREREREREREREQ root@db1"
        await #expect(try cli.run(["target", "repin", "db1", "--ssh-host-key", rotated, "--by", "root"]).stderr.contains("needs --reason"))
        let repin = try await cli.run(["target", "repin", "db1", "--ssh-host-key", rotated, "--by", "root", "--reason", "host key rotated, CHG-9"])
        #expect(repin.status == 0, "\(repin.stderr)")
        #expect(try await cli.store().target(named: "db1")?.sshHostKey == rotated)
        await #expect(try cli.run(["target", "disable", "db1", "--by", "root", "--reason", "maintenance"]).status == 0)
        await #expect(try cli.run(["target", "list"]).stdout.contains("disabled"))
        await #expect(try cli.run(["target", "remove", "db1", "--by", "root", "--reason", "decommissioned"]).status == 0)
        #expect(try await cli.store().target(named: "db1")?.removed?.reason == "decommissioned")
        await #expect(try cli.run(["target", "list"]).stdout.contains("No targets registered."))
        let actions = try await cli.changes().map { $0.fields["action"]?.stringValue ?? "" }
        #expect(actions.suffix(5) == ["target.update", "target.update", "target.repin", "target.disable", "target.remove"])
        let repinned = try #require(try await cli.changes().first { $0.fields["action"]?.stringValue == "target.repin" })
        #expect(repinned.fields["new_host_key"]?.stringValue == (try SSHPublicKey.parse(authorizedKeysLine: rotated)).fingerprint)
    }

    @Test func aTicketIsExtendedButNotIntoAnother() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("root", roles: ["admin"]).status == 0)
        await #expect(try cli.addPerson("alice").status == 0)
        await #expect(try cli.run(["target", "add", "--name", "web", "--impact-level", "IL2", "--owner", "ops", "--local"]).status == 0)
        let first = try await cli.run(["ticket", "grant", "--person", "alice", "--target", "web", "--from", "2030-01-01T08:00:00Z",
                                       "--until", "2030-01-01T12:00:00Z", "--reason", "CHG-1", "--by", "root"])
        let id = try #require(first.stdout.split(separator: " ").dropFirst().first.map { String($0.dropLast()) }, "\(first.stderr)")
        let second = try await cli.run(["ticket", "grant", "--person", "alice", "--target", "web", "--from", "2030-01-01T14:00:00Z",
                                        "--hours", "2", "--reason", "CHG-2", "--by", "root"])
        #expect(second.status == 0, "\(second.stderr)")
        let extend = try await cli.run(["ticket", "extend", id, "--hours", "1", "--by", "root", "--reason", "the change overran"])
        #expect(extend.status == 0, "\(extend.stderr)")
        #expect(extend.stdout.contains("now ends 2030-01-01T13:00:00Z (was 2030-01-01T12:00:00Z)"))
        let into = try await cli.run(["ticket", "extend", id, "--until", "2030-01-01T15:00:00Z", "--by", "root"])
        #expect(into.status == 2 && into.stderr.contains("overlaps"), "\(into.stderr)")
        let tickets = try await cli.json(["ticket", "list"])
        #expect(tickets.first?["valid_until"] as? String == "2030-01-01T13:00:00Z")
        let last = try #require(try await cli.changes().last)
        #expect(last.fields["action"]?.stringValue == "ticket.extend" && last.actor == "root")
        #expect(last.fields["previous_valid_until"]?.stringValue == "2030-01-01T12:00:00Z")
    }
}

@Suite("registry input that cannot be right")
struct RegistryRefusalCLITests {
    @Test func aMissingKeyFileIsRefusedByName() async throws {
        let cli = RegistryCLI()
        let r = try await cli.addPerson("alice", extra: ["--key-file", "no-such.pub"])
        #expect(r.status == 2 && r.stderr.contains("REG-003") && r.stderr.contains("the key file no-such.pub does not exist"), "\(r.stderr)")
        let t = try await cli.run(["target", "add", "--name", "db1", "--impact-level", "IL4", "--owner", "ops", "--ssh-host", "db1.example",
                                   "--ssh-user", "deploy", "--ssh-key", "/nonexistent/db1", "--ssh-host-key", RegistryStoreConformance.db1HostKey])
        #expect(t.status == 2 && t.stderr.contains("--ssh-key /nonexistent/db1 does not exist"), "\(t.stderr)")
        await #expect(try cli.run(["target", "list"]).stdout.contains("No targets registered."))
    }

    @Test func ticketsThatCannotBeRightAreRefusedWithTheReason() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("root", roles: ["admin"]).status == 0)
        await #expect(try cli.addPerson("ed", roles: ["engineer"]).status == 0)
        await #expect(try cli.addPerson("alice").status == 0)
        await #expect(try cli.addPerson("li", citizenship: ["CN"], location: "US").status == 0)
        await #expect(try cli.addPerson("wei", citizenship: ["US"], location: "CN").status == 0)
        await #expect(try cli.run(["target", "add", "--name", "db5", "--impact-level", "IL5", "--owner", "ops", "--local"]).status == 0)
        func grant(_ person: String, by: String = "root", from: String? = nil, until: String? = nil) async throws -> ProcessResult {
            var args = ["ticket", "grant", "--person", person, "--target", "db5", "--reason", "CHG-1", "--by", by]
            if let from { args += ["--from", from] }
            args += until.map { ["--until", $0] } ?? ["--hours", "2"]
            return try await cli.run(args)
        }
        let unknown = try await grant("alice", by: "mallory")
        #expect(unknown.status == 2 && unknown.stderr.contains("--by mallory: no person named mallory"), "\(unknown.stderr)")
        let notAdmin = try await grant("alice", by: "ed")
        #expect(notAdmin.status == 2 && notAdmin.stderr.contains("does not have the admin role"), "\(notAdmin.stderr)")
        let over = try await grant("alice", from: "2020-01-01T08:00:00Z", until: "2020-01-01T10:00:00Z")
        #expect(over.status == 2 && over.stderr.contains("already over"), "\(over.stderr)")
        let national = try await grant("li")
        #expect(national.status == 2, "a CN national's ticket on IL5 was granted: \(national.stdout)")
        #expect(national.stderr.contains("the policy refuses li on db5 (IL5) even with this ticket"), "\(national.stderr)")
        #expect(national.stderr.contains("li is a citizen of CN, a country of concern: refused for IL5"), "\(national.stderr)")
        await #expect(try cli.run(["ticket", "list"]).stdout.contains("No tickets."))
        // A US citizen who is in CN today: refused only on where she is, so the ticket is granted
        // ahead of her return, with the policy's reasons as a warning (and nothing she can use
        // while she is there: the gateway decides again at connect).
        let located = try await grant("wei")
        #expect(located.status == 0, "\(located.stderr)")
        #expect(located.stderr.contains("warning: the policy refuses wei on db5 where they are now")
                && located.stderr.contains("located in CN, a country of concern"), "\(located.stderr)")
        let list = try await cli.run(["ticket", "list"]).stdout
        #expect(list.contains("wei"), "\(list)")
        let ok = try await grant("alice")
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func aConsolePasswordNeedsAConsoleRole() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("ed", roles: ["engineer"]).status == 0)
        let path = try #require(cli.escort)
        let r = try await ChildProcess.run(path, ["person", "password", "ed", "--password-stdin"], currentDirectory: cli.dir.path,
                                           input: Data("a long enough password\n".utf8))
        #expect(r.status == 2 && r.stderr.contains("ed has no web-console role"), "\(r.stderr)")
        #expect(try await cli.store().credential(for: "ed") == nil)
    }
}

@Suite("escort registry export and import")
struct RegistryExportCLITests {
    @Test func aRegistryMovesFromSQLiteToPostgreSQLAndReadsBackEqual() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("root", roles: ["admin"], extra: ["--key", RegistryChangeCLITests.secondKey]).status == 0)
        await #expect(try cli.addPerson("alice", roles: ["engineer", "escort"], extra: ["--key", RegistryCLI.aliceKey, "--training-expires", "2027-06-30"]).status == 0)
        await #expect(try cli.addPerson("gone").status == 0)
        await #expect(try cli.run(["person", "remove", "gone", "--by", "root", "--reason", "left"]).status == 0)
        await #expect(try cli.run(["target", "add", "--name", "app", "--impact-level", "IL2", "--owner", "ops", "--local", "--service", "app",
                                   "--app-dir", "/opt/app"]).status == 0)
        let keyPath = cli.dir.file("db1-key")
        try "(private)\n".write(toFile: keyPath, atomically: true, encoding: .utf8)
        await #expect(try cli.run(["target", "add", "--name", "db1", "--impact-level", "IL4", "--owner", "ops", "--ssh-host", "db1.example",
                                   "--ssh-port", "2222", "--ssh-user", "deploy", "--ssh-key", keyPath, "--ssh-host-key", RegistryStoreConformance.db1HostKey]).status == 0)
        await #expect(try cli.run(["ticket", "grant", "--person", "alice", "--target", "app", "--hours", "8", "--reason", "CHG-1", "--by", "root"]).status == 0)
        let path = try #require(cli.escort)
        let pw = try await ChildProcess.run(path, ["person", "password", "alice", "--password-stdin", "--totp"], currentDirectory: cli.dir.path,
                                            input: Data("a long enough password\n".utf8))
        #expect(pw.status == 0, "\(pw.stderr)")

        let export = try await cli.run(["registry", "export", "-o", "registry.json"])
        #expect(export.status == 0, "\(export.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: cli.dir.file("registry.json"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "the export holds password hashes: mode 0600")

        let server = try await PostgresServer.shared()
        let db = try await server.freshDatabase()
        let url = "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)"
        let env = ["ESCORT_STORE_PASSWORD": db.password]
        // The new deployment: its own folder, so its own signing key (made for the new store's empty log).
        let site = TemporaryDirectory(prefix: "escort-pg-site")
        // A PostgreSQL store has no folder for a key: the node's key is made first and named.
        let made = try await ChildProcess.run(path, ["audit", "key", "new", "--out", site.file("node.key")], currentDirectory: site.path)
        #expect(made.status == 0, "\(made.stderr)")
        func pg(_ args: [String]) async throws -> ProcessResult {
            try await ChildProcess.run(path, args + ["--store", url, "--signing-key", site.file("node.key")], currentDirectory: site.path, environment: env)
        }
        let load = try await pg(["registry", "import", cli.dir.file("registry.json")])
        #expect(load.status == 0, "\(load.stdout) \(load.stderr)")
        #expect(load.stdout.contains("Imported 3 people, 2 targets, 1 tickets, 1 console accounts"), "\(load.stdout)")

        // Verified equal: the same export, entry for entry, from the new store.
        let back = try await pg(["registry", "export"])
        #expect(back.status == 0, "\(back.stderr)")
        func withoutTime(_ text: String) throws -> NSDictionary {
            var o = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            o["exported_at"] = nil
            return o as NSDictionary
        }
        let original = try withoutTime(try String(contentsOfFile: cli.dir.file("registry.json"), encoding: .utf8))
        #expect(try withoutTime(back.stdout) == original, "the PostgreSQL store's registry differs from the SQLite one")
        for list in [["person", "list", "--format", "json"], ["target", "list", "--format", "json"], ["ticket", "list", "--format", "json"]] {
            let a = try await cli.run(list)
            let b = try await pg(list)
            #expect(a.stdout == b.stdout, "\(list.joined(separator: " ")) differs")
        }
        let again = try await pg(["registry", "import", cli.dir.file("registry.json")])
        #expect(again.status == 2 && again.stderr.contains("already holds a registry"), "\(again.stderr)")
        let verify = try await ChildProcess.run(path, ["audit", "verify", "--db", url], currentDirectory: site.path, environment: env)
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    @Test func aDamagedExportImportsNothingAndSaysWhere() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("alice", extra: ["--key", RegistryCLI.aliceKey]).status == 0)
        await #expect(try cli.run(["registry", "export", "-o", "registry.json"]).status == 0)
        let text = try String(contentsOfFile: cli.dir.file("registry.json"), encoding: .utf8)
        try text.replacingOccurrences(of: "\"US\"", with: "\"QQ\"").write(toFile: cli.dir.file("bad.json"), atomically: true, encoding: .utf8)
        let other = RegistryCLI()
        try FileManager.default.copyItem(atPath: cli.dir.file("bad.json"), toPath: other.dir.file("bad.json"))
        let r = try await other.run(["registry", "import", "bad.json"])
        #expect(r.status == 2 && r.stderr.contains("bad.json: person 1 (alice)") && r.stderr.contains("unknown country code \"QQ\""), "\(r.stderr)")
        await #expect(try other.run(["person", "list"]).stdout.contains("No people registered."))
    }
}
