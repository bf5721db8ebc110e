#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// `escort serve` refuses to start, with exit status 78 (`EX_CONFIG`, which systemd's unit does
/// not restart), before it has made a store or a key or bound a port: the real binary.
@Suite("escort serve start-up errors")
struct ServeStartupCLITests {
    static let available = BuiltProduct.path("escort") != nil

    /// A port held by this test's own listening socket (closed when the holder is released).
    final class HeldPort {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 1) == 0 else { throw TestSetupError("cannot hold a port: \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(fd) }
    }

    /// One bad start: the extra configuration (TOML tables), files to put beside it, and what
    /// the message must say.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var toml: String
        var files: [String: String] = [:]
        var expected: String
        var testDescription: String { name }
    }

    static let rsaKey: String = {
        // An OpenSSH RSA key: a format the gateway reads, a key type it cannot serve.
        let dir = TemporaryDirectory(prefix: "escort-rsa")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        p.arguments = ["-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", dir.file("rsa")]
        try? p.run()
        p.waitUntilExit()
        return (try? String(contentsOfFile: dir.file("rsa"), encoding: .utf8)) ?? "-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n"
    }()

    static let cases: [Case] = [
        Case(name: "missing host-key folder", toml: "[gateway]\nhost_key = \"keys/host.key\"",
             expected: "escort.toml: gateway.host_key: the folder "),
        Case(name: "missing signing-key folder", toml: "[audit]\nsigning_key = \"keys/gateway.key\"",
             expected: "escort.toml: audit.signing_key: the folder "),
        Case(name: "missing store folder", toml: "[store]\nlocation = \"data/escort.sqlite\"",
             expected: "escort.toml: store.location: the folder "),
        Case(name: "host key not a key", toml: "[gateway]\nhost_key = \"host.key\"", files: ["host.key": "hello\n"],
             expected: "expected 64 hex digits (the Escort format the gateway writes) or an unencrypted OpenSSH Ed25519 or ECDSA private key"),
        Case(name: "OpenSSH RSA host key", toml: "[gateway]\nhost_key = \"host.key\"", files: ["host.key": rsaKey],
             expected: "holds a ssh-rsa key; the gateway can use ed25519 or ECDSA keys"),
        Case(name: "signing key not a key", toml: "", files: ["gateway.key": "not base64!\n"],
             expected: "--signing-key: key file "),
        Case(name: "web and operations on one port", toml: "[web]\nport = 47999\n[operations]\nport = 47999",
             expected: "escort.toml: operations.port: 127.0.0.1:47999 is also escort.toml: web.port"),
    ]

    /// Runs `escort serve --config escort.toml` in `dir` and checks it stopped before making anything.
    static func expectRefused(_ dir: TemporaryDirectory, _ toml: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try toml.write(toFile: dir.file("escort.toml"), atomically: true, encoding: .utf8)
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
        let r = try await ChildProcess.run(BuiltProduct.path("escort")!, ["serve", "--config", "escort.toml"], currentDirectory: dir.path)
        #expect(r.status == 78, "\(r.stdout) \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(expected), "\(r.stderr)", sourceLocation: sourceLocation)
        // Nothing listened (no listener was started) and nothing was made.
        #expect(!r.stdout.contains("listening") && !r.stderr.contains("listening"), "\(r.stdout) \(r.stderr)", sourceLocation: sourceLocation)
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
        #expect(after == before, "made: \(after.subtracting(before).sorted())", sourceLocation: sourceLocation)
    }

    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")), arguments: cases)
    func aBadStartExits78WithNothingMade(_ c: Case) async throws {
        let dir = TemporaryDirectory(prefix: "escort-serve-startup")
        for (name, text) in c.files { try text.write(toFile: dir.file(name), atomically: true, encoding: .utf8) }
        try await Self.expectRefused(dir, "[gateway]\nport = 0\n" + c.toml.replacingOccurrences(of: "[gateway]\n", with: "") + "\n", c.expected)
    }

    /// A port another process holds, for each listener: refused before the store is made (today
    /// the store was made, the SSH port bound, and the process exited 1: a systemd restart loop).
    @Test(.enabled(if: available), arguments: ["gateway", "web", "operations"])
    func aPortInUseExits78BeforeTheStoreIsMade(_ table: String) async throws {
        let dir = TemporaryDirectory(prefix: "escort-serve-startup")
        let held = try HeldPort()
        var ports = ["gateway": "0", "web": "0", "operations": "0"]
        ports[table] = "\(held.port)"
        let toml = ["gateway", "web", "operations"].map { "[\($0)]\nport = \(ports[$0]!)" }.joined(separator: "\n") + "\n"
        try await Self.expectRefused(dir, toml, "escort.toml: \(table).port: cannot listen on 127.0.0.1:\(held.port): the port is already in use")
        withExtendedLifetime(held) {}
    }

    /// A PostgreSQL server that does not answer: 69 (`EX_UNAVAILABLE`, restarted by systemd, so a
    /// gateway that boots before its database comes up by itself), never 78, nothing made.
    @Test(.enabled(if: available))
    func anUnreachableDatabaseExits69() async throws {
        let dir = TemporaryDirectory(prefix: "escort-serve-startup")
        var held: HeldPort? = try HeldPort()
        let port = held!.port
        held = nil // closed: nothing listens there now
        _ = held
        try "[store]\nlocation = \"postgres://escort@127.0.0.1:\(port)/escort\"\npassword_env = \"HOME\"\n[gateway]\nport = 0\n"
            .write(toFile: dir.file("escort.toml"), atomically: true, encoding: .utf8)
        let r = try await ChildProcess.run(BuiltProduct.path("escort")!, ["serve", "--config", "escort.toml"], currentDirectory: dir.path)
        #expect(r.status == 69, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("cannot reach the PostgreSQL server 127.0.0.1:\(port)"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["escort.toml"])
    }

    /// A host key made with OpenSSH's ssh-keygen is served as it is: the key clients see is its
    /// public half.
    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keyscan")))
    func anOpenSSHHostKeyIsServed() async throws {
        let dir = TemporaryDirectory(prefix: "escort-serve-startup")
        let keygen = try await ChildProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", dir.file("host.key")])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let serve = try InteractiveProcess(BuiltProduct.path("escort")!, [
            "serve", "--store", dir.file("escort.sqlite"), "--port", "0", "--host-key", dir.file("host.key"),
        ])
        let port = try await gatewayPort(serve)
        let scan = try await ChildProcess.run("/usr/bin/ssh-keyscan", ["-t", "ed25519", "-p", "\(port)", "127.0.0.1"])
        let published = try String(contentsOfFile: dir.file("host.key.pub"), encoding: .utf8).split(separator: " ")[1]
        #expect(scan.stdout.contains(published), "\(scan.stdout) \(scan.stderr)")
        kill(serve.pid, SIGTERM)
        #expect(await serve.waitForExit(timeout: 30) == 0, "\(serve.errorOutput)")
    }
}
