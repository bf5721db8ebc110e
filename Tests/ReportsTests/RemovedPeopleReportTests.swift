import EscortCore
import EscortTesting
import Foundation
import Reports
import StoreSQLite
import Testing

/// Removal is a soft delete: the people a report names still resolve after they leave.
@Suite("removed people in reports")
struct RemovedPeopleReportTests {
    @Test func aRemovedPersonStillReportsUnderTheirNameAndContractor() async throws {
        let dir = TemporaryDirectory(prefix: "escort-removed")
        let store = try SQLiteAuditStore(path: dir.file("escort.sqlite"))
        try await store.addPerson(RegistryStoreConformance.person("alice", keys: [RegistryStoreConformance.key(1)]))
        var alice = try #require(try await store.person(named: "alice"))
        alice.removed = RegistryMark(at: Date(), by: "root", reason: "left the company")
        alice.revokedKeys = alice.keys.map { RevokedKey(key: $0, mark: alice.removed!) }
        alice.keys = []
        try await store.updatePerson(alice)

        let registry = try await RegistrySnapshot.load(from: store)
        #expect(registry.contractor(of: "alice", at: Date()) == "Prime Co", "a removed person fell out of the reports")
        #expect(registry.facts(of: "alice", at: Date())?.displayName == "Alice")
        #expect(registry.contractor(of: "alice") != RegistrySnapshot.unregistered)
    }
}
