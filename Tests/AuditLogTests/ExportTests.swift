@testable import AuditLog
import EscortTesting
import Foundation
import Store
import Testing

@Suite("Export files")
struct ExportTests {
    func export(_ chain: AuditChain) async throws -> [UInt8] {
        let store = InMemoryStore(chain)
        var out: [UInt8] = []
        try await store.exportAuditLog { out += $0 }
        return out
    }

    @Test func exportRoundTripsAndVerifies() async throws {
        let chain = try sampleChain(12)
        let bytes = try await export(chain)
        let parsed = try AuditExport.parse(bytes)
        #expect(parsed.records == chain.records)
        #expect(parsed.checkpoints == chain.checkpoints)
        let verified = try AuditVerifier.verify(parsed, pinnedKey: testKey.publicKey).get()
        #expect(verified.size == 12 && verified.unsignedRecords == 2)
    }

    @Test func editingALineInTheExportIsDetected() async throws {
        let bytes = try await export(try sampleChain(12))
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Line 0 is the header; record 4 is on line 4 (checkpoint lines follow records 5 and 10).
        lines[4] = lines[4].replacingOccurrences(of: "alice", with: "alicE")
        let f = AuditVerifier.verify(try AuditExport.parse(Array(lines.joined(separator: "\n").utf8)), pinnedKey: testKey.publicKey).failure
        #expect(f?.kind == .changed)
        #expect(f?.record == 4)
    }

    @Test(arguments: [
        "", "\n\n", "not json\n", #"{"format":"something-else","v":1}"# + "\n",
        #"{"format":"escort-audit-export","v":9}"# + "\n",
        #"{"format":"escort-audit-export","v":1}"# + "\n" + #"{"record":{"seq":1}}"# + "\n",
        #"{"format":"escort-audit-export","v":1}"# + "\n" + #"{"what":1}"# + "\n",
        #"{"format":"escort-audit-export","v":1}"# + "\n" + #"{"hash":"00","record":{"seq"#,
    ])
    func badExportsGiveClearErrors(_ text: String) {
        #expect(throws: AuditError.self) { try AuditExport.parse(Array(text.utf8)) }
    }

    @Test func truncatedExportsNeverCrash() async throws {
        let bytes = try await export(try sampleChain(12))
        for cut in stride(from: 0, to: bytes.count, by: 37) {
            let prefix = Array(bytes[0..<cut])
            if let chain = try? AuditExport.parse(prefix) {
                _ = AuditVerifier.verify(chain, pinnedKey: testKey.publicKey)
            }
        }
    }
}

/// An in-memory store holding a fixed chain.
struct InMemoryStore: AuditStore {
    let chain: AuditChain
    init(_ chain: AuditChain) { self.chain = chain }
    func appendAudit(records: [StoredAuditRecord], checkpoints: [StoredAuditCheckpoint]) async throws {}
    func lastAuditRecord() async throws -> StoredAuditRecord? { chain.records.last }
    func auditRecords(from sequence: Int64, limit: Int) async throws -> [StoredAuditRecord] {
        Array(chain.records.filter { $0.sequence >= sequence }.prefix(limit))
    }
    func auditRecordCount() async throws -> Int64 { Int64(chain.records.count) }
    func auditCheckpoints() async throws -> [StoredAuditCheckpoint] { chain.checkpoints }
}
