import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSH

/// Reaches a target's real `sshd` with the SSH client side of swift-nio-ssh, authenticating with
/// a key only the gateway holds (engineers never see it).
public struct SSHTargetConnector: TargetConnector {
    public var host: String
    public var port: Int
    public var user: String
    public var keyPath: String
    /// The target's host key (an OpenSSH public-key line), pinned: any other key is refused, and
    /// so is every key when none is pinned (fail closed: the engineer's commands go to no
    /// machine the registry cannot vouch for).
    public var hostKey: String?
    /// How the target's account starts escort-agent (a command on its PATH, or a path); nil:
    /// the target runs no agent.
    public var agent: String?

    public init(host: String, port: Int, user: String, keyPath: String, hostKey: String? = nil, agent: String? = "escort-agent") {
        self.agent = agent
        self.host = host
        self.port = port
        self.user = user
        self.keyPath = keyPath
        self.hostKey = hostKey
    }

    public var offersAgent: Bool { agent != nil }

    public func openShell(columns: Int, rows: Int, term: String) async throws -> any TargetShell {
        let shell = try await connect()
        do {
            try await shell.openMain(columns: columns, rows: rows, term: term)
        } catch {
            try? await shell.connection.close()
            // A refused host key ends the connection before the shell opens: say so, not "refused".
            throw refusalOr(shell.hostKeyCheck, GatewayError(.targetUnavailable, "\(host):\(port) refused a shell for \(user): \(error)"))
        }
        return shell
    }

    /// Under escort-agent: an exec channel without a terminal runs `AGENT session`, and the
    /// agent makes the terminal on the target itself.
    public func openShell(columns: Int, rows: Int, term: String, mediated: Bool) async throws -> any TargetShell {
        guard mediated else { return try await openShell(columns: columns, rows: rows, term: term) }
        guard let agent else { throw GatewayError(.targetUnavailable, "the target \(host) runs no escort-agent") }
        let shell = try await connect()
        do {
            let (_, found) = try await shell.run("command -v \(SSHTargetShell.shellQuoted(agent)) >/dev/null 2>&1", limit: 0)
            guard found == 0 else {
                try? await shell.connection.close()
                throw GatewayError(.agentUnavailable, "escort-agent (\(agent)) is not installed on \(host)")
            }
        } catch let error as GatewayError where error.code == .agentUnavailable {
            throw error
        } catch {
            try? await shell.connection.close()
            throw refusalOr(shell.hostKeyCheck, GatewayError(.targetUnavailable, "\(host):\(port) refused a shell for \(user): \(error)"))
        }
        do {
            let command = "exec \(SSHTargetShell.shellQuoted(agent)) session --cols \(columns) --rows \(rows)"
            let channel = try await shell.openChannel(command: "TERM=\(SSHTargetShell.shellQuoted(term)) \(command)", pty: nil, status: shell.status)
            let connection = shell.connection
            return AgentShell(channel: channel) { try? await connection.close() }
        } catch {
            try? await shell.connection.close()
            throw refusalOr(shell.hostKeyCheck, GatewayError(.targetUnavailable, "\(host):\(port) did not start escort-agent for \(user): \(error)"))
        }
    }

    /// Connects and authenticates, pinning the host key; no channel yet.
    func connect() async throws -> SSHTargetShell {
        guard let hostKey else {
            throw GatewayError(.targetUnavailable, "the target \(host) has no pinned host key; register it with `escort target add … --ssh-host-key`")
        }
        let key: NIOSSHPrivateKey
        do {
            key = try OpenSSHPrivateKey.load(path: keyPath)
        } catch {
            throw TargetCredentialUnreadable(path: keyPath, detail: (error as? GatewayError)?.message ?? "\(error)")
        }
        let pinned: NIOSSHPublicKey
        do { pinned = try NIOSSHPublicKey(openSSHPublicKey: hostKey) } catch {
            throw GatewayError(.targetUnavailable, "the pinned host key of \(host) cannot be read: \(error)")
        }
        let user = self.user
        let check = TargetHostKeyCheck(pinned: pinned)
        let connection: any Channel
        do {
            connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let config = SSHClientConfiguration(
                            userAuthDelegate: TargetKeyAuthentication(user: user, key: key),
                            serverAuthDelegate: check)
                        try channel.pipeline.syncOperations.addHandler(NIOSSHHandler(role: .client(config), allocator: channel.allocator, inboundChildChannelInitializer: nil))
                        try channel.pipeline.syncOperations.addHandler(CloseOnError())
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            throw refusalOr(check, GatewayError(.targetUnavailable, "cannot connect to \(host):\(port): \(error)"))
        }
        // A target that accepts the connection and then says nothing would hold the engineer
        // forever: without a host key within the limit, the connection is closed.
        connection.eventLoop.scheduleTask(in: TargetHostKeyCheck.keyExchangeTimeout) {
            if check.expire() { connection.close(promise: nil) }
        }
        let shell = SSHTargetShell(connection: connection)
        shell.hostKeyCheck = check
        return shell
    }
}

/// A refused host key, or a target that never got as far as showing one, ends the connection
/// with a generic error: the check says why, if it knows.
func refusalOr(_ check: TargetHostKeyCheck?, _ other: GatewayError) -> any Error {
    if let refusal = check?.refusal { return refusal }
    if check?.timedOut == true {
        return GatewayError(.targetUnavailable, "the target accepted the connection but did not complete an SSH key exchange within \(TargetHostKeyCheck.keyExchangeTimeout.nanoseconds / 1_000_000_000) s")
    }
    return other
}

final class TargetKeyAuthentication: NIOSSHClientUserAuthenticationDelegate {
    let user: String
    let key: NIOSSHPrivateKey
    var offered = false

    init(user: String, key: NIOSSHPrivateKey) {
        self.user = user
        self.key = key
    }

    func nextAuthenticationType(availableMethods: NIOSSHAvailableUserAuthenticationMethods, nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>) {
        guard availableMethods.contains(.publicKey), !offered else {
            nextChallengePromise.fail(GatewayError(.targetUnavailable, "the target refused the gateway's key for \(user)"))
            return
        }
        offered = true
        nextChallengePromise.succeed(NIOSSHUserAuthenticationOffer(username: user, serviceName: "", offer: .privateKey(.init(privateKey: key))))
    }
}

/// Accepts only the pinned host key, and remembers a refusal so the error can name it.
final class TargetHostKeyCheck: NIOSSHClientServerAuthenticationDelegate, Sendable {
    let pinned: NIOSSHPublicKey
    private let refused = NIOLockedValueBox<HostKeyMismatch?>(nil)
    /// Whether the target has shown its host key (false) or the time to do so has run out (true).
    private let progress = NIOLockedValueBox<(presented: Bool, timedOut: Bool)>((false, false))

    /// How long a target has, once connected, to show its host key.
    static let keyExchangeTimeout: TimeAmount = .seconds(15)

    var timedOut: Bool { progress.withLockedValue { $0.timedOut } }

    /// Marks the time as run out unless the key was shown; true if it had not been.
    func expire() -> Bool {
        progress.withLockedValue { p in
            guard !p.presented else { return false }
            p.timedOut = true
            return true
        }
    }

    init(pinned: NIOSSHPublicKey) {
        self.pinned = pinned
    }

    /// Why the target's key was refused, if it was.
    var refusal: HostKeyMismatch? { refused.withLockedValue { $0 } }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        progress.withLockedValue { $0.presented = true }
        if pinned != hostKey {
            let error = HostKeyMismatch(presented: HostKeyMismatch.fingerprint(hostKey), pinned: HostKeyMismatch.fingerprint(pinned))
            refused.withLockedValue { $0 = error }
            validationCompletePromise.fail(error)
        } else {
            validationCompletePromise.succeed()
        }
    }
}

/// Turns a child channel's `SSHChannelData` into bytes and back, and catches the exit status.
final class TargetChannelBridge: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = SSHChannelData

    let status: NIOLockedValueBox<Int32?>

    init(status: NIOLockedValueBox<Int32?>) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .byteBuffer(let buffer) = message.data else { return }
        context.fireChannelRead(wrapInboundOut(buffer))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        context.write(wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(buffer))), promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let exit = event as? SSHChannelRequestEvent.ExitStatus {
            status.withLockedValue { $0 = Int32(truncatingIfNeeded: exit.exitStatus) }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// A shell on a real sshd: one session channel for the shell, more for reading files.
final class SSHTargetShell: TargetShell, @unchecked Sendable {
    let connection: any Channel
    /// Set once, before the shell is shared.
    var hostKeyCheck: TargetHostKeyCheck?
    let main = NIOLockedValueBox<ShellChannel?>(nil)
    let status = NIOLockedValueBox<Int32?>(nil)

    init(connection: any Channel) {
        self.connection = connection
    }

    /// Opens a session channel running `command`, with a PTY (echo off) if `pty` is given.
    ///
    /// The async wrapper is installed in the channel's initializer, before any request is sent:
    /// a quick command (`head -c` of a small script) can answer before an `await` resumes on a
    /// busy machine, and bytes that reach a pipeline with nothing to take them are lost.
    func openChannel(command: String, pty: (Int, Int, String)?, status: NIOLockedValueBox<Int32?>) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let connection = self.connection
        let wrapped = NIOLockedValueBox<NIOAsyncChannel<ByteBuffer, ByteBuffer>?>(nil)
        let child: any Channel = try await connection.eventLoop.flatSubmit {
            let promise = connection.eventLoop.makePromise(of: Channel.self)
            do {
                let handler = try connection.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                handler.createChannel(promise, channelType: .session) { child, _ in
                    child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMap {
                        child.eventLoop.makeCompletedFuture {
                            try child.pipeline.syncOperations.addHandler(TargetChannelBridge(status: status))
                            let channel = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                            wrapped.withLockedValue { $0 = channel }
                        }
                    }
                }
            } catch {
                promise.fail(error)
            }
            return promise.futureResult
        }.get()
        guard let channel = wrapped.withLockedValue({ $0 }) else {
            throw GatewayError(.targetUnavailable, "the target's session channel could not be set up")
        }
        if let (columns, rows, term) = pty {
            let modes = SSHTerminalModes([.ECHO: 0])
            try await child.triggerUserOutboundEvent(SSHChannelRequestEvent.PseudoTerminalRequest(
                wantReply: false, term: term, terminalCharacterWidth: columns, terminalRowHeight: rows,
                terminalPixelWidth: 0, terminalPixelHeight: 0, terminalModes: modes)).get()
        }
        try await child.triggerUserOutboundEvent(SSHChannelRequestEvent.ExecRequest(command: command, wantReply: false)).get()
        return channel
    }

    func openMain(columns: Int, rows: Int, term: String) async throws {
        let channel = try await openChannel(
            command: "exec bash --noediting --noprofile --norc -i", pty: (columns, rows, term), status: status)
        main.withLockedValue { $0 = ShellChannel(channel) }
    }

    func pumpOutput(_ deliver: @escaping @Sendable ([UInt8]) async -> Void) async {
        guard let stream = main.withLockedValue({ $0 }) else { return }
        await stream.pump(deliver)
        try? await connection.close()
    }

    func write(_ bytes: [UInt8]) async throws {
        guard let stream = main.withLockedValue({ $0 }) else {
            throw GatewayError(.targetUnavailable, "the target's shell has ended")
        }
        try await stream.write(bytes)
    }

    func resize(columns: Int, rows: Int) {
        guard let stream = main.withLockedValue({ $0 }) else { return }
        stream.channel.channel.triggerUserOutboundEvent(
            SSHChannelRequestEvent.WindowChangeRequest(terminalCharacterWidth: columns, terminalRowHeight: rows, terminalPixelWidth: 0, terminalPixelHeight: 0),
            promise: nil)
    }

    func close() async {
        try? await connection.close()
    }

    func exitStatus() async -> Int32? {
        status.withLockedValue { $0 }
    }

    func readFile(_ path: String, limit: Int) async throws -> [UInt8]? {
        let quoted = Self.shellQuoted(path)
        let (bytes, status) = try await run("[ -f \(quoted) ] && head -c \(limit) -- \(quoted)", limit: limit)
        // Without a zero exit status the file counts as unread (and the command is held).
        guard let status else {
            throw GatewayError(.targetUnavailable, "the target sent no exit status for the read within 10 s")
        }
        return status == 0 ? bytes : nil
    }

    var runsCommandsWithoutTerminal: Bool { true }

    /// A terminal costs throughput (every byte through the target's line discipline, in small
    /// reads): `head -c 1G /dev/zero` by `ssh -tt` runs at about a third of the speed of plain
    /// `ssh`. An exec session's one command needs no terminal; the shell's bash runs it the same
    /// way, and the exit status comes from sshd instead of the shell-integration marker.
    func runWithoutTerminal(_ command: String, deliver: @escaping @Sendable ([UInt8]) async -> Void) async throws -> Int32? {
        try await runOnChannel("exec bash --noprofile --norc -c \(Self.shellQuoted(command))") { bytes in
            await deliver(Array(bytes))
            return true
        }
    }

    /// `text` as one word for the target account's POSIX shell (which sshd runs the request with).
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Runs `command` on a channel of its own: its output (at most `limit` bytes and one more
    /// read) and its exit status, nil if none came.
    func run(_ command: String, limit: Int) async throws -> ([UInt8], Int32?) {
        var bytes: [UInt8] = []
        let status = try await runOnChannel(command) { read in
            bytes += read
            return bytes.count <= limit
        }
        return (bytes, status)
    }

    /// Runs `command` on a channel of its own without a terminal, handing each read to `take`
    /// until it returns false; the exit status, nil if none came.
    ///
    /// sshd sends the end of the output and the exit status in either order (on a loaded machine
    /// the end of output often comes first), and closes the channel only after both; so the
    /// channel is left open until sshd closes it, or ten seconds pass.
    func runOnChannel(_ command: String, _ take: (ByteBufferView) async -> Bool) async throws -> Int32? {
        let status = NIOLockedValueBox<Int32?>(nil)
        let channel = try await openChannel(command: command, pty: nil, status: status)
        try await channel.executeThenClose { inbound, _ in
            for try await buffer in inbound {
                guard await take(buffer.readableBytesView) else { return }
            }
            for _ in 0..<1000 where status.withLockedValue({ $0 }) == nil && channel.channel.isActive {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        return status.withLockedValue { $0 }
    }
}
