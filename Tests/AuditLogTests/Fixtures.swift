import AuditLog
import EscortTesting
import Foundation
import Store
import StoreSQLite

/// A pinned key for tests, the same every run.
let testKey = try! GatewaySigningKey(rawRepresentation: Array(repeating: 7, count: 32))

/// The `n`th sample event.
func sampleEvent(_ i: Int) -> AuditEvent {
    let codes: [AuditEventCode] = [.commandSubmitted, .commandAnalysed, .commandForwarded, .commandFinished]
    return AuditEvent(
        code: codes[i % codes.count], session: "s-\(i / 10)", actor: "alice",
        time: Date(timeIntervalSince1970: 1_790_000_000 + Double(i)),
        fields: ["command": .string("ls -l /tmp/\(i)"), "n": .integer(Int64(i))])
}

/// A chain of `count` records with a checkpoint after every `every` records (and none at the end
/// unless `count` is a multiple).
func sampleChain(_ count: Int, checkpointEvery every: Int = 5) throws -> AuditChain {
    var b = AuditChainBuilder(key: testKey)
    for i in 0..<count {
        try b.append(sampleEvent(i))
        if (i + 1) % every == 0 { try b.checkpoint(time: Date(timeIntervalSince1970: 1_790_000_000)) }
    }
    return b.chain
}

/// Opens a fresh SQLite store in `dir`.
func freshStore(_ dir: TemporaryDirectory, _ name: String = "audit.sqlite") throws -> SQLiteAuditStore {
    try SQLiteAuditStore(path: dir.file(name))
}
