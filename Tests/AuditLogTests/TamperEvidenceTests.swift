import EscortTesting
import StoreSQLite
import Testing

@Suite("Tamper evidence on SQLite (shared suite)")
struct TamperEvidenceTests {
    @Test(arguments: TamperEvidenceConformance.checks.map(\.0))
    func sqlite(_ name: String) async throws {
        let check = try #require(TamperEvidenceConformance.checks.first { $0.0 == name }?.1)
        let dir = TemporaryDirectory()
        let store = try SQLiteAuditStore(path: dir.file("audit.sqlite"))
        try await check(TamperEvidenceConformance.Backend(
            store: store, directory: dir.path,
            deleteCheckpoints: { try await store.deleteAuditCheckpointsForTesting(above: $0) },
            deleteRecords: { try await store.deleteAuditRecordsForTesting(above: $0) },
            replaceRecord: { try await store.replaceAuditRecordForTesting($0) }))
    }
}
