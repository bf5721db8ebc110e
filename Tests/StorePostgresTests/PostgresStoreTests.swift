import AuditLog
import EscortTesting
import Store
import StorePostgres
import Testing

@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test func registryAndAuditLogShareOneDatabaseAndSurviveReopening() async throws {
        let db = try await PostgresServer.shared().freshDatabase()
        let configuration = try PostgresStoreConfiguration(url: db.url)
        do {
            let store = try await PostgresStore.open(configuration)
            try await store.addPerson(RegistryStoreConformance.person("alice", keys: [RegistryStoreConformance.key(1)]))
            let log = try await AuditLog.open(store: store, key: GatewaySigningKey())
            _ = try await log.append(AuditEvent(code: .registryChanged, actor: "root", fields: ["person": "alice"]))
            try await log.close()
            await store.close()
        }
        let reopened = try await PostgresStore.open(configuration, migrate: false)
        #expect(try await reopened.person(withKey: RegistryStoreConformance.key(1).blob)?.name == "alice")
        #expect(try await reopened.auditRecordCount() == 1)
        guard case .success = try await reopened.verifyAuditLog(pinnedKey: nil) else {
            Issue.record("the audit log written to PostgreSQL does not verify")
            return
        }
        await reopened.close()
    }

    @Test func aWrongPasswordFailsAtOpenWithoutRepeatingIt() async throws {
        let db = try await PostgresServer.shared().freshDatabase()
        let wrong = "not-the-password-\(db.name)"
        let url = "postgres://\(db.user):\(wrong)@\(db.host):\(db.port)/\(db.name)"
        do {
            _ = try await PostgresStore.open(try PostgresStoreConfiguration(url: url))
            Issue.record("a wrong password was accepted")
        } catch let e as StoreError {
            #expect(e.code == .io, "\(e)")
            #expect(!"\(e)".contains(wrong), "the error repeats the password: \(e)")
            #expect("\(e)".contains(db.name), "the error does not name the store: \(e)")
        }
    }

    @Test func aMissingDatabaseIsNotFound() async throws {
        let server = try await PostgresServer.shared()
        let url = "postgres://\(server.user):\(server.password)@127.0.0.1:\(server.port)/no_such_database"
        do {
            _ = try await PostgresStore.open(try PostgresStoreConfiguration(url: url))
            Issue.record("a missing database was accepted")
        } catch let e as StoreError {
            #expect(e.code == .notFound, "\(e)")
        }
    }
}

@Suite("PostgreSQL store URLs")
struct PostgresStoreConfigurationTests {
    @Test func aURLIsReadAndItsPasswordNeverShown() throws {
        let c = try PostgresStoreConfiguration(url: "postgres://escort:s%40cret@db.example:6432/escort_prod")
        #expect(c.host == "db.example" && c.port == 6432 && c.user == "escort" && c.database == "escort_prod")
        #expect(c.password == "s@cret")
        #expect(c.tls == .verifyFull, "a remote server gets TLS by default")
        #expect(c.description == "postgres://escort@db.example:6432/escort_prod")
    }

    @Test func loopbackIsPlainByDefaultAndAFallbackPasswordIsUsed() throws {
        let c = try PostgresStoreConfiguration(url: "postgresql://escort@127.0.0.1/escort", password: "from-env")
        #expect(c.port == 5432 && c.tls == .disable && c.password == "from-env")
        let given = try PostgresStoreConfiguration(url: "postgres://escort:in-url@localhost/escort?sslmode=verify-full", password: "from-env")
        #expect(given.password == "in-url" && given.tls == .verifyFull)
    }

    @Test(arguments: [
        "postgres://db.example/escort", "postgres://escort@db.example/", "postgres://escort@db.example/escort?sslmode=prefer",
        "postgres://escort@db.example/escort?timeout=3", "mysql://escort@db.example/escort",
    ])
    func badURLsAreRefused(_ url: String) {
        #expect(throws: StoreError.self) { try PostgresStoreConfiguration(url: url) }
    }
}
