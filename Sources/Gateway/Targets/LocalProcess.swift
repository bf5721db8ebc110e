#if canImport(Glibc)
import Glibc
#endif
import CEscortAgent
import Foundation

/// Local child processes of the gateway. Each gets exactly the descriptors it is handed: every
/// other one is closed in the child before exec (other sessions' terminals, the listening
/// sockets, the store), whatever their close-on-exec flag says.
enum LocalProcess {
    /// Starts `arguments[0]` with one end of a new socket pair as its standard input and output
    /// (standard error to /dev/null); returns its pid and the other end.
    static func spawnWithSocket(arguments: [String], environment: [String]) throws -> (pid_t, Int32) {
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw GatewayError(.targetUnavailable, "no socket pair: \(String(cString: strerror(errno)))")
        }
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(pair[1]); if null >= 0 { close(null) } }
        let pid = spawn(arguments, environment, input: pair[1], output: pair[1], error: null, newSession: true)
        guard pid > 0 else {
            close(pair[0])
            throw GatewayError(.targetUnavailable, "could not start \(arguments[0]): \(String(cString: strerror(errno)))")
        }
        return (pid, pair[0])
    }

    static func spawn(_ arguments: [String], _ environment: [String], input: Int32, output: Int32, error: Int32, newSession: Bool, directory: String? = nil) -> pid_t {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        return argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in
                escort_spawn_clean(a.baseAddress, e.baseAddress, input, output, error, directory, newSession ? 1 : 0)
            }
        }
    }

    /// Waits for `pid` on a thread of its own: NIO's shared blocking pool has one thread per core,
    /// and processes that linger would stall every other session's file reads.
    static func waitOffPool(_ pid: pid_t) async -> Int32? {
        await withCheckedContinuation { continuation in
            let waiter = Thread { continuation.resume(returning: PseudoTerminal.wait(pid: pid)) }
            waiter.stackSize = 1 << 16
            waiter.start()
        }
    }
}
