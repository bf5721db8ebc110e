import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import ShellAnalysis
import Testing

/// An escorted engineer can always withdraw and leave, through the stock OpenSSH client: with a
/// command queued and no escort present, Ctrl-C withdraws it, Ctrl-D and `exit` leave, `~.`
/// leaves no session behind, and nothing typed before an escort joined runs once she has gone.
/// A Ctrl-C that comes with the Enter (before the hold exists) withdraws the command too.
@Suite(.serialized)
struct EngineerWayOutTests {
    static let sshAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    /// The number of live sessions, polled until it is `count` or 10 s pass.
    static func waitForSessions(_ gw: GatewayFixture, _ count: Int) async -> Int {
        var n = await gw.hub.list().count
        for _ in 0..<100 where n != count {
            try? await Task.sleep(for: .milliseconds(100))
            n = await gw.hub.list().count
        }
        return n
    }

    @Test(.enabled(if: sshAvailable))
    func withNoEscortPresentCtrlCWithdrawsAndCtrlDExitAndTildeDotLeave() async throws {
        let gw = try await GatewayFixture(presence: true)
        defer { Task { await gw.close() } }
        let home = gw.targetHome

        // Ctrl-C withdraws the queued command; the session goes on.
        let a1 = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await a1.waitFor("secure:"), "no prompt: \(a1.output) \(a1.errorOutput)")
        var mark = a1.output.count
        a1.send("touch \(home)/after-ctrl-c\r")
        #expect(await a1.waitFor("waiting for an escort", after: mark), "\(a1.output)")
        mark = a1.output.count
        a1.send("\u{03}")
        #expect(await a1.waitFor("withdrawn", after: mark, timeout: 10), "Ctrl-C did not withdraw the queued command: \(a1.output)")
        #expect(await a1.waitFor("secure:", after: mark, timeout: 10), "no prompt after the withdrawal: \(a1.output)")
        // Ctrl-D with a command queued leaves.
        mark = a1.output.count
        a1.send("touch \(home)/after-ctrl-d\r")
        #expect(await a1.waitFor("waiting for an escort", after: mark), "\(a1.output)")
        a1.send("\u{04}")
        #expect(await a1.waitForExit(timeout: 30) != nil, "Ctrl-D did not leave: \(a1.output)")

        // `exit` typed after a queued command leaves.
        let a2 = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await a2.waitFor("secure:"), "\(a2.output)")
        mark = a2.output.count
        a2.send("touch \(home)/before-exit\r")
        #expect(await a2.waitFor("waiting for an escort", after: mark), "\(a2.output)")
        a2.send("exit\r")
        #expect(await a2.waitForExit(timeout: 30) != nil, "`exit` did not leave: \(a2.output)")

        // `~.` (the client's own escape) leaves no session behind, in the hub or the store.
        let a3 = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await a3.waitFor("secure:"), "\(a3.output)")
        mark = a3.output.count
        a3.send("touch \(home)/before-tilde\r")
        #expect(await a3.waitFor("waiting for an escort", after: mark), "\(a3.output)")
        a3.send("\r~.")
        #expect(await a3.waitForExit(timeout: 30) != nil, "~. did not end the client: \(a3.output)")
        let left = await Self.waitForSessions(gw, 0)
        #expect(left == 0, "a ghost session stayed")
        // Every session is closed in the store: none is open, even counted as stale at once.
        var open = try await gw.store.orphanedSessions(staleAfter: -3600)
        for _ in 0..<50 where !open.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            open = try await gw.store.orphanedSessions(staleAfter: -3600)
        }
        #expect(open.isEmpty, "the store still lists open sessions: \(open)")

        // An escort arriving now finds nothing to approve, and nothing typed ever ran.
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("No live sessions"), "\(bob.output)")
        bob.send("quit\r")
        _ = await bob.waitForExit()
        try await Task.sleep(for: .milliseconds(500))
        for file in ["after-ctrl-c", "after-ctrl-d", "before-exit", "before-tilde"] {
            #expect(!FileManager.default.fileExists(atPath: "\(home)/\(file)"), "\(file) ran after the engineer withdrew or left")
        }
        let events = try await gw.events()
        #expect(!events.contains { $0.0 == AuditEventCode.commandForwarded.code }, "a command was forwarded: \(events.map(\.0))")
        let withdrawn = events.filter { $0.0 == AuditEventCode.commandRefused.code && ($0.1["reason"]?.stringValue ?? "").contains("withdrawn") }
        #expect(withdrawn.count >= 3, "each withdrawal is recorded with its command: \(withdrawn)")
        #expect(withdrawn.contains { $0.1["command"]?.stringValue == "touch \(home)/after-ctrl-c" && $0.1["n"] != nil }, "\(withdrawn)")
    }

    @Test(.enabled(if: sshAvailable))
    func aCtrlCThatComesWithTheEnterWithdrawsBeforeTheHold() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await alice.waitFor("secure:"), "\(alice.output) \(alice.errorOutput)")
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("alice on secure"), "\(bob.output)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"))
        let sid = try #require(await gw.hub.list().first?.id)
        let mark = alice.output.count
        let b = bob.output.count
        // One write: the Enter and the Ctrl-C reach the gateway together, before any hold exists.
        alice.send("cat /etc/shadow\r\u{03}")
        #expect(await alice.waitFor("withdrawn", after: mark, timeout: 10), "\(alice.output)")
        #expect(await bob.waitFor("withdrawn", after: b, timeout: 10), "the escort is told: \(bob.output)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(await gw.hub.summary(sid)?.held == nil, "a hold stayed after the withdrawal")
        alice.send("exit\r")
        _ = await alice.waitForExit()
        bob.send("quit\r")
        _ = await bob.waitForExit()
        let events = try await gw.events()
        #expect(!events.contains { $0.0 == AuditEventCode.commandForwarded.code && ($0.1["command"]?.stringValue ?? "").contains("shadow") }, "\(events.map(\.0))")
        #expect(events.contains { $0.0 == AuditEventCode.commandRefused.code && ($0.1["reason"]?.stringValue ?? "").contains("withdrawn") }, "\(events)")
    }

    /// The hub keeps a withdrawal that comes before its hold, for that submission only.
    @Test func aWithdrawalBeforeTheHoldIsKeptForItsSubmissionOnly() async throws {
        let hub = ModerationHub()
        let user = GatewayUser(name: "alice", displayName: "Alice", roles: [.engineer], profile: "")
        await hub.register(SessionSummary(id: "s", engineer: user, target: "t", impactLevel: "IL5", mode: .escorted,
                                          started: Date(), escorts: [], paused: false, held: nil), control: WayOutControl())
        let analysis = try Analyser.bundled().get().analyse("cat /etc/shadow")
        await hub.withdraw(session: "s", submission: 1)
        #expect(await hub.hold(session: "s", command: "cat /etc/shadow", analysis: analysis, ruling: .hold, reasons: [], submission: 1) == .withdrawn)
        // The next submission is not touched by it.
        let next = Task { await hub.hold(session: "s", command: "cat /etc/shadow", analysis: analysis, ruling: .hold, reasons: [], submission: 2) }
        for _ in 0..<200 where await hub.summary("s")?.held == nil { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await hub.summary("s")?.held != nil, "submission 2 is held")
        // A wait for an escort ends when its submission is withdrawn.
        let waiting = Task { await hub.awaitRunnable("s", submission: 3) }
        try await Task.sleep(for: .milliseconds(50))
        await hub.withdraw(session: "s", submission: 3)
        #expect(await waiting.value == false)
        #expect(await hub.summary("s")?.held != nil, "withdrawing submission 3 does not touch 2's hold")
        await hub.withdraw(session: "s", submission: 2)
        #expect(await next.value == .withdrawn)
        await hub.unregister("s", reason: "test over")
    }
}

struct WayOutControl: SessionControl {
    func terminate(by: String, reason: String) async {}
    func notify(_ message: String) async {}
}
