import EscortTesting
import StorePostgres

/// A store on a fresh database of the test run's PostgreSQL server.
func freshStore() async throws -> PostgresStore {
    try await PostgresStore.open(try PostgresStoreConfiguration(url: try await PostgresServer.shared().freshDatabase().url))
}
