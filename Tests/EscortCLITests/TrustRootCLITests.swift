#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// A two-node cluster on PostgreSQL, each node with its own signing key, verified with one trust
/// root; a checkpoint signed by a key the root never certified is named by verify. Real parts:
/// the built `escort`, PostgreSQL, two `escort serve` processes, the stock OpenSSH client.
@Suite(.serialized)
struct TrustRootCLITests {
    static let available = BuiltProduct.path("escort") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    @Test(.enabled(if: available))
    func aTwoNodeClusterVerifiesWithOneTrustRootAndAnUncertifiedSignerIsNamed() async throws {
        let escort = try #require(BuiltProduct.path("escort"))
        let dir = TemporaryDirectory(prefix: "escort-trust")
        let db = try await PostgresServer.shared().freshDatabase()
        let store = "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)"
        let environment = ["ESCORT_STORE_PASSWORD": db.password]
        func run(_ args: [String]) async throws -> ProcessResult {
            try await ChildProcess.run(escort, args, currentDirectory: dir.path, environment: environment)
        }
        func ok(_ args: [String]) async throws -> ProcessResult {
            let r = try await run(args)
            #expect(r.status == 0, "escort \(args.joined(separator: " ")): \(r.stdout) \(r.stderr)")
            return r
        }

        // The operator's root, and one key per node (plus one nobody certifies).
        let rootMade = try await ok(["audit", "trust", "init", "--out", "root.key"])
        #expect(rootMade.stdout.contains("Keep root.key offline"), "\(rootMade.stdout)")
        for k in ["nodeA", "nodeB", "rogue"] { _ = try await ok(["audit", "key", "new", "--out", "\(k).key"]) }
        #expect(try await run(["audit", "key", "new", "--out", "nodeA.key"]).stderr.contains("already exists"))
        let fingerprint = { (k: String) async throws -> String in
            try await ok(["audit", "key", "fingerprint", "\(k).key.pub"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let nodeB = try await fingerprint("nodeB")
        let rogue = try await fingerprint("rogue")

        // Admin commands on a PostgreSQL store never make a key in their working directory.
        let keyless = try await run(["target", "add", "--store", store, "--name", "web", "--impact-level", "IL2", "--owner", "ops", "--local"])
        #expect(keyless.status != 0)
        #expect(keyless.stderr.contains("AUDIT-006") && keyless.stderr.contains("--signing-key"), "\(keyless.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("gateway.key")))

        // nodeA certified straight into the log; nodeB's certification made offline, then added.
        _ = try await ok(["audit", "trust", "certify", "--root", "root.key", "--node-key", "nodeA.key.pub", "--name", "nodeA",
                          "--not-after", "2099-12-31", "--store", store, "--signing-key", "nodeA.key"])
        _ = try await ok(["audit", "trust", "certify", "--root", "root.key", "--node-key", "nodeB.key.pub", "--name", "nodeB",
                          "--not-after", "2099-12-31", "--out", "nodeB.cert"])
        let forged = dir.file("forged.cert")
        try String(contentsOfFile: dir.file("nodeB.cert"), encoding: .utf8).replacingOccurrences(of: "nodeB", with: "nodeC")
            .write(toFile: forged, atomically: true, encoding: .utf8)
        #expect(try await run(["audit", "trust", "add", forged, "--store", store, "--signing-key", "nodeB.key"]).stderr.contains("not validly signed"))
        _ = try await ok(["audit", "trust", "add", "nodeB.cert", "--trust", "root.key.pub", "--store", store, "--signing-key", "nodeB.key"])

        let key = try SSHTestKeys.make(dir.file("alice"))
        _ = try await ok(["person", "add", "--store", store, "--signing-key", "nodeA.key", "--name", "alice", "--display-name", "Alice",
                          "--employer", "Acme", "--contractor", "Prime Co", "--citizenship", "US", "--residence", "US", "--location", "US",
                          "--clearance", "secret", "--role", "engineer", "--key", key])
        _ = try await ok(["target", "add", "--store", store, "--signing-key", "nodeB.key", "--name", "web", "--impact-level", "IL2", "--owner", "ops", "--local"])

        // Two nodes, each signing with its own key; one session through each.
        func node(_ name: String) async throws -> (InteractiveProcess, Int) {
            let serve = try InteractiveProcess(escort, [
                "serve", "--store", store, "--port", "0", "--signing-key", dir.file("node\(name).key"),
                "--host-key", dir.file("host.key"), "--recordings", dir.file("recordings-\(name)"), "--local-home", dir.file("targets"),
                "--heartbeat-seconds", "1",
            ], environment: environment)
            return (serve, try await gatewayPort(serve, "gateway \(name)"))
        }
        let noHostKey = try await run(["serve", "--show-host-key", "--host-key", "host.key"])
        #expect(noHostKey.status == 78 && noHostKey.stderr.contains("no host key at host.key"), "\(noHostKey.stderr)")
        let (a, portA) = try await node("A")
        let (b, portB) = try await node("B")
        // One host identity for the cluster: `serve --show-host-key` prints the line clients pin,
        // each node logs the same fingerprint at start, and ssh with only that line (strict
        // checking) reaches both nodes.
        let shown = try await ok(["serve", "--show-host-key", "--host-key", "host.key"])
        let lines = shown.stdout.split(separator: "\n").map(String.init)
        let hostFingerprint = try #require(lines.last?.split(separator: " ").first.map(String.init))
        try (lines[0] + "\n").write(toFile: dir.file("host.pub"), atomically: true, encoding: .utf8)
        let keygen = try await ChildProcess.run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", dir.file("host.pub")])
        #expect(keygen.stdout.contains(hostFingerprint), "\(keygen.stdout) vs \(shown.stdout)")
        for n in [a, b] { #expect(n.errorOutput.contains(hostFingerprint), "\(n.errorOutput)") }
        try ("escort-cluster " + lines[0] + "\n").write(toFile: dir.file("known_hosts"), atomically: true, encoding: .utf8)
        let pinned = ["-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(dir.file("known_hosts"))", "-o", "HostKeyAlias=escort-cluster"]
        for (port, word) in [(portA, "via-a"), (portB, "via-b")] {
            let ssh = try InteractiveProcess("/usr/bin/ssh", pinned + SSHTestKeys.clientArguments(key: dir.file("alice"), port: port, login: "alice+web", tty: false) + ["--", "echo \(word)"])
            #expect(await ssh.waitForExit() == 0, "\(ssh.output) \(ssh.errorOutput)")
            #expect(ssh.output.contains(word), "\(ssh.output) \(ssh.errorOutput)")
        }
        for n in [a, b] {
            kill(n.pid, SIGTERM)
            #expect(await n.waitForExit(timeout: 30) == 0, "\(n.errorOutput)")
        }

        // One root verifies the whole log, naming both nodes, and each node's recordings folder.
        let verified = try await ok(["audit", "verify", "--store", store, "--trust", "root.key.pub",
                                     "--recordings", dir.file("recordings-A"), "--recordings", dir.file("recordings-B")])
        #expect(verified.stdout.contains("Signer: nodeA") && verified.stdout.contains("Signer: nodeB (\(nodeB))"), "\(verified.stdout)")
        #expect(verified.stdout.contains("Recordings: 2 checked in 2 folder(s)"), "\(verified.stdout)")
        let oneFolder = try await run(["audit", "verify", "--store", store, "--trust", "root.key.pub", "--recordings", dir.file("recordings-A")])
        #expect(oneFolder.status == 1 && oneFolder.stderr.contains("MISSING recording"), "\(oneFolder.stdout) \(oneFolder.stderr)")
        // A report on the cluster's log checks its evidence against the trust root too.
        let reviewed = try await run(["report", "review", "--all", "--store", store, "--signing-key", "nodeA.key", "--trust", "root.key.pub", "--out", "review.html"])
        #expect(reviewed.status == 0, "\(reviewed.stdout) \(reviewed.stderr)")
        #expect(try String(contentsOfFile: dir.file("review.html"), encoding: .utf8).contains("each signer against the keys the trust root certified"))
        let pinnedReport = try await run(["report", "review", "--all", "--store", store, "--signing-key", "nodeA.key", "--out", "review-pinned.html"])
        #expect(pinnedReport.status == 1, "pinned to nodeA alone, nodeB's checkpoints fail: \(pinnedReport.stderr)")
        // A witness that follows the trust root cosigns the newest checkpoint, whichever node signed it.
        let witness = ["audit", "witness", "--store", store, "--trust", "root.key.pub", "--witness-key", "w.key", "--state", "w.state", "-o", "w.cos"]
        let cosigned = try await run(witness)
        #expect(cosigned.status == 0 && cosigned.stdout.contains("Cosigned the checkpoint at"), "\(cosigned.stdout) \(cosigned.stderr)")
        _ = try await ok(["audit", "verify", "--store", store, "--trust", "root.key.pub", "--witness", "w.cos"])
        // One node's key alone fails at the other node's first checkpoint (the old situation).
        #expect(try await run(["audit", "verify", "--store", store, "--key", "nodeA.key.pub"]).status == 1)

        // A checkpoint signed by a key the root never certified: named, with its key and size.
        let malloryKey = try SSHTestKeys.make(dir.file("mallory"))
        _ = try await ok(["person", "add", "--store", store, "--signing-key", "rogue.key", "--name", "mallory", "--display-name", "Mallory",
                          "--employer", "Acme", "--contractor", "Prime Co", "--citizenship", "US", "--residence", "US", "--location", "US",
                          "--clearance", "secret", "--role", "engineer", "--key", malloryKey])
        let server = try await PostgresServer.shared()
        let sizes = try await server.query("SELECT tree_size FROM audit_checkpoint ORDER BY tree_size", database: db.name)
        let rogueSize = try #require(sizes.last)
        let refused = try await run(witness)
        #expect(refused.status == 1 && refused.stderr.contains("REFUSED: the log does not verify with the trust root"), "\(refused.stdout) \(refused.stderr)")
        let failed = try await run(["audit", "verify", "--store", store, "--trust", "root.key.pub"])
        #expect(failed.status == 1, "\(failed.stdout) \(failed.stderr)")
        #expect(failed.stderr.contains("uncertifiedSigner") && failed.stderr.contains(rogue), "\(failed.stderr)")
        #expect(failed.stderr.contains("FAILED at record \(rogueSize): uncertifiedSigner: the checkpoint at \(rogueSize) records"), "\(failed.stderr) \(sizes)")
    }
}
