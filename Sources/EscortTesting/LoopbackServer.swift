#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Starts test servers (sshd, postgres) as child processes on a random loopback port.
///
/// Not Foundation's `Process`: sshd closes every descriptor it inherits, which Foundation takes
/// for an exit and then blocks in waitpid, stalling every other child process; `posix_spawn`
/// and our own `waitpid` have no such surprise.
enum LoopbackServer {
    /// Spawns `command(port)` on a random free port between 20000 and 45000 until `ready(port)`
    /// says it serves (polled every 50 ms for up to 10 s), trying up to five ports. A server that
    /// does not come up is stopped with `stopSignal` and reaped.
    ///
    /// - Returns: the running server's pid and port.
    /// - Throws: ``TestSetupError`` with the last attempt's log.
    static func start(
        _ what: String, log: String, stopSignal: Int32 = SIGTERM, command: (Int) throws -> [String], ready: (Int) -> Bool
    ) async throws -> (pid: pid_t, port: Int) {
        var lastError = ""
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...45_000)
            if accepts(port) { continue }
            let pid = try spawn(command(port), log: log)
            for _ in 0..<200 {
                if ready(port) { return (pid, port) }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(pid, stopSignal)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            lastError = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        throw TestSetupError("\(what) did not start: \(lastError)")
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
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

    /// Spawns `arguments` with stdin and stdout on /dev/null, stderr to `log` and no other descriptor.
    static func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing else the test process has open goes with it: postgres keeps what it inherits,
        // and a server holding another test's pipe, or the pipe to `swift test`, keeps it from
        // ending. (glibc ≥ 2.34; Swift's Glibc module does not show it, hence dlsym.)
        if let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
            _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&actions, 3)
        }
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw TestSetupError("cannot start \(arguments[0]): error \(rc)") }
        return pid
    }
}
