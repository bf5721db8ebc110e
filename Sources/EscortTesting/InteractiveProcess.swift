import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program driven through pipes, like a person at a terminal: send text, wait for text.
/// Used to drive the stock OpenSSH client (`ssh -tt`) against the gateway.
///
/// Spawned with `posix_spawn`, not Foundation's `Process`: OpenSSH closes every descriptor it
/// inherits, which Foundation takes for an exit and answers with a blocking `waitpid` that stalls
/// every other child process in the test run.
public final class InteractiveProcess: @unchecked Sendable {
    public let pid: pid_t
    let stdinFD: Int32
    let lock = NSLock()
    var buffer = Data()
    var errors = Data()
    var exitStatus: Int32?

    /// Starts `executable` with `arguments`; stdout and stderr are collected as they arrive.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        BrokenPipes.ignore()
        var inPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw TestSetupError("pipe failed") }
        for fd in [inPipe[1], outPipe[0], errPipe[0]] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        let env = (environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } } ?? ProcessInfo.processInfo.environment)
            .map { "\($0.key)=\($0.value)" }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw TestSetupError("cannot start \(executable): error \(rc)")
        }
        self.pid = pid
        self.stdinFD = inPipe[1]
        Self.drain(outPipe[0]) { [weak self] d in self?.lock.withLock { self?.buffer.append(d) } }
        Self.drain(errPipe[0]) { [weak self] d in self?.lock.withLock { self?.errors.append(d) } }
    }

    static func drain(_ fd: Int32, _ sink: @escaping @Sendable (Data) -> Void) {
        let thread = Thread {
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = read(fd, &chunk, chunk.count)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                sink(Data(chunk[0..<n]))
            }
            close(fd)
        }
        thread.start()
    }

    /// Everything printed on stdout so far.
    public var output: String { lock.withLock { String(decoding: buffer, as: UTF8.self) } }
    /// Everything printed on stderr so far.
    public var errorOutput: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }

    /// Types `text`.
    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBufferPointer { write(stdinFD, $0.baseAddress, $0.count) }
    }

    /// Closes stdin.
    public func closeInput() {
        close(stdinFD)
    }

    /// Waits until stdout (or stderr) contains `text`, counting from `after` characters of stdout.
    /// Returns false on timeout.
    @discardableResult
    public func waitFor(_ text: String, after: Int = 0, timeout: Double = 60) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let out = output
            let tail = out.count > after ? String(out.dropFirst(after)) : ""
            if tail.contains(text) || errorOutput.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// Whether it has exited, reaping it if so.
    func reap() -> Int32? {
        lock.withLock {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            return exitStatus
        }
    }

    /// Waits for the process to end (up to `timeout` seconds); its exit status, or nil.
    public func waitForExit(timeout: Double = 60) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = reap() { return s }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }

    /// Ends the process.
    public func terminate() {
        guard reap() == nil else { return }
        kill(pid, SIGTERM)
        for _ in 0..<40 {
            if reap() != nil { return }
            usleep(25_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    deinit {
        terminate()
        close(stdinFD)
    }
}

/// OpenSSH keys made by `ssh-keygen` for tests.
public enum SSHTestKeys {
    /// Makes a key pair at `path` (private) and `path.pub`; returns the public-key line.
    public static func make(_ path: String, type: String = "ed25519") throws -> String {
        let result = try ChildProcess.runBlocking("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "test", "-f", path])
        guard result.status == 0 else { throw TestSetupError("ssh-keygen failed: \(result.stderr)") }
        return try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The stock OpenSSH client's arguments for a test connection to `127.0.0.1:port`.
    public static func clientArguments(key: String, port: Int, login: String, tty: Bool) -> [String] {
        (tty ? ["-tt"] : ["-T"]) + [
            "-i", key, "-p", String(port), "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
            "-F", "/dev/null", "\(login)@127.0.0.1",
        ]
    }
}

/// A test fixture could not be set up.
public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
