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
        let dir = dir
        (pid, port) = try await LoopbackServer.start("sshd", log: dir.file("sshd.log")) { port in
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
            return ["/usr/sbin/sshd", "-D", "-e", "-f", dir.file("sshd_config")]
        } ready: { port in
            LoopbackServer.accepts(port)  // ready when the port accepts connections
        }
    }

    public func stop() {
        guard kill(pid, SIGTERM) == 0 else { return }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    deinit { stop() }
}
