#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// RFC 3161 timestamps on checkpoints, with `openssl ts` playing the time-stamping authority.
@Suite("escort audit timestamp")
struct TimestampCLITests {
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") && BuiltProduct.path("escort") != nil

    /// A CA and a TSA certificate it issued (EKU timeStamping), and the openssl config to answer requests.
    static func makeTSA(_ dir: TemporaryDirectory, _ name: String) async throws -> (ca: String, command: String) {
        func ssl(_ args: [String]) async throws {
            let r = try await ChildProcess.run("/usr/bin/openssl", args, currentDirectory: dir.path)
            guard r.status == 0 else { throw TestSetupError("openssl \(args.joined(separator: " ")): \(r.stderr)") }
        }
        let p = dir.file(name)
        try await ssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(p)-ca.key"])
        try await ssl(["req", "-x509", "-new", "-key", "\(p)-ca.key", "-subj", "/CN=\(name) CA", "-days", "2", "-out", "\(p)-ca.pem",
                       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"])
        try await ssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(p)-tsa.key"])
        try await ssl(["req", "-new", "-key", "\(p)-tsa.key", "-subj", "/CN=\(name) TSA", "-out", "\(p)-tsa.csr"])
        try "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n"
            .write(toFile: "\(p)-ext.cnf", atomically: true, encoding: .utf8)
        try await ssl(["x509", "-req", "-in", "\(p)-tsa.csr", "-CA", "\(p)-ca.pem", "-CAkey", "\(p)-ca.key", "-CAcreateserial", "-days", "2",
                       "-out", "\(p)-tsa.pem", "-extfile", "\(p)-ext.cnf"])
        try "01\n".write(toFile: "\(p)-serial", atomically: true, encoding: .utf8)
        try """
            [ tsa ]
            default_tsa = tsa_config1
            [ tsa_config1 ]
            serial = \(p)-serial
            signer_cert = \(p)-tsa.pem
            certs = \(p)-tsa.pem
            signer_key = \(p)-tsa.key
            signer_digest = sha256
            default_policy = 1.2.3.4.1
            digests = sha256
            accuracy = secs:1
            ordering = no
            tsa_name = no
            ess_cert_id_chain = no
            ess_cert_id_alg = sha256

            """.write(toFile: "\(p)-tsa.cnf", atomically: true, encoding: .utf8)
        return ("\(p)-ca.pem", "/usr/bin/openssl ts -reply -config \(p)-tsa.cnf -queryfile /dev/stdin -out /dev/stdout 2>/dev/null")
    }

    @Test(.enabled(if: available))
    func aCheckpointIsTimestampedAndVerifiedAgainstTheTSA() async throws {
        let cli = RegistryCLI()
        #expect(try await cli.addPerson("alice").status == 0)
        let tsa = try await Self.makeTSA(cli.dir, "good")
        let stamped = try await cli.run(["audit", "timestamp", "--store", "escort.sqlite", "--tsa-command", tsa.command])
        #expect(stamped.status == 0, "\(stamped.stdout) \(stamped.stderr)")
        #expect(stamped.stdout.contains("Timestamped the checkpoint at"), "\(stamped.stdout)")

        let verified = try await cli.run(["audit", "verify", "--store", "escort.sqlite", "--key", "gateway.key.pub", "--tsa-cert", tsa.ca])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(verified.stdout.contains("Timestamp: the checkpoint at") && verified.stdout.contains("verified against \(tsa.ca)"), "\(verified.stdout)")
        // Without the CA the imprint is still checked, and the output says what was not.
        let imprintOnly = try await cli.run(["audit", "verify", "--store", "escort.sqlite", "--key", "gateway.key.pub"])
        #expect(imprintOnly.status == 0 && imprintOnly.stdout.contains("imprint checked"), "\(imprintOnly.stdout) \(imprintOnly.stderr)")

        // A token from a TSA the auditor's CA does not vouch for fails, naming its record.
        let other = try await Self.makeTSA(cli.dir, "rogue")
        #expect(try await cli.run(["audit", "timestamp", "--store", "escort.sqlite", "--tsa-command", other.command]).status == 0)
        let rogue = try await cli.run(["audit", "verify", "--store", "escort.sqlite", "--key", "gateway.key.pub", "--tsa-cert", tsa.ca])
        #expect(rogue.status == 1, "\(rogue.stdout) \(rogue.stderr)")
        #expect(rogue.stderr.contains("FAILED timestamp (record") && rogue.stderr.contains("AUDIT-012") && rogue.stderr.contains("does not verify"), "\(rogue.stderr)")
    }

    @Test(.enabled(if: available))
    func aTokenForAnotherImprintIsRefused() async throws {
        let cli = RegistryCLI()
        #expect(try await cli.addPerson("alice").status == 0)
        let tsa = try await Self.makeTSA(cli.dir, "good")
        // A TSA that answers a different request than the one sent (another digest).
        let other = cli.dir.file("other.tsq")
        let q = try await ChildProcess.run("/usr/bin/openssl", ["ts", "-query", "-digest", String(repeating: "ab", count: 32), "-sha256", "-cert", "-out", other])
        #expect(q.status == 0, "\(q.stderr)")
        let swapped = tsa.command.replacingOccurrences(of: "-queryfile /dev/stdin", with: "-queryfile \(other)")
        let r = try await cli.run(["audit", "timestamp", "--store", "escort.sqlite", "--tsa-command", "cat >/dev/null; " + swapped])
        #expect(r.status == 2, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("AUDIT-012") && r.stderr.contains("not the checkpoint's"), "\(r.stderr)")
        // Nothing was recorded: a verification asking for a timestamp finds none.
        let v = try await cli.run(["audit", "verify", "--store", "escort.sqlite", "--key", "gateway.key.pub", "--tsa-cert", tsa.ca])
        #expect(v.status == 1 && v.stderr.contains("holds no timestamp token"), "\(v.stdout) \(v.stderr)")
    }

    /// `--tsa URL`: the request POSTed over HTTP (curl) to a small server that answers with
    /// `openssl ts -reply`, as a TSA on the network would.
    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
        && (FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/python3"))))
    func aTSAOverHTTPTimestampsTheCheckpoint() async throws {
        let cli = RegistryCLI()
        #expect(try await cli.addPerson("alice").status == 0)
        let tsa = try await Self.makeTSA(cli.dir, "http")
        try """
            import http.server, subprocess, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers["Content-Length"]))
                    ok = self.headers.get("Content-Type") == "application/timestamp-query"
                    out = subprocess.run(["/bin/sh", "-c", sys.argv[1]], input=body, capture_output=True).stdout if ok else b""
                    self.send_response(200 if ok else 415)
                    self.send_header("Content-Type", "application/timestamp-reply")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                def log_message(self, *a): pass
            s = http.server.HTTPServer(("127.0.0.1", 0), H)
            print(s.server_address[1], flush=True)
            s.serve_forever()
            """.write(toFile: cli.dir.file("tsa.py"), atomically: true, encoding: .utf8)
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "/usr/local/bin/python3"
        let server = try InteractiveProcess(python, [cli.dir.file("tsa.py"), tsa.command])
        defer { kill(server.pid, SIGKILL) }
        #expect(await server.waitFor("\n", timeout: 30), "\(server.errorOutput)")
        let port = try #require(Int(server.output.trimmingCharacters(in: .whitespacesAndNewlines)))
        let stamped = try await cli.run(["audit", "timestamp", "--store", "escort.sqlite", "--tsa", "http://127.0.0.1:\(port)/"])
        #expect(stamped.status == 0, "\(stamped.stdout) \(stamped.stderr)")
        let verified = try await cli.run(["audit", "verify", "--store", "escort.sqlite", "--key", "gateway.key.pub", "--tsa-cert", tsa.ca])
        #expect(verified.status == 0 && verified.stdout.contains("timestamped by http://127.0.0.1:\(port)/"), "\(verified.stdout) \(verified.stderr)")
        // A TSA that cannot be reached is an error naming it, and nothing is recorded.
        kill(server.pid, SIGKILL)
        _ = await server.waitForExit(timeout: 10)
        let down = try await cli.run(["audit", "timestamp", "--store", "escort.sqlite", "--tsa", "http://127.0.0.1:\(port)/"])
        #expect(down.status == 2 && down.stderr.contains("AUDIT-012: the TSA did not answer"), "\(down.status) \(down.stdout) \(down.stderr)")
    }
}
