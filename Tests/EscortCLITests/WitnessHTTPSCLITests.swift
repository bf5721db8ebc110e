#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// A witness over the console's HTTPS listener of a real running gateway: it cosigns the newest
/// checkpoint, then only consistent extensions, and reports a fork when another log signed with
/// the same key is served.
@Suite(.serialized)
struct WitnessHTTPSCLITests {
    static let available = BuiltProduct.path("escort") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

    /// `escort serve` with the console on HTTPS; returns the process and the console's URL.
    static func serve(_ cli: RegistryCLI, store: String, tag: String) async throws -> (InteractiveProcess, String) {
        let escort = try #require(cli.escort)
        let p = try InteractiveProcess(escort, [
            "serve", "--store", store, "--port", "0", "--signing-key", cli.dir.file("gateway.key"), "--host-key", cli.dir.file("host.key"),
            "--recordings", cli.dir.file("recordings-\(tag)"), "--local-home", cli.dir.file("targets"),
            "--web-port", "0", "--web-cert", cli.dir.file("cert.pem"), "--web-key", cli.dir.file("key.pem"),
        ])
        guard await p.waitFor("Escort gateway listening on", timeout: 60),
            let range = p.output.range(of: #"https://127\.0\.0\.1:\d+"#, options: .regularExpression)
        else { throw TestSetupError("serve did not start: \(p.output) \(p.errorOutput)") }
        return (p, String(p.output[range]))
    }

    @Test(.enabled(if: available))
    func aWitnessOverHTTPSCosignsExtensionsAndReportsAFork() async throws {
        let cli = RegistryCLI()
        let made = try await ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", cli.dir.file("key.pem"),
            "-out", cli.dir.file("cert.pem"), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try await cli.addPerson("alice").status == 0)
        let witness = ["audit", "witness", "--key", "gateway.key.pub", "--url-ca", cli.dir.file("cert.pem"),
                       "--witness-key", "witness.key", "--state", "witness.state", "-o", "witness.cosignatures"]

        let (gateway, url) = try await Self.serve(cli, store: cli.dir.file("escort.sqlite"), tag: "a")
        // The endpoints answer without signing in; a witness that does not trust the certificate gets nothing.
        let plain = try await ChildProcess.run("/usr/bin/curl", ["-sS", "--fail", url + "/audit/checkpoint"])
        #expect(plain.status != 0, "an untrusted certificate was accepted: \(plain.stdout)")
        let first = try await cli.run(witness + ["--url", url])
        #expect(first.status == 0 && first.stdout.contains("the first this witness holds"), "\(first.stdout) \(first.stderr)")
        #expect(try await cli.addPerson("bob").status == 0)
        let second = try await cli.run(witness + ["--url", url])
        #expect(second.status == 0 && second.stdout.contains("consistent with the one held at"), "\(second.stdout) \(second.stderr)")
        let again = try await cli.run(witness + ["--url", url])
        #expect(again.status == 0 && again.stdout.contains("Nothing new"), "\(again.stdout) \(again.stderr)")
        let bad = try await ChildProcess.run("/usr/bin/curl", ["-sS", "--cacert", cli.dir.file("cert.pem"), url + "/audit/consistency?from=x"])
        #expect(bad.stdout.contains("from=N"), "\(bad.stdout)")
        kill(gateway.pid, SIGTERM)
        #expect(await gateway.waitForExit(timeout: 30) == 0, "\(gateway.errorOutput)")
        // The cosignatures the witness kept are accepted by verify.
        let verified = try await cli.run(["audit", "verify", "--key", "gateway.key.pub", "--witness", "witness.cosignatures"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")

        // Another log signed with the same key (someone holding the key replays a different
        // history): the witness refuses it as a fork and keeps what it held.
        let forkStore = cli.dir.file("fork.sqlite")
        try FileManager.default.removeItem(atPath: cli.dir.file("gateway.key.checkpoint"))
        for name in ["carol", "dave", "erin", "frank", "grace", "heidi"] {
            #expect(try await cli.addPerson(name, extra: ["--store", forkStore, "--signing-key", "gateway.key"]).status == 0)
        }
        let (forked, forkURL) = try await Self.serve(cli, store: forkStore, tag: "b")
        let fork = try await cli.run(witness + ["--url", forkURL])
        #expect(fork.status == 1, "\(fork.stdout) \(fork.stderr)")
        #expect(fork.stderr.contains("FORK") && fork.stderr.contains("nothing cosigned"), "\(fork.stderr)")
        kill(forked.pid, SIGTERM)
        _ = await forked.waitForExit(timeout: 30)
    }
}
