import AuditLog
import EscortCore
import EscortTesting
import Foundation
@testable import Gateway
import Testing

/// The bypass classes of "what runs is what was approved", each tried as the engineer would —
/// stock OpenSSH in front, the gateway, and the target's shell under the built escort-agent —
/// with the payload every time: the first line of /etc/shadow into a loot file. Every case would
/// run the payload on the prompt-only gateway.
@Suite(.serialized)
struct AgentMediationTests {
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh") && BuiltProduct.path("escort-agent") != nil

    static func payload(_ loot: String) -> String { "head -1 /etc/shadow > \(loot)" }

    func execCodes(_ gw: GatewayFixture) async throws -> [(String, [String: JSONValue])] {
        try await gw.events().filter { $0.0.hasPrefix("ESC-21") }
    }

    @Test(.enabled(if: available))
    func aProgramPlantedFirstOnPathIsJudgedByWhatItIs() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let loot = gw.targetHome + "/loot-path"
        let planted = gw.targetHome + "/bin"
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true)
        try "#!/bin/sh\n\(Self.payload(loot))\nexec /bin/ls \"$@\"\n".write(toFile: planted + "/ls", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: planted + "/ls")
        let p = try gw.ssh("alice+local", as: "alice", tty: true)
        #expect(await p.waitFor("local:"), "\(p.output) \(p.errorOutput)")
        p.send("PATH=\(planted):$PATH\r")
        #expect(await p.waitFor("local:", after: p.output.count))
        let mark = p.output.count
        p.send("ls\r")
        #expect(await p.waitFor("program start is held", after: mark), "\(p.output)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: loot), "the planted program ran")
        p.send("\u{03}")
        #expect(await p.waitFor("local:", after: mark))
        p.send("exit\r")
        _ = await p.waitForExit()
        #expect(!FileManager.default.fileExists(atPath: loot))
        let held = try await execCodes(gw).filter { $0.0 == AuditEventCode.execHeld.code }
        #expect(held.contains { $0.1["resolved"]?.stringValue?.hasSuffix("/bin/ls") == true && $0.1["n"]?.integerValue != nil }, "\(held)")
    }

    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/bin/less")))
    func aShellEscapeFromAnAllowedPagerIsHeldAndTypeAheadNeverReachesTheShell() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let loot = gw.targetHome + "/loot-less"
        let loot2 = gw.targetHome + "/loot-typeahead"
        let p = try gw.ssh("alice+local", as: "alice", tty: true)
        #expect(await p.waitFor("local:"), "\(p.output) \(p.errorOutput)")
        // less's `!cmd` runs $SHELL -c cmd: a program start the agent stops.
        try String(repeating: "a line of notes\n", count: 200).write(toFile: gw.targetHome + "/notes.txt", atomically: true, encoding: .utf8)
        p.send("less notes.txt\r")
        // Keystrokes reach only a program that has the terminal: wait for the pager's page.
        #expect(await p.waitFor("a line of notes"))
        try await Task.sleep(for: .milliseconds(200))
        let mark = p.output.count
        p.send("!\(Self.payload(loot))\r")
        #expect(await p.waitFor("held", after: mark), "\(p.output.suffix(400))")
        #expect(!FileManager.default.fileExists(atPath: loot))
        p.send("\u{03}")
        #expect(await p.waitFor("press RETURN", after: mark), "\(p.output.suffix(300))")
        p.send("\r")
        try await Task.sleep(for: .milliseconds(500))
        // One paste: less reads the q; the rest would be read by the shell once less exits.
        p.send("q\(Self.payload(loot2))\r")
        try await Task.sleep(for: .milliseconds(800))
        let mark2 = p.output.count
        p.send("echo still-here-$((6*7))\r")
        #expect(await p.waitFor("still-here-42", after: mark2), "\(p.output.suffix(400))")
        p.send("exit\r")
        _ = await p.waitForExit()
        #expect(!FileManager.default.fileExists(atPath: loot), "the pager's shell escape ran")
        #expect(!FileManager.default.fileExists(atPath: loot2), "type-ahead after the pager ran as a command")
        let forwarded = try await gw.events().filter { $0.0 == AuditEventCode.commandForwarded.code }.compactMap { $0.1["command"]?.stringValue }
        #expect(!forwarded.contains { $0.contains("shadow") })
    }

    @Test(.enabled(if: available))
    func aLongLineReachesTheShellWholeAndControlCharactersAreRefused() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let loot = gw.targetHome + "/loot-long"
        // A target terminal keeps 4095 bytes of a line: the quoted string would end early and its
        // tail run. Under the agent the shell reads the command from a pipe, whole.
        let pad = String(repeating: "A", count: 5000)
        let long = try gw.ssh("alice+local", as: "alice", tty: false, command: ["--", ": '\(pad)'\"'; \(Self.payload(loot)); #\"; echo long-ok"])
        #expect(await long.waitForExit() == 0, "\(long.output) \(long.errorOutput)")
        #expect(long.output.contains("long-ok"), "\(long.output.suffix(300)) \(long.errorOutput)")
        // Ctrl-U would erase what the escort read; the gateway refuses control characters.
        let erased = try gw.ssh("alice+local", as: "alice", tty: true, command: ["--", "echo harmless\u{15}\(Self.payload(loot))"])
        _ = await erased.waitForExit()
        #expect((erased.output + erased.errorOutput).contains("control character U+0015"), "\(erased.output) \(erased.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: loot))
        // Writing into the shell's own command pipe (another process's descriptor) is held.
        let inject = try gw.ssh("alice+local", as: "alice", tty: false, command: ["--", "echo '\(Self.payload(loot))' > /proc/$$/fd/254"])
        try await eventually("the injection is held") { inject.errorOutput.contains("held for") }
        inject.terminate()
        #expect(inject.errorOutput.contains("held for"), "\(inject.output) \(inject.errorOutput)")
        // Agentless, a line the terminal would cut is refused instead.
        let agentless = try gw.ssh("alice+plain", as: "alice", tty: false, command: ["--", "echo \(pad)"])
        _ = await agentless.waitForExit()
        #expect((agentless.output + agentless.errorOutput).contains("longer than 4000 bytes"), "\(agentless.errorOutput)")
    }

    @Test(.enabled(if: available))
    func aSpoofedPWDDoesNotChooseTheScriptTheGatewayReads() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let loot = gw.targetHome + "/loot-pwd"
        for (dir, body) in [("real", Self.payload(loot) + "\necho deploying v2\n"), ("decoy", "echo deploying v1\n")] {
            try FileManager.default.createDirectory(atPath: gw.targetHome + "/" + dir, withIntermediateDirectories: true)
            try body.write(toFile: gw.targetHome + "/\(dir)/deploy.sh", atomically: true, encoding: .utf8)
        }
        let p = try gw.ssh("alice+local", as: "alice", tty: true)
        #expect(await p.waitFor("local:"), "\(p.output) \(p.errorOutput)")
        p.send("cd real\r")
        #expect(await p.waitFor("real$", after: 0))
        p.send("PWD=\(gw.targetHome)/decoy\r")
        try await Task.sleep(for: .milliseconds(300))
        let mark = p.output.count
        p.send("bash deploy.sh\r")
        #expect(await p.waitFor("held", after: mark), "\(p.output.suffix(300))")
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: loot))
        p.send("\u{03}")
        #expect(await p.waitFor("withdrawn", after: mark))
        p.send("exit\r")
        _ = await p.waitForExit()
        #expect(!FileManager.default.fileExists(atPath: loot), "the real script ran behind a decoy")
    }

    @Test(.enabled(if: available))
    func theTargetsShellHoldsNoDescriptorOfTheGateway() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        // Another session open at the same time: its terminal must not be reachable from this one.
        let other = try gw.ssh("alice+plain", as: "alice", tty: true)
        #expect(await other.waitFor("plain:"))
        for target in ["local", "plain"] {
            let p = try gw.ssh("alice+\(target)", as: "alice", tty: false, command: ["--", "ls -l /proc/$$/fd | grep -c -e socket -e ptmx -e escort.sqlite; true"])
            #expect(await p.waitForExit() == 0, "\(p.errorOutput)")
            #expect(p.output.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("0"), "\(target): \(p.output)")
        }
        other.terminate()
    }

    @Test(.enabled(if: available))
    func aDisconnectEndsTheSessionAndWithdrawsItsHeldCommand() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let loot = gw.targetHome + "/loot-disconnect"
        let p = try gw.ssh("alice+local", as: "alice", tty: true)
        #expect(await p.waitFor("local:"), "\(p.output) \(p.errorOutput)")
        p.send(Self.payload(loot) + "\r")
        #expect(await p.waitFor("held for"), "\(p.output)")
        p.send("echo typed-ahead > \(loot)\r")
        p.terminate()
        var events: [(String, [String: JSONValue])] = []
        for _ in 0..<100 {
            events = try await gw.events()
            if events.contains(where: { $0.0 == AuditEventCode.sessionEnded.code }),
               events.contains(where: { $0.0 == AuditEventCode.commandRefused.code }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(events.contains { $0.0 == AuditEventCode.sessionEnded.code && $0.1["reason"]?.stringValue == "the engineer disconnected" }, "\(events.map(\.0))")
        #expect(events.contains { $0.0 == AuditEventCode.commandRefused.code && $0.1["reason"]?.stringValue == "withdrawn by the engineer" })
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: loot))
    }

    @Test(.enabled(if: available))
    func killingTheAgentEndsTheSessionAndNothingMoreRuns() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let loot = gw.targetHome + "/loot-killed"
        let p = try gw.ssh("alice+local", as: "alice", tty: true)
        #expect(await p.waitFor("local:"), "\(p.output) \(p.errorOutput)")
        // A background loop that would run the payload once the agent is gone.
        p.send("(sleep 1; \(Self.payload(loot))) &\r")
        try await Task.sleep(for: .milliseconds(300))
        // Only this fixture's agent: other tests' gateways run in this process too.
        let agents = Self.children(named: "escort-agent", arguments: ["--cwd", gw.targetHome])
        #expect(!agents.isEmpty)
        for a in agents { kill(a, SIGKILL) }
        #expect(await p.waitFor("agent stopped"), "\(p.output)")
        #expect(await p.waitForExit() != nil)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(!FileManager.default.fileExists(atPath: loot), "a program started after the agent died")
        let ended = try await gw.events().first { $0.0 == AuditEventCode.sessionEnded.code }
        #expect(ended?.1["reason"]?.stringValue?.hasPrefix("agent lost") == true, "\(String(describing: ended))")
    }

    @Test(.enabled(if: available))
    func anIL5TargetWithoutAnAgentIsRefusedAndSessionsSayHowTheyRan() async throws {
        let gw = try await GatewayFixture(escorted: [])
        defer { Task { await gw.close() } }
        let bare = try gw.ssh("alice+bare", as: "alice", tty: false, command: ["--", "echo ran"])
        #expect(await bare.waitForExit() == 1)
        #expect(bare.errorOutput.contains("require escort-agent"), "\(bare.errorOutput)")
        #expect(!bare.output.contains("ran"))
        let ok = try gw.ssh("alice+secure", as: "alice", tty: false, command: ["--", "echo ran-$((1+1))"])
        #expect(await ok.waitForExit() == 0, "\(ok.errorOutput)")
        #expect(ok.output.contains("ran-2"))
        let started = try await gw.events().filter { $0.0 == AuditEventCode.sessionStarted.code }.compactMap { $0.1["execution"]?.stringValue }
        #expect(started == ["mediated"], "\(started)")
    }

    /// The same path on a real sshd: the gateway starts the built escort-agent over SSH.
    @Test(.enabled(if: available && SSHDaemon.available))
    func onARealSSHDTheAgentMediatesEveryProgramStart() async throws {
        let keys = TemporaryDirectory(prefix: "escort-target-key")
        let targetKey = keys.file("target_ed25519")
        let sshd = try await SSHDaemon(authorizedKey: try SSHTestKeys.make(targetKey))
        defer { sshd.stop() }
        let gw = try await GatewayFixture(escorted: [], sshd: sshd, targetKey: targetKey)
        defer { Task { await gw.close() } }
        let scripts = TemporaryDirectory(prefix: "escort-agent-scripts")
        let loot = scripts.file("loot")
        try "#!/bin/sh\n\(Self.payload(loot))\n".write(toFile: scripts.file("fix_servers.sh"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scripts.file("fix_servers.sh"))
        let p = try gw.ssh("alice+agent", as: "alice", tty: true)
        #expect(await p.waitFor("agent:"), "\(p.output) \(p.errorOutput)")
        p.send("echo user=$(id -un) sum=$((6*7))\r")
        #expect(await p.waitFor("user=\(sshd.user) sum=42"), "\(p.output)")
        // A script written to look harmless, started from inside an allowed command.
        let mark = p.output.count
        p.send("cd \(scripts.path) && find . -name 'fix_*.sh' -exec {} \\;\r")
        #expect(await p.waitFor("program start is held", after: mark), "\(p.output.suffix(300))")
        #expect(!FileManager.default.fileExists(atPath: loot))
        p.send("\u{03}")
        p.send("exit\r")
        _ = await p.waitForExit()
        #expect(!FileManager.default.fileExists(atPath: loot))
        let execs = try await execCodes(gw)
        #expect(execs.contains { $0.0 == AuditEventCode.execAllowed.code && $0.1["resolved"]?.stringValue?.hasSuffix("/id") == true })
        #expect(execs.contains { $0.0 == AuditEventCode.execHeld.code && $0.1["resolved"]?.stringValue?.hasSuffix("fix_servers.sh") == true }, "\(execs)")
    }

    /// Benign work keeps working under mediation in an escorted session: a build's compiler
    /// passes, git's pager and an editor saving a file start programs nobody typed, and none of
    /// them waits for the escort beyond the command he approved. `bash --rcfile` with a hostile
    /// file is held at the shell's exec, before the file's builtins could run.
    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/bin/make") && FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/git") && FileManager.default.isExecutableFile(atPath: "/usr/bin/vim")))
    func benignWorkRunsUnderMediationAndAnRcFileIsJudged() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let home = gw.targetHome
        try FileManager.default.createDirectory(atPath: home + "/proj", withIntermediateDirectories: true)
        try "#include <stdio.h>\nint main(void) { printf(\"built-%d\\n\", 6 * 7); return 0; }\n".write(toFile: home + "/proj/main.c", atomically: true, encoding: .utf8)
        try "hello: main.c\n\tcc -O1 -o hello main.c\n".write(toFile: home + "/proj/Makefile", atomically: true, encoding: .utf8)
        for args in [["init", "-q", home + "/repo"], ["-C", home + "/repo", "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "first-commit-message"]] {
            let git = try InteractiveProcess("/usr/bin/git", args)
            #expect(await git.waitForExit() == 0, "\(git.errorOutput)")
        }
        let loot = home + "/loot-rc"
        try "read -r l < /etc/hostname; echo \"$l\" > \(loot); head -1 /etc/shadow >> \(loot)\n".write(toFile: home + "/notes.cfg", atomically: true, encoding: .utf8)

        let alice = try gw.ssh("alice+secure", as: "alice", tty: true)
        #expect(await alice.waitFor("secure:"), "\(alice.output) \(alice.errorOutput)")
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("alice on secure"), "console: \(bob.output) \(bob.errorOutput)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"))
        var mark = alice.output.count
        var bobMark = bob.output.count
        alice.send("cd proj && make && ./hello\r")
        if await Self.heldBeforeEither(alice, "built-42", after: mark) {
            _ = await bob.approveHeld(after: bobMark)
        }
        #expect(await alice.waitFor("built-42", after: mark), "\(alice.output.suffix(400))")
        #expect(!alice.output[alice.output.index(alice.output.startIndex, offsetBy: mark)...].contains("program start is held"), "\(alice.output.suffix(400))")
        mark = alice.output.count
        bobMark = bob.output.count
        alice.send("cd ../repo && git log --oneline\r")
        if await Self.heldBeforeEither(alice, "first-commit-me", after: mark) {
            _ = await bob.approveHeld(after: bobMark)
        }
        #expect(await alice.waitFor("first-commit-me", after: mark), "\(alice.output.suffix(400))")
        mark = alice.output.count
        alice.send("cd ..\r")
        #expect(await alice.waitFor("target-home$", after: mark), "\(alice.output.suffix(300))")
        mark = alice.output.count
        bobMark = bob.output.count
        alice.send("vi -u NONE -N saved.conf\r")
        // Vim's first screen names the new file; under load either may take a while.
        if await Self.heldBeforeEither(alice, "[New", after: mark) {
            _ = await bob.approveHeld(after: bobMark)
            #expect(await alice.waitFor("[New", after: mark), "\(alice.output.suffix(300))")
        }
        try await Task.sleep(for: .milliseconds(500))
        let beforeSave = alice.output.count
        alice.send("isetting=on\u{1B}:wq\r")
        try await eventually("vim saves the file") {
            (try? String(contentsOfFile: home + "/saved.conf", encoding: .utf8))?.contains("setting=on") == true
        }
        // The shell's prompt again: vim has given the terminal back.
        #expect(await alice.waitFor("target-home$", after: beforeSave), "\(alice.output.suffix(300))")
        mark = alice.output.count
        alice.send("bash --rcfile notes.cfg -i -c true\r")
        #expect(await alice.waitFor("held", after: mark), "\(alice.output.suffix(300))")
        try await Task.sleep(for: .milliseconds(500))
        #expect(!FileManager.default.fileExists(atPath: loot), "the rc file's builtins ran")
        alice.terminate()
        bob.terminate()
    }

    /// The time-of-check-to-time-of-use attack: a second thread rewrites the exec's path between
    /// the agent's reading and the kernel's. The agent checks the new image at the kernel's exec
    /// stop, before its first instruction, and kills a mismatch: /etc/shadow is never printed.
    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") && geteuid() == 0))
    func anArgumentRewrittenByAnotherThreadAfterTheCheckNeverRuns() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let source = gw.targetHome + "/racer.c"
        try Self.racer.write(toFile: source, atomically: true, encoding: .utf8)
        let cc = try InteractiveProcess("/usr/bin/cc", ["-O1", "-pthread", "-o", gw.targetHome + "/racer", source])
        #expect(await cc.waitForExit() == 0, "\(cc.errorOutput)")
        let harmless = gw.targetHome + "/h"
        try "harmless-content\n".write(toFile: harmless, atomically: true, encoding: .utf8)
        let p = try gw.ssh("alice+local", as: "alice", tty: true)
        #expect(await p.waitFor("local:"), "\(p.output) \(p.errorOutput)")
        p.send("./racer \(harmless) 150\r")
        #expect(await p.waitFor("racer done", timeout: 240), "\(p.output.suffix(500))")
        p.send("\u{03}")
        p.send("exit\r")
        _ = await p.waitForExit()
        #expect(!p.output.contains("root:"), "a rewritten argument ran: \(p.output.suffix(500))")
        let execs = try await execCodes(gw)
        let mismatches = execs.filter { $0.0 == AuditEventCode.execMismatch.code }.count
        // Every round's exec was decided: allowed (and perhaps killed as a mismatch), held or refused.
        let decided = execs.filter { $0.0 != AuditEventCode.execMismatch.code && $0.1["argv"]?.arrayValue?.first?.stringValue == "cat" }.count
        #expect(decided >= 100, "decided \(decided), mismatched \(mismatches)")
    }

    static let racer = #"""
/* The time-of-check-to-time-of-use attack on exec mediation: a second thread rewrites the path
   argument between the supervisor's reading of it and the kernel's. Forks `rounds` children; each
   execs /bin/cat on a buffer that flips between a harmless file and /etc/shadow. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64];
static const char *harmless;

static void *flip(void *unused) {
    (void)unused;
    for (;;) {
        memcpy(path, "/etc/shadow", 12);
        memcpy(path, harmless, strlen(harmless) + 1);
    }
    return NULL;
}

int main(int argc, char **argv) {
    harmless = argc > 1 ? argv[1] : "/tmp/xshado";
    int rounds = argc > 2 ? atoi(argv[2]) : 100;
    for (int i = 0; i < rounds; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            memcpy(path, harmless, strlen(harmless) + 1);
            pthread_t t;
            pthread_create(&t, NULL, flip, NULL);
            char *args[] = { "cat", path, NULL };
            alarm(2);
            execv("/bin/cat", args);
            _exit(127);
        }
        int st;
        waitpid(pid, &st, 0);
    }
    printf("racer done\n");
    return 0;
}
"""#

    /// Waits (up to a minute, however loaded the machine) until the command is held for an escort
    /// or has shown `done`; true when it was held first.
    static func heldBeforeEither(_ p: InteractiveProcess, _ done: String, after mark: Int) async -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let tail = String(p.output.dropFirst(mark))
            if tail.contains("held for an escort") { return true }
            if tail.contains(done) { return false }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// Processes of the test (the gateway runs in it) whose executable is `name` and whose
    /// command line contains `arguments`, in order.
    static func children(named name: String, arguments: [String] = []) -> [pid_t] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"), exe.hasSuffix("/" + name),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 1 && Int32(fields[1]) == me else { return false }
            guard !arguments.isEmpty else { return true }
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let argv = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return argv.indices.contains { i in Array(argv[i...].prefix(arguments.count)) == arguments }
        }
    }
}
