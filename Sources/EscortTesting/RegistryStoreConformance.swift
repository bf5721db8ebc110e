import EscortCore
import Foundation
import Store

/// The behaviour every ``RegistryStore`` backend must have. Each check takes a fresh store;
/// ``run(_:)`` runs them all. Throws ``ConformanceFailure`` naming the first broken expectation.
public enum RegistryStoreConformance {
    /// Every check, by name, so a test framework can report each on its own.
    public static let checks: [(String, @Sendable (any RegistryStore) async throws -> Void)] = [
        ("add and look up people by name and key", addAndLookUp),
        ("duplicate names and keys are refused", duplicatesAreRefused),
        ("an import with one bad person adds nobody", importIsAllOrNothing),
        ("targets", targets),
        ("tickets for unknown people or targets are refused", ticketsNeedPersonAndTarget),
        ("overlapping tickets are refused", overlappingTicketsAreRefused),
        ("revoke", revoke),
        ("active tickets at a time", activeAtTime),
        ("updating a person keeps the keys in step", updatePerson),
        ("a removed person stays on record and the name is not reused", removedPersonStays),
        ("updating a target", updateTarget),
        ("extending a ticket", extendTicket),
        ("a whole registry imported, all or nothing", importRegistry),
    ]

    /// Runs every check, each against a fresh store from `makeStore`.
    public static func run(_ makeStore: () async throws -> any RegistryStore) async throws {
        for (_, check) in checks { try await check(try await makeStore()) }
    }

    // MARK: - Fixtures

    /// A valid Ed25519 key blob whose 32 key bytes are all `seed`.
    public static func key(_ seed: UInt8, comment: String = "") -> SSHPublicKey {
        let name = Array("ssh-ed25519".utf8)
        let blob = [0, 0, 0, UInt8(name.count)] + name + [0, 0, 0, 32] + [UInt8](repeating: seed, count: 32)
        do { return try SSHPublicKey(blob: blob, comment: comment) } catch { preconditionFailure("\(error)") }
    }

    public static func person(_ name: String, keys: [SSHPublicKey] = [], citizenships: [CountryCode] = [CountryCode("US")]) -> Person {
        Person(
            name: name, displayName: name.capitalized, employer: "Acme", contractor: "Prime Co", citizenships: citizenships,
            residence: CountryCode("US"), location: CountryCode("US"), clearance: .secret, roles: [.engineer, .escort],
            escortTrainingExpires: Date(timeIntervalSince1970: 1_900_000_000), keys: keys)
    }

    public static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    /// db1's pinned SSH host key.
    public static let db1HostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAVmjtaDN//BAZ3dtYqrI/w8+kTQbb3FL3pUjjYMQTHX root@db1"

    static func ticket(_ id: String, _ person: String = "alice", _ target: String = "db1", from: Double, until: Double) -> Ticket {
        Ticket(
            id: id, person: person, target: target, validFrom: t0 + from * 3600, validUntil: t0 + until * 3600,
            reason: "CHG-42", grantedBy: "root")
    }

    static func check(_ condition: Bool, _ message: String) throws {
        if !condition { throw ConformanceFailure(message: message) }
    }

    static func expectError(_ what: String, containing text: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            try check("\(error)".contains(text), "\(what): the error \"\(error)\" does not mention \"\(text)\"")
            return
        }
        throw ConformanceFailure(message: "\(what) was accepted")
    }

    static func withTargets(_ s: any RegistryStore) async throws {
        try await s.addPerson(person("alice", keys: [key(1)]))
        try await s.addPerson(person("bob"))
        try await s.addTarget(Target(name: "db1", impactLevel: .il5, owner: "ops", connection: .ssh(host: "db1.example", port: 22, user: "deploy", keyPath: "/etc/escort/db1"),
                                     sshHostKey: Self.db1HostKey))
        try await s.addTarget(Target(name: "web", impactLevel: .il2, owner: "web team", connection: .localShell))
    }

    // MARK: - Checks

    @Sendable static func addAndLookUp(_ s: any RegistryStore) async throws {
        let alice = person("alice", keys: [key(1, comment: "alice@laptop"), key(2)], citizenships: [CountryCode("US"), CountryCode("GB")])
        try await s.addPerson(alice)
        try await s.addPerson(person("bob", keys: [key(3)]))
        try check(try await s.person(named: "alice") == alice, "alice does not read back equal")
        try check(try await s.person(withKey: key(2).blob)?.name == "alice", "lookup by alice's second key fails")
        try check(try await s.person(withKey: key(3).blob)?.name == "bob", "lookup by bob's key fails")
        try check(try await s.person(withKey: key(9).blob) == nil, "an unknown key finds someone")
        try check(try await s.person(named: "carol") == nil, "an unknown name finds someone")
        try check(try await s.people().map(\.name) == ["alice", "bob"], "people() is not everyone by name")
    }

    @Sendable static func duplicatesAreRefused(_ s: any RegistryStore) async throws {
        try await s.addPerson(person("alice", keys: [key(1)]))
        try await expectError("a second alice", containing: "alice already exists") { try await s.addPerson(person("alice")) }
        try await expectError("alice's key for bob", containing: "already registered to alice") {
            try await s.addPerson(person("bob", keys: [key(1)]))
        }
        try check(try await s.person(named: "bob") == nil, "bob was half-added after a key clash")
        try await expectError("an invalid name", containing: "invalid name") { try await s.addPerson(person("Bad+Name")) }
    }

    @Sendable static func importIsAllOrNothing(_ s: any RegistryStore) async throws {
        try await s.addPerson(person("zed", keys: [key(7)]))
        let batch = [person("amy", keys: [key(1)]), person("ben", keys: [key(2)]), person("cat", keys: [key(7)])]
        try await expectError("an import reusing zed's key", containing: "person 3 (cat)") { try await s.importPeople(batch) }
        try check(try await s.people().map(\.name) == ["zed"], "a failed import left people behind")
        try check(try await s.person(withKey: key(1).blob) == nil, "a failed import left a key behind")
        try await expectError("an import with the same name twice", containing: "amy already exists") {
            try await s.importPeople([person("amy"), person("amy")])
        }
        try await s.importPeople(Array(batch.prefix(2)))
        try check(try await s.people().map(\.name) == ["amy", "ben", "zed"], "a good import did not add everyone")
    }

    @Sendable static func targets(_ s: any RegistryStore) async throws {
        try await withTargets(s)
        try check(try await s.targets().map(\.name) == ["db1", "web"], "targets() is not every target by name")
        let db1 = try await s.target(named: "db1")
        try check(db1?.impactLevel == .il5, "db1 does not read back")
        try check(db1?.connection == .ssh(host: "db1.example", port: 22, user: "deploy", keyPath: "/etc/escort/db1"), "db1's connection does not read back")
        try check(db1?.sshHostKey == Self.db1HostKey, "db1's pinned host key does not read back")
        try await expectError("a second db1", containing: "db1 already exists") {
            try await s.addTarget(Target(name: "db1", impactLevel: .il2, owner: "x", connection: .localShell))
        }
    }

    @Sendable static func ticketsNeedPersonAndTarget(_ s: any RegistryStore) async throws {
        try await withTargets(s)
        try await expectError("a ticket for nobody", containing: "no person named carol") {
            try await s.grantTicket(ticket("T-1", "carol", from: 0, until: 1))
        }
        try await expectError("a ticket for no target", containing: "no target named nowhere") {
            try await s.grantTicket(ticket("T-1", "alice", "nowhere", from: 0, until: 1))
        }
        try await expectError("a reversed window", containing: "ends before it starts") {
            try await s.grantTicket(ticket("T-1", from: 2, until: 1))
        }
    }

    @Sendable static func overlappingTicketsAreRefused(_ s: any RegistryStore) async throws {
        try await withTargets(s)
        try await s.grantTicket(ticket("T-A", from: 0, until: 8))
        try await expectError("an overlapping ticket", containing: "T-A") { try await s.grantTicket(ticket("T-B", from: 7, until: 9)) }
        try await expectError("a ticket inside another", containing: "overlaps") { try await s.grantTicket(ticket("T-B", from: 1, until: 2)) }
        try await s.grantTicket(ticket("T-C", from: 8, until: 10))  // back to back is fine
        try await s.grantTicket(ticket("T-D", "bob", from: 0, until: 8))  // another person
        try await s.grantTicket(ticket("T-E", "alice", "web", from: 0, until: 8))  // another target
        try await expectError("a reused id", containing: "T-A already exists") {
            try await s.grantTicket(ticket("T-A", "bob", "web", from: 0, until: 1))
        }
        try check(try await s.tickets(person: "alice", target: "db1").map(\.id) == ["T-A", "T-C"], "alice's db1 tickets are wrong")
        try check(try await s.tickets(person: nil, target: "db1").map(\.id) == ["T-A", "T-D", "T-C"], "db1's tickets are wrong")
        try check(try await s.tickets(person: nil, target: nil).count == 4, "not every ticket is listed")
    }

    @Sendable static func revoke(_ s: any RegistryStore) async throws {
        try await withTargets(s)
        try await s.grantTicket(ticket("T-A", from: 0, until: 8))
        let revoked = try await s.revokeTicket(id: "T-A", at: t0 + 3600)
        try check(revoked.revokedAt == t0 + 3600, "revokeTicket does not return the revoked ticket")
        try check(try await s.tickets(person: "alice", target: nil).first?.revokedAt == t0 + 3600, "the revocation is not stored")
        try await expectError("revoking twice", containing: "already revoked") { _ = try await s.revokeTicket(id: "T-A", at: t0) }
        try await expectError("revoking an unknown ticket", containing: "no ticket with id T-Z") { _ = try await s.revokeTicket(id: "T-Z", at: t0) }
        try await s.grantTicket(ticket("T-B", from: 2, until: 6))  // a revoked ticket no longer blocks
    }

    @Sendable static func activeAtTime(_ s: any RegistryStore) async throws {
        try await withTargets(s)
        try await s.grantTicket(ticket("T-A", from: 0, until: 8))
        try await s.grantTicket(ticket("T-B", from: 10, until: 12))
        func active(_ hours: Double) async throws -> [String] {
            try await s.activeTickets(person: "alice", target: "db1", at: t0 + hours * 3600).map(\.id)
        }
        try check(try await active(-1) == [], "a ticket is active before it starts")
        try check(try await active(0) == ["T-A"], "a ticket is not active at its start")
        try check(try await active(7.9) == ["T-A"], "a ticket is not active inside its window")
        try check(try await active(8) == [], "a ticket is active at its end")
        try check(try await active(11) == ["T-B"], "the second ticket is not active")
        try await s.revokeTicket(id: "T-B", at: t0 + 11 * 3600)
        try check(try await active(10.5) == ["T-B"], "a ticket is inactive before its revocation")
        try check(try await active(11.5) == [], "a revoked ticket is still active")
        try check(try await s.activeTickets(person: "bob", target: "db1", at: t0).isEmpty, "bob has alice's ticket")
    }

    // MARK: - Changes

    @Sendable static func updatePerson(_ s: any RegistryStore) async throws {
        try await s.addPerson(person("alice", keys: [key(1), key(2)]))
        try await s.addPerson(person("bob", keys: [key(5)]))
        var alice = try await s.person(named: "alice")!
        let original = alice
        alice.keys = [key(2), key(3, comment: "new laptop")]
        alice.revokedKeys = [RevokedKey(key: key(1), mark: RegistryMark(at: t0, by: "root", reason: "stolen"))]
        alice.location = CountryCode("GB")
        alice.clearance = .topSecret
        let old = try await s.updatePerson(alice)
        try check(old == original, "updatePerson does not return the version it replaced")
        try check(try await s.person(named: "alice") == alice, "the updated person does not read back equal")
        try check(try await s.person(withKey: key(1).blob) == nil, "a key taken off still authenticates alice")
        try check(try await s.person(withKey: key(3).blob)?.name == "alice", "a key added does not find alice")
        try check(try await s.person(withKey: key(2).blob)?.location == CountryCode("GB"), "the key lookup reads an old version")
        var clash = alice
        clash.keys.append(key(5))
        try await expectError("bob's key for alice", containing: "already registered to bob") { try await s.updatePerson(clash) }
        try check(try await s.person(named: "alice") == alice, "a refused update changed alice")
        try check(try await s.person(withKey: key(3).blob)?.name == "alice", "a refused update lost alice's keys")
        try await expectError("an unknown person", containing: "no person named carol") { try await s.updatePerson(person("carol")) }
        var twice = alice
        twice.keys = [key(2), key(2)]
        try await expectError("a key listed twice", containing: "listed twice") { try await s.updatePerson(twice) }
    }

    @Sendable static func removedPersonStays(_ s: any RegistryStore) async throws {
        try await withTargets(s)
        try await s.grantTicket(ticket("T-A", from: 0, until: 8))
        var alice = try await s.person(named: "alice")!
        let mark = RegistryMark(at: t0 + 60, by: "root", reason: "left the company")
        alice.revokedKeys = alice.keys.map { RevokedKey(key: $0, mark: mark) }
        alice.keys = []
        alice.removed = mark
        try await s.updatePerson(alice)
        try check(try await s.person(named: "alice")?.removed == mark, "the removal is not kept with the person")
        try check(try await s.person(named: "alice")?.isEnabled == false, "a removed person reads as enabled")
        try check(try await s.person(withKey: key(1).blob) == nil, "a removed person's key still authenticates")
        try check(try await s.people().map(\.name) == ["alice", "bob"], "a removed person is missing from people(): history needs the record")
        try check(try await s.tickets(person: "alice", target: nil).map(\.id) == ["T-A"], "a removed person's tickets are gone")
        try await expectError("re-adding a removed name", containing: "was removed") { try await s.addPerson(person("alice")) }
        // The key is free for its new owner.
        try await s.addPerson(person("amy", keys: [key(1)]))
        try check(try await s.person(withKey: key(1).blob)?.name == "amy", "a removed person's key cannot be registered again")
    }

    @Sendable static func updateTarget(_ s: any RegistryStore) async throws {
        try await withTargets(s)
        var db1 = try await s.target(named: "db1")!
        db1.impactLevel = .il6
        db1.owner = "DBA team"
        db1.workload = TargetWorkload(services: ["postgresql", "app"], appDirectories: ["/opt/app"], databases: ["orders"], networks: ["10.20.0.0/16", "db1.internal"])
        db1.disabled = RegistryMark(at: t0, by: "root", reason: "maintenance")
        try await s.updateTarget(db1)
        try check(try await s.target(named: "db1") == db1, "the updated target does not read back equal")
        try check(try await s.targets().first { $0.name == "db1" }?.workload.databases == ["orders"], "targets() reads an old version")
        var bad = db1
        bad.workload.networks = ["10.20.0.0/99"]
        try await expectError("a network that is not one", containing: "is not a CIDR block") { try await s.updateTarget(bad) }
        try await expectError("an unknown target", containing: "no target named nowhere") {
            try await s.updateTarget(Target(name: "nowhere", impactLevel: .il2, owner: "x", connection: .localShell))
        }
    }

    @Sendable static func extendTicket(_ s: any RegistryStore) async throws {
        try await withTargets(s)
        try await s.grantTicket(ticket("T-A", from: 0, until: 8))
        try await s.grantTicket(ticket("T-C", from: 10, until: 12))
        try await s.grantTicket(ticket("T-X", "alice", "web", from: 0, until: 100))
        let t = try await s.extendTicket(id: "T-A", until: t0 + 10 * 3600)
        try check(t.validUntil == t0 + 10 * 3600, "extendTicket does not return the new window")
        try check(try await s.activeTickets(person: "alice", target: "db1", at: t0 + 9 * 3600).map(\.id) == ["T-A"], "the extension is not in force")
        try await expectError("an extension into T-C", containing: "T-C") { try await s.extendTicket(id: "T-A", until: t0 + 11 * 3600) }
        try await expectError("an end before the start", containing: "ends before it starts") { try await s.extendTicket(id: "T-A", until: t0 - 1) }
        try await s.extendTicket(id: "T-A", until: t0 + 4 * 3600)  // shortened
        try check(try await s.activeTickets(person: "alice", target: "db1", at: t0 + 5 * 3600).isEmpty, "a shortened ticket is still active")
        try await s.revokeTicket(id: "T-C", at: t0)
        try await expectError("extending a revoked ticket", containing: "already revoked") { try await s.extendTicket(id: "T-C", until: t0 + 20 * 3600) }
        try await expectError("an unknown ticket", containing: "no ticket with id T-Z") { try await s.extendTicket(id: "T-Z", until: t0) }
    }

    /// A registry with one of everything: a removed person, a disabled target with a workload, a
    /// revoked ticket, console credentials.
    public static func sampleContents() -> RegistryContents {
        let mark = RegistryMark(at: t0 + 0.25, by: "root", reason: "left")
        var gone = person("gone")
        gone.revokedKeys = [RevokedKey(key: key(4, comment: "old"), mark: mark)]
        gone.removed = mark
        var alice = person("alice", keys: [key(1, comment: "alice@laptop"), key(2)], citizenships: [CountryCode("US"), CountryCode("GB")])
        alice.disabled = RegistryMark(at: t0, by: "root", reason: "on leave")
        var db1 = Target(name: "db1", impactLevel: .il5, owner: "ops", connection: .ssh(host: "db1.example", port: 2222, user: "deploy", keyPath: "/etc/escort/db1"),
                         sshHostKey: db1HostKey, workload: TargetWorkload(services: ["app"], appDirectories: ["/opt/app"], databases: ["orders"], networks: ["10.0.0.0/8"]))
        db1.disabled = RegistryMark(at: t0, by: "root", reason: "maintenance")
        var revoked = ticket("T-B", from: 0, until: 2)
        revoked.revokedAt = t0 + 1800.5
        return RegistryContents(
            people: [alice, person("bob", keys: [key(3)]), gone],
            targets: [db1, Target(name: "web", impactLevel: .il2, owner: "web", connection: .localShell)],
            tickets: [ticket("T-A", from: 0, until: 8), revoked, ticket("T-C", "bob", "web", from: 1, until: 3)],
            credentials: [ConsoleCredential(person: "bob", passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA", totpSecret: "JBSWY3DPEHPK3PXP", updated: t0 + 0.125)])
    }

    /// Everything `s` holds, in the order `sampleContents` lists it.
    public static func contents(of s: any RegistryStore) async throws -> RegistryContents {
        var credentials: [ConsoleCredential] = []
        let people = try await s.people()
        if let c = s as? any CredentialStore {
            for p in people { if let found = try await c.credential(for: p.name) { credentials.append(found) } }
        }
        return RegistryContents(people: people, targets: try await s.targets(), tickets: try await s.tickets(person: nil, target: nil), credentials: credentials)
    }

    @Sendable static func importRegistry(_ s: any RegistryStore) async throws {
        let sample = sampleContents()
        var broken = sample
        broken.tickets.append(ticket("T-Q", "nobody", from: 0, until: 1))
        try await expectError("an import with a ticket for nobody", containing: "no person named nobody") { try await s.importRegistry(broken) }
        let left = try await s.people().count + s.targets().count
        try check(left == 0, "a failed import left entries behind")
        try await s.importRegistry(sample)
        let read = try await contents(of: s)
        try check(Set(read.people) == Set(sample.people), "imported people do not read back equal")
        try check(Set(read.targets) == Set(sample.targets), "imported targets do not read back equal")
        try check(Set(read.tickets) == Set(sample.tickets), "imported tickets do not read back equal")
        if s is any CredentialStore {
            try check(read.credentials == sample.credentials, "imported console credentials do not read back equal")
        }
        try check(try await s.person(withKey: key(1).blob)?.name == "alice", "an imported key does not authenticate")
        try check(try await s.person(withKey: key(4).blob) == nil, "an imported revoked key authenticates")
        try await expectError("a second import", containing: "already holds a registry") { try await s.importRegistry(sample) }
    }
}
