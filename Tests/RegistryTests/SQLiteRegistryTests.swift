import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

@Suite("Registry on SQLite")
struct SQLiteRegistryTests {
    static let checks = RegistryStoreConformance.checks.map(\.0)

    @Test(arguments: checks)
    func sharedSuite(_ name: String) async throws {
        let dir = TemporaryDirectory()
        let check = try #require(RegistryStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try SQLiteStore(path: dir.file("registry.sqlite")))
    }

    @Test func registryAndAuditLogShareOneFileAndSurviveReopening() async throws {
        let dir = TemporaryDirectory()
        let path = dir.file("escort.sqlite")
        do {
            let store = try SQLiteStore(path: path)
            try await store.addPerson(RegistryStoreConformance.person("alice", keys: [RegistryStoreConformance.key(1)]))
            let log = try await AuditLog.open(store: store, key: GatewaySigningKey())
            _ = try await log.append(AuditEvent(code: .registryChanged, actor: "root", fields: ["person": "alice"]))
            try await log.close()
        }
        let reopened = try SQLiteAuditStore(path: path, create: false)
        #expect(try await reopened.person(withKey: RegistryStoreConformance.key(1).blob)?.name == "alice")
        #expect(try await reopened.auditRecordCount() == 1)
    }

    @Test func anOldAuditOnlyFileGainsTheRegistryWhenOpenedToWrite() async throws {
        let dir = TemporaryDirectory()
        let path = dir.file("old.sqlite")
        // A file made by the audit-v1 schema alone, as earlier Escort versions wrote it.
        do {
            let store = try SQLiteAuditStore(path: path)
            try store.executeForTesting("DROP TABLE ticket; DROP TABLE person_key; DROP TABLE target; DROP TABLE person; DELETE FROM grdb_migrations WHERE identifier = 'registry-v1'")
        }
        let readOnly = try SQLiteAuditStore(path: path, create: false)
        await #expect(throws: StoreError.self) { try await readOnly.people() }
        let writable = try SQLiteAuditStore(path: path)
        try await writable.addPerson(RegistryStoreConformance.person("alice"))
        #expect(try await writable.people().count == 1)
    }
}

@Suite("Training results on SQLite")
struct SQLiteTrainingStoreTests {
    @Test(arguments: TrainingStoreConformance.checks.map(\.0))
    func sharedSuite(_ name: String) async throws {
        let dir = TemporaryDirectory()
        let check = try #require(TrainingStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try SQLiteStore(path: dir.file("training.sqlite")))
    }
}

@Suite("Console credentials on SQLite")
struct SQLiteCredentialStoreTests {
    @Test(arguments: CredentialStoreConformance.checks.map(\.0))
    func sharedSuite(_ name: String) async throws {
        let dir = TemporaryDirectory()
        let check = try #require(CredentialStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try SQLiteStore(path: dir.file("credentials.sqlite")))
    }
}

@Suite("Gateway nodes on SQLite")
struct SQLiteNodeStoreTests {
    @Test(arguments: NodeStoreConformance.checks.map(\.0))
    func sharedSuite(_ name: String) async throws {
        let dir = TemporaryDirectory()
        let check = try #require(NodeStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try SQLiteStore(path: dir.file("nodes.sqlite")))
    }
}

@Suite("Shared moderation on SQLite")
struct SQLiteModerationStoreTests {
    @Test(arguments: ModerationStoreConformance.checks.map(\.0))
    func sharedSuite(_ name: String) async throws {
        let dir = TemporaryDirectory()
        let check = try #require(ModerationStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try SQLiteStore(path: dir.file("moderation.sqlite")))
    }
}
