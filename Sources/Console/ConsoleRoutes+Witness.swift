import AuditLog
import EscortCore
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// What a witness needs over the console's HTTPS listener, read-only and without signing in (it
/// is hashes and signatures only, as a Certificate Transparency log serves them):
///
/// - `GET /audit/checkpoint`: the newest signed checkpoint, one line as in an export,
///   `{"checkpoint":<body>,"signature":"HEX"}`;
/// - `GET /audit/consistency?from=N`: a consistency proof from the tree of `N` records to that
///   newest checkpoint, `{"checkpoint":<body>,"from":N,"path":["HEX",…],"signature":"HEX","to":M}`
///   (the checkpoint embedded byte for byte, so its signature checks). The proof is computed from
///   the records as stored, so a log rewritten below `N` gives a proof that does not verify
///   against the root the witness holds.
extension ConsoleRoutes {
    func addWitnessRoutes(_ router: Router<Context>) {
        router.get("/audit/checkpoint") { _, _ in try await self.witnessCheckpoint() }
        router.get("/audit/consistency") { request, _ in try await self.witnessConsistency(request) }
    }

    private func newestCheckpoint() async throws -> SignedCheckpoint {
        let all = try await context.store.auditCheckpoints().compactMap { try? SignedCheckpoint(stored: $0) }
        guard let newest = all.max(by: { $0.treeSize < $1.treeSize }) else {
            throw HTTPError(.notFound, message: "The audit log has no signed checkpoint yet.")
        }
        return newest
    }

    private static func bytes(_ b: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: b)))
    }

    func witnessCheckpoint() async throws -> Response {
        Self.bytes(AuditExport.line(for: try await newestCheckpoint().stored) + [0x0A])
    }

    func witnessConsistency(_ request: Request) async throws -> Response {
        guard let text = request.uri.queryParameters["from"].map(String.init), let from = Int64(text), from >= 0 else {
            throw HTTPError(.badRequest, message: "Give from=N, the tree size of the checkpoint the witness holds.")
        }
        let newest = try await newestCheckpoint()
        guard from <= newest.treeSize else {
            throw HTTPError(.conflict, message: "The newest checkpoint covers \(newest.treeSize) records, fewer than \(from): the log was cut back.")
        }
        var leaves: [AuditHash] = []
        leaves.reserveCapacity(Int(newest.treeSize))
        try await context.store.forEachAuditRecord { r in
            guard r.sequence <= newest.treeSize else { return }
            leaves.append(MerkleTree.leafHash(r.body))
        }
        guard leaves.count == Int(newest.treeSize), let path = MerkleTree.consistencyProof(oldSize: Int(from), leaves: leaves) else {
            throw HTTPError(.internalServerError, message: "The stored log has fewer records than its newest checkpoint; run escort audit verify.")
        }
        var out = Array(#"{"checkpoint":"#.utf8) + newest.body + Array(#","from":\#(from),"path":["#.utf8)
        out += Array(path.map { "\"\($0.hex)\"" }.joined(separator: ",").utf8)
        out += Array(#"],"signature":"\#(Hex.encode(newest.signature))","to":\#(newest.treeSize)}"#.utf8) + [0x0A]
        return Self.bytes(out)
    }
}
