import EscortTesting
import Store
import StorePostgres
import Testing

@Suite("AuditStore conformance on PostgreSQL")
struct PostgresAuditStoreTests {
    @Test func postgresStorePassesTheSharedSuite() async throws {
        try await AuditStoreConformance.run { try await freshStore() }
    }
}

@Suite("Registry on PostgreSQL")
struct PostgresRegistryTests {
    @Test(arguments: RegistryStoreConformance.checks.map(\.0))
    func sharedSuite(_ name: String) async throws {
        let check = try #require(RegistryStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try await freshStore())
    }
}

@Suite("Training results on PostgreSQL")
struct PostgresTrainingStoreTests {
    @Test(arguments: TrainingStoreConformance.checks.map(\.0))
    func sharedSuite(_ name: String) async throws {
        let check = try #require(TrainingStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try await freshStore())
    }
}

@Suite("Console credentials on PostgreSQL")
struct PostgresCredentialStoreTests {
    @Test(arguments: CredentialStoreConformance.checks.map(\.0))
    func sharedSuite(_ name: String) async throws {
        let check = try #require(CredentialStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try await freshStore())
    }
}

@Suite("Gateway nodes on PostgreSQL")
struct PostgresNodeStoreTests {
    @Test(arguments: NodeStoreConformance.checks.map(\.0))
    func sharedSuite(_ name: String) async throws {
        let check = try #require(NodeStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(try await freshStore())
    }
}

@Suite("Shared moderation on PostgreSQL")
struct PostgresModerationStoreTests {
    @Test(arguments: (ModerationStoreConformance.checks + ModerationStoreConformance.notifyingChecks).map(\.0))
    func sharedSuite(_ name: String) async throws {
        let all = ModerationStoreConformance.checks + ModerationStoreConformance.notifyingChecks
        let check = try #require(all.first { $0.0 == name }?.1)
        try await check(try await freshStore())
    }
}
