#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Opens the demo's local targets' shells: under `escort-agent` (exec-time mediation) when the
/// agent is found, else `bash --noediting --noprofile --norc -i` on a local PTY (agentless).
public struct LocalShellConnector: TargetConnector {
    /// The `escort-agent` executable (nil: agentless).
    public var agent: String?
    /// The shell to run.
    public var shell: String
    /// Its working directory (nil: the gateway's).
    public var directory: String?
    /// Extra environment (`NAME=value`).
    public var environment: [String]

    public init(shell: String = "/bin/bash", directory: String? = nil, environment: [String] = [], agent: String? = AgentLocator.local) {
        self.agent = agent
        self.shell = shell
        self.directory = directory
        self.environment = environment
    }

    public var offersAgent: Bool { agent != nil }

    /// The shell's environment: the terminal, a home (the target's folder), a fixed PATH, `extra`,
    /// then the connector's own variables.
    func environment(term: String, extra: [String] = []) -> [String] {
        let home = directory ?? FileManager.default.currentDirectoryPath
        return ["TERM=\(term)", "HOME=\(home)", "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG=C.UTF-8"] + extra + environment
    }

    /// `fd` (a PTY master or a socket) as an async byte channel on NIO's event loops.
    static func channel(on fd: Int32) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptor(inputOutput: fd) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    public func openShell(columns: Int, rows: Int, term: String, mediated: Bool) async throws -> any TargetShell {
        guard mediated else { return try await openShell(columns: columns, rows: rows, term: term) }
        guard let agent else { throw GatewayError(.targetUnavailable, "escort-agent was not found beside the gateway") }
        let env = environment(term: term, extra: ["SHELL=\(shell)"])
        var arguments = [agent, "session", "--cols", String(columns), "--rows", String(rows), "--shell", shell]
        if let directory { arguments += ["--cwd", directory] }
        let (pid, socket) = try LocalProcess.spawnWithSocket(arguments: arguments, environment: env)
        do {
            let channel = try await Self.channel(on: socket)
            return AgentShell(channel: channel) {
                kill(pid, SIGTERM)
                _ = await LocalProcess.waitOffPool(pid)
            }
        } catch {
            kill(pid, SIGKILL)
            _ = PseudoTerminal.wait(pid: pid)
            throw GatewayError(.targetUnavailable, "could not attach to escort-agent: \(error)")
        }
    }

    public func openShell(columns: Int, rows: Int, term: String) async throws -> any TargetShell {
        let home = directory ?? FileManager.default.currentDirectoryPath
        let env = environment(term: term)
        let pty = try PseudoTerminal.spawn(
            arguments: [shell, "--noediting", "--noprofile", "--norc", "-i"], environment: env,
            directory: directory, columns: columns, rows: rows)
        do {
            let channel = try await Self.channel(on: pty.master)
            return LocalShell(pid: pty.pid, master: pty.master, channel: channel, directory: home)
        } catch {
            kill(pty.pid, SIGKILL)
            _ = PseudoTerminal.wait(pid: pty.pid)
            throw GatewayError(.targetUnavailable, "could not attach to the local shell: \(error)")
        }
    }
}

/// A shell on a local PTY.
final class LocalShell: TargetShell {
    let pid: pid_t
    let master: Int32
    let stream: ShellChannel
    let directory: String
    let status = NIOLockedValueBox<Int32??>(nil)

    init(pid: pid_t, master: Int32, channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, directory: String) {
        self.pid = pid
        self.master = master
        self.stream = ShellChannel(channel)
        self.directory = directory
    }

    func pumpOutput(_ deliver: @escaping @Sendable ([UInt8]) async -> Void) async {
        await stream.pump(deliver)
        let code = await LocalProcess.waitOffPool(pid)
        status.withLockedValue { $0 = .some(code) }
    }

    func write(_ bytes: [UInt8]) async throws {
        try await stream.write(bytes)
    }

    func resize(columns: Int, rows: Int) {
        PseudoTerminal.resize(master: master, columns: columns, rows: rows)
    }

    func close() async {
        if !stream.hasEnded {
            kill(-pid, SIGHUP)
            kill(pid, SIGHUP)
        }
    }

    func exitStatus() async -> Int32? {
        for _ in 0..<1000 {
            if let s = status.withLockedValue({ $0 }) { return s }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    func readFile(_ path: String, limit: Int) async throws -> [UInt8]? {
        let full = path.hasPrefix("/") ? path : directory + "/" + path
        return try await NIOThreadPool.singleton.runIfActive {
            var info = stat()
            guard stat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            guard let handle = FileHandle(forReadingAtPath: full) else { return nil }
            defer { try? handle.close() }
            return [UInt8](try handle.read(upToCount: limit) ?? Data())
        }
    }
}
