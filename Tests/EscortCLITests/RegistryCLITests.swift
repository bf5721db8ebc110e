import AuditLog
import Console
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// Runs the built `escort` in a temporary directory holding `escort.sqlite` and `gateway.key`.
struct RegistryCLI {
    let dir = TemporaryDirectory(prefix: "escort-registry-cli")
    let escort: String?

    init() { escort = BuiltProduct.path("escort") }

    @discardableResult
    func run(_ args: [String]) async throws -> ProcessResult {
        let path = try #require(escort, "build the escort executable first (swift build)")
        return try await ChildProcess.run(path, args, currentDirectory: dir.path)
    }

    static let aliceKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAVmjtaDN//BAZ3dtYqrI/w8+kTQbb3FL3pUjjYMQTHX alice@laptop"

    func addPerson(_ name: String, citizenship: [String] = ["US"], location: String = "US", roles: [String] = ["engineer"], extra: [String] = []) async throws -> ProcessResult {
        var args = ["person", "add", "--name", name, "--display-name", name.capitalized, "--employer", "Acme", "--contractor", "Prime Co",
                    "--residence", location, "--location", location, "--clearance", "secret"]
        for c in citizenship { args += ["--citizenship", c] }
        for r in roles { args += ["--role", r] }
        return try await run(args + extra)
    }

    func auditEvents() async throws -> [String] {
        let store = try SQLiteAuditStore(path: dir.file("escort.sqlite"), create: false)
        return try await store.auditRecords(from: 1, limit: 1000).map { String(decoding: $0.body, as: UTF8.self) }
    }
}

@Suite("escort person")
struct PersonCLITests {
    @Test func addListAndAudit() async throws {
        let cli = RegistryCLI()
        try (RegistryCLI.aliceKey + "\n").write(toFile: cli.dir.file("alice.pub"), atomically: true, encoding: .utf8)
        let add = try await cli.addPerson("alice", citizenship: ["US", "GB"], roles: ["engineer", "escort"],
                                    extra: ["--key-file", "alice.pub", "--training-expires", "2027-06-30"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.contains("SHA256:zM0km2AF7/OBoppfQFSU8gfGneTV9Jixebq//OxCLXQ"))

        let list = try await cli.run(["person", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("alice") && list.stdout.contains("US,GB") && list.stdout.contains("engineer,escort"))
        let json = try await cli.run(["person", "list", "--format", "json"])
        let people = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(people.first?["name"] as? String == "alice")
        #expect(people.first?["citizenships"] as? [String] == ["US", "GB"])
        #expect(people.first?["escort_training_expires"] as? String == "2027-07-01T00:00:00Z")

        let events = try await cli.auditEvents()
        #expect(events.count == 1)
        #expect(events[0].contains("ESC-3002") && events[0].contains("person.add") && events[0].contains("SHA256:zM0km2AF"))
        #expect(!events[0].contains("AAAAC3NzaC1lZDI1NTE5"), "the audit record should carry the fingerprint, not the key")
        let verify = try await cli.run(["audit", "verify", "--key", cli.dir.file("gateway.key.pub")])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test(arguments: [
        (["--citizenship", "XX"], "unknown country code \"XX\""),
        (["--citizenship", "US", "--key", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCvyR6T6UiW r@x"], "ssh-keygen -t ed25519 -f ~/.ssh/escort_ed25519"),
        (["--citizenship", "US", "--key", "ssh-ed25519 AAAA"], "malformed"),
        (["--citizenship", "US", "--clearance", "cosmic"], "unknown clearance"),
    ])
    func badInputIsRefusedAndNothingIsWritten(_ extra: [String], _ message: String) async throws {
        let cli = RegistryCLI()
        let r = try await cli.run(["person", "add", "--name", "bob", "--display-name", "Bob", "--employer", "Acme", "--contractor", "P",
                             "--residence", "US", "--location", "US", "--clearance", "secret", "--role", "engineer"] + extra)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        let list = try await cli.run(["person", "list"])
        #expect(list.stdout.contains("No people registered."))
    }

    @Test func aKeyBelongsToOnePerson() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("alice", extra: ["--key", RegistryCLI.aliceKey]).status == 0)
        let bob = try await cli.addPerson("bob", extra: ["--key", RegistryCLI.aliceKey])
        #expect(bob.status != 0)
        #expect(bob.stderr.contains("already registered to alice"))
        await #expect(try cli.addPerson("alice").stderr.contains("alice already exists"))
    }

    @Test func importIsAllOrNothing() async throws {
        let cli = RegistryCLI()
        let header = "name,display_name,employer,contractor,citizenships,residence,location,clearance,roles,escort_training_expires,keys"
        let bad = [
            header,
            "amy,Amy,Acme,Prime,US,US,US,secret,engineer;escort,2027-06-30,",
            "ben,Ben,Acme,Prime,DE,DE,DE,none,engineer,,",
            "cho,Cho,Acme,Prime,US;QQ,US,US,secret,engineer,,",
        ].joined(separator: "\n")
        try bad.write(toFile: cli.dir.file("bad.csv"), atomically: true, encoding: .utf8)
        let r = try await cli.run(["person", "import", "bad.csv"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("line 4, field citizenships: unknown country code \"QQ\""), "\(r.stderr)")
        await #expect(try cli.run(["person", "list"]).stdout.contains("No people registered."))

        let good = bad.replacingOccurrences(of: "US;QQ", with: "US;KR") + "\ndan,Dan,Acme,Prime,US,US,US,secret,engineer,,\"\(RegistryCLI.aliceKey)\""
        try good.write(toFile: cli.dir.file("good.csv"), atomically: true, encoding: .utf8)
        let ok = try await cli.run(["person", "import", "good.csv"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("Imported 4 people"))
        let list = try await cli.run(["person", "list"]).stdout
        for name in ["amy", "ben", "cho", "dan"] { #expect(list.contains(name)) }

        // A second import clashing with a stored key adds nobody.
        let clash = header + "\neve,Eve,Acme,Prime,US,US,US,secret,engineer,,\nfay,Fay,Acme,Prime,US,US,US,secret,engineer,,\"\(RegistryCLI.aliceKey)\""
        try clash.write(toFile: cli.dir.file("clash.csv"), atomically: true, encoding: .utf8)
        let c = try await cli.run(["person", "import", "clash.csv"])
        #expect(c.status != 0)
        #expect(c.stderr.contains("already registered to dan"), "\(c.stderr)")
        await #expect(!(try cli.run(["person", "list"]).stdout.contains("eve")))
        #expect(try await cli.auditEvents().count == 1)
    }
}

@Suite("escort target and escort ticket")
struct TicketCLITests {
    @Test func targetsAndTickets() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("alice").status == 0)
        await #expect(try cli.addPerson("root", roles: ["admin"]).status == 0)
        let keyPath = cli.dir.file("db1-gateway-key")
        try "(the gateway's private key)\n".write(toFile: keyPath, atomically: true, encoding: .utf8)
        let ssh = ["target", "add", "--name", "db1", "--impact-level", "IL5", "--owner", "ops",
                   "--ssh-host", "db1.example", "--ssh-user", "deploy", "--ssh-key", keyPath]
        // An SSH target without a pinned host key, or with one that is not a key, is refused.
        let unpinned = try await cli.run(ssh)
        #expect(unpinned.status != 0 && unpinned.stderr.contains("--ssh-host-key"), "\(unpinned.stderr)")
        let garbage = try await cli.run(ssh + ["--ssh-host-key", "ssh-ed25519 not-base64"])
        #expect(garbage.status == 2 && garbage.stderr.contains("host key of db1 is not usable"), "\(garbage.stderr)")
        // An ssh-keyscan line, from a file: the host name is dropped, the key pinned.
        let scan = cli.dir.file("db1.keyscan")
        try "# db1.example:22 SSH-2.0-OpenSSH_9.2\ndb1.example \(RegistryStoreConformance.db1HostKey.split(separator: " ").prefix(2).joined(separator: " "))\n"
            .write(toFile: scan, atomically: true, encoding: .utf8)
        let t = try await cli.run(ssh + ["--ssh-host-key", scan])
        #expect(t.status == 0, "\(t.stderr)")
        let stored = try await SQLiteStore(path: cli.dir.file("escort.sqlite"), create: false).target(named: "db1")
        #expect(stored?.sshHostKey == RegistryStoreConformance.db1HostKey.split(separator: " ").prefix(2).joined(separator: " "))
        await #expect(try cli.run(["target", "add", "--name", "web", "--impact-level", "2", "--owner", "web", "--local"]).status == 0)
        await #expect(try cli.run(["target", "add", "--name", "x", "--impact-level", "IL3", "--owner", "o", "--local"]).stderr.contains("unknown impact level"))
        let targets = try await cli.run(["target", "list"]).stdout
        #expect(targets.contains("ssh deploy@db1.example:22") && targets.contains("local shell"))
        #expect(!targets.contains(keyPath))

        let grant = try await cli.run(["ticket", "grant", "--person", "alice", "--target", "db1", "--from", "2030-01-01T08:00:00Z",
                                 "--until", "2030-01-01T18:00:00Z", "--reason", "CHG-7", "--by", "root"])
        #expect(grant.status == 0, "\(grant.stderr)")
        let id = try #require(grant.stdout.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })
        #expect(id.hasPrefix("T-"))

        let overlap = try await cli.run(["ticket", "grant", "--person", "alice", "--target", "db1", "--from", "2030-01-01T17:00:00Z",
                                   "--hours", "4", "--reason", "CHG-8", "--by", "root"])
        #expect(overlap.status != 0)
        #expect(overlap.stderr.contains("STORE-006") && overlap.stderr.contains(id) && overlap.stderr.contains("overlaps"), "\(overlap.stderr)")
        await #expect(try cli.run(["ticket", "grant", "--person", "nobody", "--target", "db1", "--hours", "1", "--reason", "r", "--by", "root"])
            .stderr.contains("no person named nobody"))
        await #expect(try cli.run(["ticket", "grant", "--person", "alice", "--target", "nowhere", "--hours", "1", "--reason", "r", "--by", "root"])
            .stderr.contains("no target named nowhere"))

        await #expect(try cli.run(["ticket", "list", "--person", "alice"]).stdout.contains(id))
        await #expect(try cli.run(["ticket", "revoke", id]).stderr.contains("needs --reason"))
        await #expect(try cli.run(["ticket", "revoke", id, "--reason", "work cancelled"]).status == 0)
        await #expect(try cli.run(["ticket", "list"]).stdout.contains("revoked"))
        await #expect(try cli.run(["ticket", "revoke", id, "--reason", "again"]).stderr.contains("already revoked"))
        // The revoked ticket no longer blocks the window.
        await #expect(try cli.run(["ticket", "grant", "--person", "alice", "--target", "db1", "--from", "2030-01-01T17:00:00Z",
                             "--hours", "4", "--reason", "CHG-8", "--by", "root"]).status == 0)

        let events = try await cli.auditEvents()
        #expect(events.filter { $0.contains("ESC-3002") }.count == 7)  // 2 people, 2 targets, grant, revoke, grant
        #expect(events.contains { $0.contains("ticket.revoke") })
    }
}

@Suite("escort policy check")
struct PolicyCLITests {
    @Test func decisionsAndExitCodes() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("alice").status == 0)
        await #expect(try cli.addPerson("root", roles: ["admin"]).status == 0)
        await #expect(try cli.addPerson("li", citizenship: ["GB", "CN"], location: "GB").status == 0)
        await #expect(try cli.run(["target", "add", "--name", "db1", "--impact-level", "IL5", "--owner", "ops", "--local"]).status == 0)
        await #expect(try cli.run(["ticket", "grant", "--person", "alice", "--target", "db1", "--from", "2030-01-01T08:00:00Z",
                             "--hours", "10", "--reason", "CHG-7", "--by", "root"]).status == 0)

        let direct = try await cli.run(["policy", "check", "--person", "alice", "--target", "db1", "--at", "2030-01-01T09:00:00Z"])
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(direct.stdout.hasPrefix("DIRECT: alice on db1 (IL5)"))
        #expect(direct.stdout.contains("- alice may work on db1 (IL5) directly under rule \"il5-direct\""))

        let noTicket = try await cli.run(["policy", "check", "--person", "alice", "--target", "db1", "--at", "2030-01-02T09:00:00Z"])
        #expect(noTicket.status == 3)
        #expect(noTicket.stdout.contains("expired at"))

        let refused = try await cli.run(["policy", "check", "--person", "li", "--target", "db1", "--from", "127.0.0.1"])
        #expect(refused.status == 3)
        #expect(refused.stdout.hasPrefix("REFUSED: li on db1 (IL5)"))
        #expect(refused.stdout.contains("- li is a citizen of CN, a country of concern: refused for IL5 (no involvement of countries of concern in DoD systems)"))
        #expect(refused.stdout.contains("127.0.0.1 is a loopback address"))

        let fromChina = try await cli.run(["policy", "check", "--person", "alice", "--target", "db1", "--at", "2030-01-01T09:00:00Z", "--from", "203.0.113.20"])
        #expect(fromChina.status == 3)
        #expect(fromChina.stdout.contains("alice connects from an address in CN, a country of concern"))

        let unknown = try await cli.run(["policy", "check", "--person", "zoe", "--target", "db1"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no person named zoe"))

        try "countries_of_concern = [\"CN\"]\n[commands.direct]\nhigh = \"maybe\"\n[commands.escorted]\n"
            .write(toFile: cli.dir.file("bad.toml"), atomically: true, encoding: .utf8)
        let badPolicy = try await cli.run(["policy", "check", "--person", "alice", "--target", "db1", "--policy", "bad.toml"])
        #expect(badPolicy.status == 2)
        #expect(badPolicy.stderr.contains("POL-006: commands.direct.high"), "\(badPolicy.stderr)")
    }
}

@Suite("escort person password")
struct PersonPasswordCLITests {
    func run(_ cli: RegistryCLI, _ args: [String], input: String?) async throws -> ProcessResult {
        let path = try #require(cli.escort, "build the escort executable first (swift build)")
        return try await ChildProcess.run(path, ["person", "password"] + args, currentDirectory: cli.dir.path, input: input.map { Data($0.utf8) })
    }

    @Test func setsAVerifiableHashAndATOTPSecretAndAuditsNeither() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("rita", roles: ["escort", "reviewer"]).status == 0)

        let unknown = try await run(cli, ["nobody", "--password-stdin"], input: "a long enough password\n")
        #expect(unknown.status == 2 && unknown.stderr.contains("no person named nobody"), "\(unknown.stderr)")
        let short = try await run(cli, ["rita", "--password-stdin"], input: "too short\n")
        #expect(short.status == 2 && short.stderr.contains("at least 12 characters"), "\(short.stderr)")
        let noTerminal = try await run(cli, ["rita"], input: "a long enough password\n")
        #expect(noTerminal.status != 0 && noTerminal.stderr.contains("--password-stdin"), "\(noTerminal.stderr)")
        let both = try await run(cli, ["rita", "--totp", "--remove-totp", "--password-stdin"], input: "a long enough password\n")
        #expect(both.status != 0 && both.stderr.contains("contradict"), "\(both.stderr)")
        let store = try SQLiteStore(path: cli.dir.file("escort.sqlite"), create: false)
        #expect(try await store.credential(for: "rita") == nil, "a refused change stores nothing")

        let set = try await run(cli, ["rita", "--password-stdin", "--totp"], input: "a long enough password\n")
        #expect(set.status == 0, "\(set.stdout) \(set.stderr)")
        let credential = try #require(try await store.credential(for: "rita"))
        #expect(PasswordHasher.verify("a long enough password", against: credential.passwordHash))
        #expect(!PasswordHasher.verify("a long enough passworD", against: credential.passwordHash))
        let secret = try #require(credential.totpSecret)
        #expect(set.stdout.contains(secret) && set.stdout.contains("otpauth://totp/Escort:rita?secret=\(secret)"), "\(set.stdout)")

        // A new password keeps the second factor unless told otherwise.
        await #expect(try run(cli, ["rita", "--password-stdin"], input: "another long password\n").status == 0)
        let kept = try #require(try await store.credential(for: "rita"))
        #expect(kept.totpSecret == secret && PasswordHasher.verify("another long password", against: kept.passwordHash))
        await #expect(try run(cli, ["rita", "--password-stdin", "--remove-totp"], input: "another long password\n").status == 0)
        #expect(try await store.credential(for: "rita")?.totpSecret == nil)

        let events = try await cli.auditEvents().filter { $0.contains("person.password") }
        #expect(events.count == 3, "\(events)")
        #expect(!events.contains { $0.contains("long") || $0.contains(secret) || $0.contains("scrypt") }, "the audit log never holds the password, hash or secret")
    }
}
