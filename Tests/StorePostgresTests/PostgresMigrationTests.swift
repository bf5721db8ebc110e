import EscortTesting
import Store
import StorePostgres
import Testing

@Suite("PostgreSQL schema migrations")
struct PostgresMigrationTests {
    static let all = ["audit-v1", "registry-v1", "console-v1", "training-v1", "nodes-v1", "moderation-v1"]

    @Test func twoNodesOpeningAFreshDatabaseAtOnceBothSucceedWithOneSchema() async throws {
        let server = try await PostgresServer.shared()
        let db = try await server.freshDatabase()
        let configuration = try PostgresStoreConfiguration(url: db.url)
        async let a = PostgresStore.open(configuration)
        async let b = PostgresStore.open(configuration)
        let (first, second) = try await (a, b)
        // Exactly one of them applied every migration; the other found them applied.
        #expect((first.appliedMigrations + second.appliedMigrations).sorted() == Self.all.sorted())
        #expect(first.appliedMigrations.isEmpty || second.appliedMigrations.isEmpty)
        await #expect(try server.query("SELECT version, name FROM escort_migration ORDER BY version", database: db.name)
            == ["1|audit-v1", "2|registry-v1", "3|console-v1", "4|training-v1", "5|nodes-v1", "6|moderation-v1"])
        // Both work on the one schema.
        try await first.addPerson(RegistryStoreConformance.person("amy"))
        #expect(try await second.person(named: "amy")?.name == "amy")
        await first.close()
        await second.close()
    }

    @Test func reopeningAppliesNothingAndReadOnlyOpeningNeedsTheSchema() async throws {
        let server = try await PostgresServer.shared()
        let db = try await server.freshDatabase()
        let configuration = try PostgresStoreConfiguration(url: db.url)
        await #expect(throws: StoreError.self) { _ = try await PostgresStore.open(configuration, migrate: false) }
        let created = try await PostgresStore.open(configuration)
        #expect(created.appliedMigrations == Self.all)
        await created.close()
        let again = try await PostgresStore.open(configuration)
        #expect(again.appliedMigrations.isEmpty)
        await again.close()
        let readOnly = try await PostgresStore.open(configuration, migrate: false)
        #expect(try await readOnly.auditRecordCount() == 0)
        await readOnly.close()
    }

    @Test func aSchemaFromANewerEscortIsRefused() async throws {
        let server = try await PostgresServer.shared()
        let db = try await server.freshDatabase()
        let configuration = try PostgresStoreConfiguration(url: db.url)
        let created = try await PostgresStore.open(configuration)
        await created.close()
        try await server.psql("INSERT INTO escort_migration (version, name) VALUES (99, 'from-the-future')", database: db.name)
        do {
            _ = try await PostgresStore.open(configuration)
            Issue.record("a schema with an unknown migration was accepted")
        } catch let e as StoreError {
            #expect(e.code == .conflict && e.message.contains("99"), "\(e)")
        }
    }
}

@Suite("The tests' PostgreSQL server")
struct PostgresServerTests {
    @Test func aMachineWithoutPostgreSQLFailsTheTestsSayingWhatToRun() async throws {
        let empty = TemporaryDirectory()
        do {
            let server = try await PostgresServer.start(installedUnder: empty.path)
            server.stop()
            Issue.record("a server started from an empty directory")
        } catch {
            #expect("\(error)".contains("run scripts/setup.sh"), "\(error)")
        }
    }

    @Test func eachTestGetsAnEmptyDatabaseOfItsOwn() async throws {
        let server = try await PostgresServer.shared()
        let a = try await server.freshDatabase()
        let b = try await server.freshDatabase()
        #expect(a.name != b.name)
        try await server.psql("CREATE TABLE only_in_a (x integer)", database: a.name)
        await #expect(try server.query("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'", database: b.name) == ["0"])
    }
}
