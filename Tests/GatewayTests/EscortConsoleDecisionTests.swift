import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import ShellAnalysis
import Testing

/// The escort's SSH console over the stock OpenSSH client: `approve` names the hold it approves,
/// a high-risk hold needs `confirm N` as well, and a disguised command is shown for what it is.
@Suite(.serialized)
struct EscortConsoleDecisionTests {
    static let sshAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    @Test(.enabled(if: sshAvailable))
    func approveNamesTheHoldAndAHighRiskOneNeedsAConfirmation() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await alice.waitFor("secure:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("alice on secure"), "console: \(bob.output) \(bob.errorOutput)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"))

        let mark = alice.output.count
        alice.send("cat /etc/shadow\r")
        #expect(await bob.waitFor("Type: approve 1   then   confirm 1"), "\(bob.output)")
        var b = bob.output.count
        bob.send("approve\r")
        #expect(await bob.waitFor("Approve which command?", after: b), "\(bob.output)")
        b = bob.output.count
        bob.send("approve 2\r")
        #expect(await bob.waitFor("The command changed: read it again", after: b), "\(bob.output)")
        b = bob.output.count
        bob.send("confirm 1\r")
        #expect(await bob.waitFor("Nothing to confirm", after: b), "\(bob.output)")
        b = bob.output.count
        bob.send("approve 1\r")
        #expect(await bob.waitFor("type: confirm 1", after: b), "\(bob.output)")
        #expect(await !alice.waitFor("approved by bob", after: mark, timeout: 1), "one step approved a high-risk command")
        bob.send("confirm 1\r")
        #expect(await alice.waitFor("approved by bob", after: mark), "\(alice.output)")

        // A disguised command: the right-to-left override and the Cyrillic letter are named.
        let mark2 = alice.output.count
        b = bob.output.count
        alice.send("cat /etc/shadow \u{202E}hs.yolped \u{0441}at\r")
        #expect(await alice.waitFor("held for an escort", after: mark2), "\(alice.output)")
        #expect(await bob.waitFor("right-to-left override", after: b), "\(bob.output)")
        #expect(await bob.waitFor("mixes Latin and Cyrillic letters", after: b), "\(bob.output)")
        // The card itself (not the engineer's echoed typing, which the console also mirrors).
        let out = bob.output
        let card = out.range(of: "HELD #2", options: .backwards).flatMap { start in
            out.range(of: "Type: approve 2", range: start.upperBound..<out.endIndex).map { String(out[start.lowerBound..<$0.lowerBound]) }
        } ?? ""
        #expect(card.contains("⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩") && card.contains("⟨Cyrillic \u{0441} U+0441⟩"), "\(card)")
        #expect(!card.contains("\u{202E}"), "the raw override reached the card: \(card)")
        bob.send("refuse disguised\r")
        #expect(await alice.waitFor("refused by bob", after: mark2), "\(alice.output)")

        alice.send("exit\r")
        _ = await alice.waitForExit()
        bob.send("quit\r")
        _ = await bob.waitForExit()
        _ = try await gw.audit.checkpoint()
        var actors: [String: [String]] = [:]
        for r in try await gw.store.auditRecords(from: 1, limit: 100_000) {
            let o = try JSONParser.parse(r.body).objectValue ?? [:]
            actors[o["code"]?.stringValue ?? "", default: []].append(o["actor"]?.stringValue ?? "")
        }
        #expect(actors[AuditEventCode.commandApproved.code] == ["bob"], "the escort is the actor of the approval: \(actors)")
        #expect(actors[AuditEventCode.commandRefused.code] == ["bob"], "the escort is the actor of the refusal: \(actors)")
    }

    @Test func disguisedTextIsNamedAndNeverBelowMedium() throws {
        let analyser = try Analyser.bundled().get()
        let cases: [(String, String, String)] = [
            ("echo \u{202E}hs.yolped", "right-to-left override", "⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩"),
            ("\u{0441}at notes.txt", "Cyrillic", "⟨Cyrillic \u{0441} U+0441⟩"),
            ("ls\u{200B} -l", "zero-width", "⟨U+200B ZERO WIDTH SPACE⟩"),
            ("echo hi\u{1B}[2K\rls", "control characters", "⟨ESC⟩"),
            ("echo \u{9B}31m", "control characters", "⟨CSI⟩"),
        ]
        for (command, warning, shown) in cases {
            let d = DisguisedText(command)
            #expect(d.warnings.contains { $0.contains(warning) }, "\(command.debugDescription): \(d.warnings)")
            #expect(d.visible.contains(shown), "\(command.debugDescription): \(d.visible)")
            #expect(analyser.analyse(command).risk >= .medium, "\(command.debugDescription)")
        }
        #expect(DisguisedText("c\u{0430}t /etc/passwd").warnings.contains { $0.contains("mixes Latin and Cyrillic letters") })
        #expect(!DisguisedText("ls -l\n\techo ok").isDisguised)
        #expect(!DisguisedText("echo café").isDisguised)
    }
}
