import EscortTesting
import StorePostgres
import Testing

@Suite("Tamper evidence on PostgreSQL (shared suite)")
struct PostgresTamperEvidenceTests {
    @Test(arguments: TamperEvidenceConformance.checks.map(\.0))
    func postgres(_ name: String) async throws {
        let check = try #require(TamperEvidenceConformance.checks.first { $0.0 == name }?.1)
        let dir = TemporaryDirectory()
        let store = try await freshStore()
        try await check(TamperEvidenceConformance.Backend(
            store: store, directory: dir.path,
            deleteCheckpoints: { try await store.deleteAuditCheckpointsForTesting(above: $0) },
            deleteRecords: { try await store.deleteAuditRecordsForTesting(above: $0) },
            replaceRecord: { try await store.replaceAuditRecordForTesting($0) }))
        await store.close()
    }
}
