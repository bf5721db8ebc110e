import EscortCore
import Foundation
import Store

/// The behaviour every ``CredentialStore`` backend must have (the store must also be a
/// ``RegistryStore``: a credential belongs to a registered person). Each check takes a fresh store.
public enum CredentialStoreConformance {
    public typealias Backend = any CredentialStore & RegistryStore

    /// Every check, by name.
    public static let checks: [(String, @Sendable (Backend) async throws -> Void)] = [
        ("a credential reads back as set", readBack),
        ("setting again replaces the credential", replaces),
        ("a credential for someone unregistered is refused and not stored", refusesUnknownPeople),
        ("a disabled or removed person's credential signs nobody in", disabledPeopleHaveNone),
    ]

    @Sendable static func disabledPeopleHaveNone(_ store: Backend) async throws {
        try await store.addPerson(RegistryStoreConformance.person("amy"))
        try await store.setCredential(credential("amy"))
        var amy = try await store.person(named: "amy")!
        amy.disabled = RegistryMark(at: Date(timeIntervalSince1970: 1_800_000_000), by: "root", reason: "on leave")
        try await store.updatePerson(amy)
        try check(try await store.credential(for: "amy") == nil, "a disabled person's credential is still returned")
        amy.disabled = nil
        try await store.updatePerson(amy)
        try check(try await store.credential(for: "amy") == credential("amy"), "re-enabling does not bring the credential back")
        amy.removed = RegistryMark(at: Date(timeIntervalSince1970: 1_800_000_000), by: "root", reason: "left")
        try await store.updatePerson(amy)
        amy.removed = nil
        try await store.updatePerson(amy)
        try check(try await store.credential(for: "amy") == nil, "a removed person's credential was kept")
    }

    static func credential(_ person: String, hash: String = "scrypt$16384$8$1$c2FsdA$aGFzaA", totp: String? = "JBSWY3DPEHPK3PXP",
                           at seconds: Double = 1_800_000_000.25) -> ConsoleCredential {
        ConsoleCredential(person: person, passwordHash: hash, totpSecret: totp, updated: Date(timeIntervalSince1970: seconds))
    }

    static func check(_ condition: Bool, _ message: String) throws {
        if !condition { throw ConformanceFailure(message: message) }
    }

    @Sendable static func readBack(_ store: Backend) async throws {
        try await store.addPerson(RegistryStoreConformance.person("amy"))
        try await store.addPerson(RegistryStoreConformance.person("ben"))
        try check(try await store.credential(for: "amy") == nil, "a person without a credential has one")
        try await store.setCredential(credential("amy"))
        try await store.setCredential(credential("ben", totp: nil))
        try check(try await store.credential(for: "amy") == credential("amy"), "amy's credential does not read back as set")
        try check(try await store.credential(for: "ben") == credential("ben", totp: nil), "a credential without TOTP does not read back")
        try check(try await store.credential(for: "carol") == nil, "an unknown person has a credential")
    }

    @Sendable static func replaces(_ store: Backend) async throws {
        try await store.addPerson(RegistryStoreConformance.person("amy"))
        try await store.setCredential(credential("amy"))
        let next = credential("amy", hash: "scrypt$16384$8$1$bmV3$bmV3", totp: nil, at: 1_800_000_100.5)
        try await store.setCredential(next)
        try check(try await store.credential(for: "amy") == next, "a second credential does not replace the first")
    }

    @Sendable static func refusesUnknownPeople(_ store: Backend) async throws {
        do {
            try await store.setCredential(credential("nobody"))
            throw ConformanceFailure(message: "a credential for someone unregistered was accepted")
        } catch let e as StoreError {
            try check(e.code == .notFound, "a credential for someone unregistered: wrong code \(e.code)")
        }
        try await store.addPerson(RegistryStoreConformance.person("nobody"))
        try check(try await store.credential(for: "nobody") == nil, "a refused credential was stored")
    }
}
