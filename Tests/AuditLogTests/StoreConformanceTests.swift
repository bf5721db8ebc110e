import EscortTesting
import StoreSQLite
import Testing

@Suite("AuditStore conformance")
struct StoreConformanceTests {
    @Test func sqliteStorePassesTheSharedSuite() async throws {
        let dir = TemporaryDirectory()
        var n = 0
        try await AuditStoreConformance.run {
            n += 1
            return try SQLiteAuditStore(path: dir.file("conformance-\(n).sqlite"))
        }
    }
}
