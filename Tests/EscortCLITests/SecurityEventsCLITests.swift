#if canImport(Glibc)
import Glibc
#endif
import EscortCore
import EscortTesting
import Foundation
import Testing

/// Security events reach the operations log (warning or above) and the metrics, and engineers
/// are told what is wrong without the networking library's words or the gateway's paths: the
/// real binary, the stock OpenSSH client, a real sshd as the target.
@Suite("escort serve security events", .serialized)
struct SecurityEventsCLITests {
    static let available = ServeOperationsTests.available && SSHDaemon.available

    typealias Gateway = ServeOperationsTests.Gateway

    /// The log lines of `event` from `escort.security`.
    static func securityLines(_ g: Gateway, _ event: String) -> [[String: JSONValue]] {
        g.process!.errorOutput.split(separator: "\n").compactMap { line -> [String: JSONValue]? in
            guard let o = try? JSONParser.parse(Array(line.utf8)).objectValue,
                  o["label"]?.stringValue == "escort.security", o["event"]?.stringValue == event else { return nil }
            return o
        }
    }

    @Test(.enabled(if: available))
    func targetProblemsAndRefusalsAreLoggedCountedAndToldPlainly() async throws {
        let g = try await Gateway.seeded()
        let keys = g.dir.file("target_ed25519")
        let sshd = try await SSHDaemon(authorizedKey: try SSHTestKeys.make(keys))
        defer { sshd.stop() }
        let impostor = try SSHTestKeys.make(g.dir.file("impostor"))
        let escort = BuiltProduct.path("escort")!
        func add(_ name: String, port: Int, key: String, pin: String) async throws {
            let r = try await ChildProcess.run(escort, [
                "target", "add", "--store", g.dir.file("escort.sqlite"), "--name", name, "--impact-level", "IL4", "--owner", "ops",
                "--ssh-host", "127.0.0.1", "--ssh-port", "\(port)", "--ssh-user", sshd.user, "--ssh-key", key, "--ssh-host-key", pin,
            ])
            guard r.status == 0 else { throw TestSetupError("target add \(name): \(r.stderr)") }
            let t = try await ChildProcess.run(escort, [
                "ticket", "grant", "--store", g.dir.file("escort.sqlite"), "--person", "alice", "--target", name, "--hours", "24",
                "--reason", "CHG-1", "--by", "ada",
            ])
            guard t.status == 0 else { throw TestSetupError("ticket grant \(name): \(t.stderr)") }
        }
        try await add("db-impostor", port: sshd.port, key: keys, pin: impostor)
        let lost = g.dir.file("lost_ed25519")
        _ = try SSHTestKeys.make(lost)
        try await add("db-nokey", port: sshd.port, key: lost, pin: sshd.hostKey)
        try FileManager.default.removeItem(atPath: lost)
        var held: ServeStartupCLITests.HeldPort? = try ServeStartupCLITests.HeldPort()
        let downPort = held!.port
        held = nil // nothing listens there now
        _ = held
        try await add("db-down", port: downPort, key: keys, pin: sshd.hostKey)
        // A target that accepts the connection and never speaks SSH.
        let silent = try ServeStartupCLITests.HeldPort()
        try await add("db-silent", port: silent.port, key: keys, pin: sshd.hostKey)

        try g.writeConfig()
        try await g.start()

        // Every counter an alert watches is there from the start, at zero.
        let (_, first) = try await g.get("/metrics")
        #expect(first.contains(#"escort_security_events_total{event="credential_unreadable"} 1"#), "the lost key is said at start")
        for series in [#"escort_security_events_total{event="host_key_mismatch"} 0"#, #"escort_security_events_total{event="node_declared_dead"} 0"#,
                       #"escort_access_refused_total{reason="unknown_key"} 0"#, #"escort_store_errors_total{operation="audit_write"} 0"#,
                       #"escort_commands_total{decision="refused",risk="critical"} 0"#] {
            #expect(first.contains(series), "\(series) missing from \(first)")
        }

        // A target presenting another host key: the engineer is told which key it presented.
        let mismatch = try g.ssh("alice+db-impostor", key: "alice", ["--", "echo never"])
        #expect(await mismatch.waitForExit() != 0)
        let presented = try await ChildProcess.run("/usr/bin/ssh-keygen", ["-lf", "/dev/stdin"], input: Data((sshd.hostKey + "\n").utf8))
        let fingerprint = String(presented.stdout.split(separator: " ")[1])
        #expect(fingerprint.hasPrefix("SHA256:"))
        #expect(mismatch.errorOutput.contains("it presented \(fingerprint)"), "\(mismatch.errorOutput)")
        #expect(!mismatch.output.contains("never"))
        #expect(try await g.metric(#"escort_security_events_total{event="host_key_mismatch"}"#) == 1)

        // The gateway's own key for a target is gone: no path is shown to the engineer.
        let nokey = try g.ssh("alice+db-nokey", key: "alice", ["--", "echo never"])
        #expect(await nokey.waitForExit() != 0)
        #expect(nokey.errorOutput.contains("cannot use its credential"), "\(nokey.errorOutput)")
        #expect(!nokey.errorOutput.contains(lost) && !nokey.errorOutput.contains("lost_ed25519"), "\(nokey.errorOutput)")
        #expect(try await g.metric(#"escort_security_events_total{event="credential_unreadable"}"#) == 2)

        // A target that does not answer: no networking library's error reaches the engineer.
        let down = try g.ssh("alice+db-down", key: "alice", ["--", "echo never"])
        #expect(await down.waitForExit() != 0)
        #expect(down.errorOutput.contains("Target db-down is unavailable: the gateway could not reach it"), "\(down.errorOutput)")
        for word in ["NIO", "connect(descriptor", "errno", "Connection refused", "127.0.0.1:\(downPort)"] {
            #expect(!down.errorOutput.contains(word), "\(word) shown: \(down.errorOutput)")
        }
        #expect(try await g.metric(#"escort_security_events_total{event="target_unreachable"}"#) == 1)

        // One that never answers does not hold the engineer for ever (15 s to show a host key).
        let clock = ContinuousClock.now
        let hung = try g.ssh("alice+db-silent", key: "alice", ["--", "echo never"])
        #expect(await hung.waitForExit(timeout: 45) == 1, "\(hung.errorOutput)")
        #expect(ContinuousClock.now - clock < .seconds(40))
        #expect(hung.errorOutput.contains("Target db-silent is unavailable: the gateway could not reach it"), "\(hung.errorOutput)")
        #expect(try await g.metric(#"escort_security_events_total{event="target_unreachable"}"#) == 2)
        withExtendedLifetime(silent) {}

        // A key registered to nobody: refused, with its reason code.
        _ = try SSHTestKeys.make(g.dir.file("keys/stranger"))
        let stranger = try g.ssh("alice+app-il4", key: "stranger", ["--", "echo never"])
        #expect(await stranger.waitForExit() == 255)
        #expect(try await g.metric(#"escort_access_refused_total{reason="unknown_key"}"#) >= 1)

        #expect(await g.stop() == 0)
        let hostKey = try #require(Self.securityLines(g, "host_key_mismatch").first)
        #expect(hostKey["level"]?.stringValue == "error")
        #expect(hostKey["presented"]?.stringValue == fingerprint && hostKey["target"]?.stringValue == "db-impostor", "\(hostKey)")
        // Said at start (before anyone tried the target), and again when a session failed on it.
        let unreadable = Self.securityLines(g, "credential_unreadable")
        #expect(unreadable.first?["stage"]?.stringValue == "start" && unreadable.first?["path"]?.stringValue == lost, "\(unreadable)")
        #expect(unreadable.last?["error"]?.stringValue?.contains(lost) == true, "operators see the path")
        #expect(Self.securityLines(g, "target_unreachable").first?["level"]?.stringValue == "warning")
        let refused = try #require(Self.securityLines(g, "access_refused").first(where: { $0["reason"]?.stringValue == "unknown_key" }))
        #expect(refused["level"]?.stringValue == "warning" && refused["person"]?.stringValue == "alice", "\(refused)")
    }
}
