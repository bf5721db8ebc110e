#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real OpenSSH `sshd` on a loopback port with its own configuration, host key and authorised
/// keys, for the gateway's tests. Accepts only the given public key, for the current user.
public final class SSHDaemon: @unchecked Sendable {
    public let port: Int
    public let user: String
    /// The daemon's host key as an OpenSSH public-key line.
    public let hostKey: String
    let pid: pid_t
    let dir: TemporaryDirectory

    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")
    }

    /// Starts sshd accepting `authorizedKey` (a public-key line) for the current user.
    public init(authorizedKey: String) async throws {
        dir = TemporaryDirectory(prefix: "escort-sshd")
        let hostKeyPath = dir.file("ssh_host_ed25519_key")
        hostKey = try SSHTestKeys.make(hostKeyPath)
        try (authorizedKey + "\n").write(toFile: dir.file("authorized_keys"), atomically: true, encoding: .utf8)
        user = String(cString: getpwuid(geteuid()).pointee.pw_name)
        if geteuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        var lastError = ""
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...45_000)
            let config = """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(hostKeyPath)
                AuthorizedKeysFile \(dir.file("authorized_keys"))
                PidFile \(dir.file("sshd.pid"))
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PermitRootLogin prohibit-password
                LogLevel ERROR
                """
            try config.write(toFile: dir.file("sshd_config"), atomically: true, encoding: .utf8)
            // Not Foundation's Process: sshd closes every descriptor it inherits, which Foundation
            // takes for an exit and then blocks in waitpid, stalling every other child process.
            let pid = try Self.spawn(["/usr/sbin/sshd", "-D", "-e", "-f", dir.file("sshd_config")], log: dir.file("sshd.log"))
            // Ready when the port accepts connections.
            for _ in 0..<100 {
                if Self.accepts(port) {
                    self.port = port
                    self.pid = pid
                    return
                }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(pid, SIGTERM)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            lastError = (try? String(contentsOfFile: dir.file("sshd.log"), encoding: .utf8)) ?? ""
        }
        throw TestSetupError("sshd did not start: \(lastError)")
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    public func stop() {
        guard kill(pid, SIGTERM) == 0 else { return }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    static func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw TestSetupError("cannot start \(arguments[0]): error \(rc)") }
        return pid
    }

    deinit { stop() }
}
