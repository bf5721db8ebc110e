import Foundation

/// A program driven through pipes, like a person at a terminal: send text, wait for text.
/// Used to drive the stock OpenSSH client (`ssh -tt`) against the gateway.
public final class InteractiveProcess: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let lock = NSLock()
    var buffer = Data()
    var errors = Data()

    /// Starts `executable` with `arguments`; stdout and stderr are collected as they arrive.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        let err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { h.readabilityHandler = nil; return }
            self.lock.withLock { self.buffer.append(d) }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { h.readabilityHandler = nil; return }
            self.lock.withLock { self.errors.append(d) }
        }
        try process.run()
    }

    /// Everything printed on stdout so far.
    public var output: String { lock.withLock { String(decoding: buffer, as: UTF8.self) } }
    /// Everything printed on stderr so far.
    public var errorOutput: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }

    /// Types `text`.
    public func send(_ text: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// Closes stdin.
    public func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Waits until stdout (or stderr) contains `text`, counting from `after` characters of stdout.
    /// Returns false on timeout.
    @discardableResult
    public func waitFor(_ text: String, after: Int = 0, timeout: Double = 20) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let out = output
            let tail = out.count > after ? String(out.dropFirst(after)) : ""
            if tail.contains(text) || errorOutput.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// Waits for the process to end (up to `timeout` seconds); its exit status, or nil.
    public func waitForExit(timeout: Double = 20) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }

    /// Ends the process.
    public func terminate() {
        if process.isRunning { process.terminate() }
    }

    deinit { terminate() }
}

/// OpenSSH keys made by `ssh-keygen` for tests.
public enum SSHTestKeys {
    /// Makes a key pair at `path` (private) and `path.pub`; returns the public-key line.
    public static func make(_ path: String, type: String = "ed25519") throws -> String {
        let result = try ChildProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "test", "-f", path])
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
