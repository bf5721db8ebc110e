#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// Two gateway processes on one PostgreSQL database: the engineer on one, the escort on the other
/// (both with the stock OpenSSH client). The command held on the first is shown to the escort on
/// the second, approved there, applied once by the first, and the one audit log verifies.
@Suite(.serialized)
struct ClusterEndToEndTests {
    static let available = BuiltProduct.path("escort") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    @Test(.enabled(if: available))
    func aCommandHeldOnOneGatewayIsApprovedByAnEscortOnTheOther() async throws {
        let escort = try #require(BuiltProduct.path("escort"))
        let dir = TemporaryDirectory(prefix: "escort-cluster")
        let db = try await PostgresServer.shared().freshDatabase()
        let store = "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)"
        let environment = ["ESCORT_STORE_PASSWORD": db.password]
        func run(_ args: [String]) async throws -> ProcessResult {
            try await ChildProcess.run(escort, args, currentDirectory: dir.path, environment: environment)
        }
        #expect(try await run(["audit", "key", "new", "--out", "gateway.key"]).status == 0)
        for (name, role) in [("alice", "engineer"), ("bob", "escort")] {
            let key = try SSHTestKeys.make(dir.file(name))
            let added = try await run(["person", "add", "--store", store, "--signing-key", "gateway.key", "--name", name, "--display-name", name.capitalized, "--employer", "Acme",
                                       "--contractor", "Prime Co", "--citizenship", "US", "--residence", "US", "--location", "US",
                                       "--clearance", "secret", "--role", role, "--key", key, "--training-expires", "2099-01-01"])
            #expect(added.status == 0, "\(added.stderr)")
        }
        let target = try await run(["target", "add", "--store", store, "--signing-key", "gateway.key", "--name", "web", "--impact-level", "IL2", "--owner", "ops", "--local"])
        #expect(target.status == 0, "\(target.stderr)")

        func node(_ name: String) async throws -> (InteractiveProcess, Int) {
            let serve = try InteractiveProcess(escort, [
                "serve", "--store", store, "--port", "0", "--signing-key", dir.file("gateway.key"),
                "--host-key", dir.file("host-\(name).key"), "--recordings", dir.file("recordings-\(name)"), "--local-home", dir.file("targets"),
                "--heartbeat-seconds", "1",
            ], environment: environment)
            return (serve, try await gatewayPort(serve, "gateway \(name)"))
        }
        let (nodeA, portA) = try await node("a")
        let (nodeB, portB) = try await node("b")

        let alice = try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: dir.file("alice"), port: portA, login: "alice+web", tty: true))
        #expect(await alice.waitFor("web:"), "\(alice.output) \(alice.errorOutput)")
        alice.send("echo before-$((20+22))\r")
        #expect(await alice.waitFor("before-42"))
        let mark = alice.output.count
        alice.send("head -c 0 /etc/shadow; echo after-$((40+2))\r")
        #expect(await alice.waitFor("held for", after: mark), "\(alice.output)")

        // The escort connects to the other gateway, finds the session there and attaches.
        let bob = try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: dir.file("bob"), port: portB, login: "bob", tty: true))
        var listed = false
        for _ in 0..<20 {
            if await bob.waitFor("alice on web", timeout: 1) { listed = true; break }
            bob.send("list\r")
        }
        #expect(listed, "gateway b never listed alice's session: \(bob.output)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"), "\(bob.output)")
        #expect(await alice.waitFor("joined through gateway node"), "\(alice.output)")
        // The held command's card reaches the escort on gateway b.
        #expect(await bob.waitFor("/etc/shadow"), "\(bob.output)")
        #expect(await bob.approveHeld())
        #expect(await alice.waitFor("approved by bob", after: mark), "\(alice.output)")
        #expect(await alice.waitFor("after-42", after: mark), "\(alice.output)")
        // The engineer's output reaches the escort on the other gateway.
        #expect(await bob.waitFor("after-42"), "\(bob.output)")

        alice.send("exit\r")
        #expect(await alice.waitForExit() != nil)
        bob.send("quit\r")
        _ = await bob.waitForExit()
        for n in [nodeA, nodeB] {
            kill(n.pid, SIGTERM)
            #expect(await n.waitForExit(timeout: 30) == 0, "\(n.errorOutput)")
        }

        let export = try await run(["audit", "export", "--db", store])
        #expect(export.status == 0, "\(export.stderr)")
        let records = export.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["record"] as? [String: Any]
        }
        // The held command, approved once, by bob, and forwarded once.
        func fields(_ code: String) -> [[String: Any]] {
            records.filter { $0["code"] as? String == code }.compactMap { $0["fields"] as? [String: Any] }
        }
        #expect(fields("ESC-2003").contains { ($0["command"] as? String)?.contains("/etc/shadow") == true }, "no command.held")
        let approvals = fields("ESC-2004")
        #expect(approvals.count == 1, "\(approvals)")
        #expect(approvals.first?["approved_by"] as? [String] == ["bob"], "\(approvals)")
        #expect(fields("ESC-2006").filter { ($0["command"] as? String)?.contains("/etc/shadow") == true }.count == 1, "not forwarded exactly once")
        let verify = try await run(["audit", "verify", "--db", store, "--key", dir.file("gateway.key.pub")])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
