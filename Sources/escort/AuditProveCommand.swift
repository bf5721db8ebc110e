import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Store

/// `escort audit prove`: an inclusion proof for a record, or a consistency proof between two
/// signed checkpoints, as JSON a third party checks offline (`escort audit check-proof`).
struct AuditProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an inclusion proof for a record (--record N) or a consistency proof between two checkpoints (--consistency OLD NEW), as JSON.",
        discussion: "OLD and NEW are the tree sizes of two signed checkpoints in the store. Check a proof offline with `escort audit check-proof FILE`; the formats are in docs/audit-log.md."
    )

    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: .long, help: "The record number (1 is the first record).")
    var record: Int64?

    @Option(name: .long, parsing: .upToNextOption, help: "Two checkpoint tree sizes: OLD NEW.")
    var consistency: [Int64] = []

    @Option(name: .long, help: "Require the checkpoints to be signed by this public key (hex, base64, or a file holding it).")
    var key: String?

    func validate() throws {
        if record == nil, consistency.isEmpty { throw ValidationError("give --record N or --consistency OLD NEW") }
        if record != nil, !consistency.isEmpty { throw ValidationError("give either --record or --consistency, not both") }
        if !consistency.isEmpty, consistency.count != 2 || consistency[0] > consistency[1] || consistency[0] < 1 {
            throw ValidationError("--consistency takes two checkpoint sizes, OLD NEW, with 1 ≤ OLD ≤ NEW")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let pinned = try key.map(parsePublicKey)
            let json: JSONValue
            let checkpoints: [SignedCheckpoint]
            if let record {
                let proof = try await database.withStore { try await $0.auditInclusionProof(sequence: record) }
                json = proof.json
                checkpoints = [proof.checkpoint]
            } else {
                let proof = try await database.withStore { try await $0.auditConsistencyProof(oldSize: consistency[0], newSize: consistency[1]) }
                json = proof.json
                checkpoints = [proof.old, proof.new]
            }
            for c in checkpoints where !c.hasValidSignature(pinnedKey: pinned?.bytes) {
                printError("FAILED: the checkpoint at \(c.treeSize) records does not carry a valid signature\(pinned == nil ? "" : " by the given key"); run `escort audit verify`")
                throw ExitCode(1)
            }
            print(json.encodedString())
        }
    }
}
