import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing to a child that has already exited (one that refuses its arguments before reading its
/// input) raises SIGPIPE, whose default action ends the whole test process. Tests want the
/// write's error instead: every helper that starts a child calls this first.
public enum BrokenPipes {
    /// Swift runs a static's initialiser once, safely across threads.
    private static let ignored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    public static func ignore() { ignored }
}

/// The outcome of running a program to completion.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs programs for tests.
public enum ChildProcess {
    /// Runs `executable` with `arguments` to completion, capturing stdout and stderr (drained
    /// concurrently). With `input`, standard input is those bytes and then end of file; without,
    /// it is empty.
    public static func run(
        _ executable: String, _ arguments: [String], currentDirectory: String? = nil, environment: [String: String]? = nil,
        input: Data? = nil
    ) async throws -> ProcessResult {
        // The wait is blocking: it gets a thread of its own. Run on the test's task it would hold
        // one of the few threads that every actor in the process (the in-process gateways and
        // audit logs of tests running alongside) needs, and stall them.
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try runBlocking(executable, arguments, currentDirectory: currentDirectory, environment: environment, input: input)
                })
            }
            thread.start()
        }
    }

    /// The same, waiting on the calling thread: only for quick setup tools (`ssh-keygen`, `psql`)
    /// called from code that cannot suspend.
    public static func runBlocking(
        _ executable: String, _ arguments: [String], currentDirectory: String? = nil, environment: [String: String]? = nil, input: Data? = nil
    ) throws -> ProcessResult {
        BrokenPipes.ignore()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let stdin = input.map { _ in Pipe() }
        p.standardInput = stdin ?? FileHandle.nullDevice
        try p.run()
        if let stdin, let input {
            DispatchQueue.global().async {
                try? stdin.fileHandleForWriting.write(contentsOf: input)
                try? stdin.fileHandleForWriting.close()
            }
        }
        let errData = LockedData()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.set(err.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return ProcessResult(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    /// Whether `tool` is on the PATH.
    public static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
