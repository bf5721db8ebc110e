import AuditLog
import EscortTesting
import Foundation
import Store
import StorePostgres
import Testing

/// Two gateway nodes' audit logs on one PostgreSQL database, appending at the same time from many
/// sessions each: every append is answered (none waits forever), and the one chain verifies.
@Suite("Two audit-log writers on PostgreSQL")
struct TwoWritersTests {
    @Test func bothWritersFinishAndTheChainVerifies() async throws {
        let url = try await PostgresServer.shared().freshDatabase().url
        let storeA = try await PostgresStore.open(try PostgresStoreConfiguration(url: url))
        let storeB = try await PostgresStore.open(try PostgresStoreConfiguration(url: url))
        let dir = TemporaryDirectory(prefix: "escort-two-writers")
        let key = try GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key"))
        let a = try await AuditLog.open(store: storeA, key: key)
        let b = try await AuditLog.open(store: storeB, key: key)
        let perSession = 30
        let sessions = 6
        let outcome = try await withThrowingTaskGroup(of: (ok: Int, failed: Int).self) { group in
            for s in 0..<sessions {
                let log = s % 2 == 0 ? a : b
                group.addTask {
                    var ok = 0, failed = 0
                    for i in 0..<perSession {
                        do {
                            _ = try await log.append(AuditEvent(code: .commandSubmitted, session: "s\(s)", actor: "t", fields: ["n": .integer(Int64(i))]))
                            ok += 1
                        } catch {
                            failed += 1
                            Issue.record("append failed: \(error)")
                        }
                    }
                    return (ok, failed)
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(120))
                throw TestSetupError("appends still unanswered after 120 s")
            }
            var total = (ok: 0, failed: 0)
            for _ in 0..<sessions {
                let r = try await group.next()!
                total.ok += r.ok
                total.failed += r.failed
            }
            group.cancelAll()
            return total
        }
        #expect(outcome.ok + outcome.failed == sessions * perSession)
        #expect(outcome.failed == 0, "\(outcome.failed) appends failed")
        _ = try await a.close()
        _ = try await b.close()
        let verified = try await storeA.verifyAuditLog(pinnedKey: key.publicKey).get()
        #expect(verified.size == Int64(outcome.ok), "\(verified.size) records verified")
        await storeA.close()
        await storeB.close()
    }
}
