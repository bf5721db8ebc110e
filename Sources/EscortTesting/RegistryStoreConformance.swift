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
}
