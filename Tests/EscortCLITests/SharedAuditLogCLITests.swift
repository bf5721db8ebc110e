import AuditLog
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// A registry command run while a long-lived `AuditLog` (the gateway's) is open on the same file.
@Suite("escort commands beside a running audit log")
struct SharedAuditLogCLITests {
    @Test func aPersonAddedMeanwhileDoesNotBreakTheNextAppend() async throws {
        let cli = RegistryCLI()
        await #expect(try cli.addPerson("alice").status == 0)
        let store = try SQLiteAuditStore(path: cli.dir.file("escort.sqlite"))
        let log = try await AuditLog.open(store: store, key: try GatewaySigningKey.loadOrCreate(path: cli.dir.file("gateway.key")))
        #expect(try await log.append(AuditEvent(code: .sessionStarted, session: "s-1", actor: "alice", fields: [:])).sequence == 2)

        let add = try await cli.addPerson("bob")
        #expect(add.status == 0, "\(add.stderr)")

        // The log's head is record 2; the command appended record 3 (and signed a checkpoint).
        let next = try await log.append(AuditEvent(code: .sessionEnded, session: "s-1", actor: "alice", fields: [:]))
        #expect(next.sequence == 4)
        try await log.close()
        let events = try await cli.auditEvents()
        #expect(events.count == 4 && events[2].contains("person.add") && events[2].contains("bob"))
        let verify = try await cli.run(["audit", "verify", "--key", cli.dir.file("gateway.key.pub")])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
