#if canImport(Glibc)
import Glibc
#endif
import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import ShellAnalysis
import Store
import StoreSQLite
import Testing

/// What the gateway does with bad input: garbage on its port, a store it cannot write.
@Suite(.serialized)
struct GatewayBadInputTests {
    static let sshAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    @Test(.enabled(if: sshAvailable))
    func garbageOnTheSSHPortIsDroppedAndServiceContinues() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        for junk in ["GET / HTTP/1.1\r\nHost: x\r\n\r\n", "SSH-2.0-evil\r\n" + String(repeating: "\u{01}\u{ff}", count: 5000), String(repeating: "A", count: 70_000)] {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(gw.server.port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            _ = Array(junk.utf8).withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var buf = [UInt8](repeating: 0, count: 4096)
            var tv = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            // The server sends its version, then closes the connection on the garbage.
            var total = 0
            while true {
                let n = recv(fd, &buf, buf.count, 0)
                if n <= 0 { break }
                total += n
            }
            close(fd)
            #expect(total < 4096)
        }
        let ok = try gw.ssh("alice+local", as: "alice", tty: false, command: ["--", "echo still-serving"])
        #expect(await ok.waitForExit() == 0)
        #expect(ok.output.contains("still-serving"))
    }

    @Test(.enabled(if: sshAvailable))
    func aReadOnlyStoreRefusesTheSessionAndRunsNothing() async throws {
        let dir = TemporaryDirectory(prefix: "escort-ro")
        let path = dir.file("escort.sqlite")
        let marker = dir.file("must-not-exist")
        // A store that exists, then opened read-only: every append fails.
        do {
            let writable = try SQLiteAuditStore(path: path)
            let log = try await AuditLog.open(store: writable, key: GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key")))
            _ = try await log.append(AuditEvent(code: .policyChanged, actor: "test"))
            _ = try await log.close()
        }
        let gw = try await GatewayFixture(store: try SQLiteAuditStore(path: path, readOnly: true))
        defer { Task { await gw.close() } }
        let p = try gw.ssh("alice+local", as: "alice", tty: false, command: ["--", "touch \(marker)"])
        #expect(await p.waitForExit() == 1)
        #expect(p.errorOutput.contains("audit log could not record"), "\(p.errorOutput)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test(.enabled(if: sshAvailable))
    func anEscortWhosePresenceCannotBeRecordedIsNotAttached() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        // From now on the log refuses exactly the escort's attachment record.
        try gw.store.executeForTesting("""
            CREATE TRIGGER refuse_attach BEFORE INSERT ON audit_record WHEN CAST(NEW.body AS TEXT) LIKE '%escort.attached%'
            BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
            """)
        let marker = gw.targetHome + "/must-not-exist"
        let alice = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await alice.waitFor("escorted session"), "\(alice.output) \(alice.errorOutput)")
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("alice on secure"), "\(bob.output)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("could not record your presence"), "\(bob.output)")
        #expect(!bob.output.contains("Attached"))
        alice.send("touch \(marker)\r")
        #expect(await alice.waitFor("waiting for an escort"), "\(alice.output)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(!FileManager.default.fileExists(atPath: marker), "a command ran under an escort the log cannot name")
        alice.terminate()
        bob.terminate()
    }

    /// A session the store cannot record as open on this node is not started: if the node then
    /// died, no other node would know to end it in the audit log.
    @Test(.enabled(if: sshAvailable))
    func aSessionTheStoreCannotRecordAsOpenRunsNothing() async throws {
        let gw = try await GatewayFixture(presence: true)
        defer { Task { await gw.close() } }
        // A session that can be recorded is open in the store while it runs, and gone after.
        let ok = try gw.ssh("alice+local", as: "alice", tty: false, command: ["--", "sleep 3; echo ran"])
        var open: [OpenSession] = []
        for _ in 0..<100 where open.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            open = try await gw.store.orphanedSessions(staleAfter: -3600)
        }
        #expect(open.map(\.node) == ["test-node"], "\(open)")
        #expect(await ok.waitForExit() == 0)
        #expect(ok.output.contains("ran"))
        #expect(try await gw.store.orphanedSessions(staleAfter: -3600).isEmpty)

        try gw.store.executeForTesting("""
            CREATE TRIGGER refuse_open BEFORE INSERT ON open_session BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
            """)
        let marker = gw.targetHome + "/must-not-exist"
        let p = try gw.ssh("alice+local", as: "alice", tty: false, command: ["--", "touch \(marker)"])
        #expect(await p.waitForExit() == 1)
        #expect(p.errorOutput.contains("could not be registered"), "\(p.errorOutput)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: marker))
        let started = try await gw.events().filter { $0.0 == AuditEventCode.sessionStarted.code }
        #expect(started.count == 1, "only the first session started: \(started)")
    }
}
