import NIOCore
import NIOSSH

/// What the SSH channel delivers to a session, in order.
enum TerminalInput: Sendable {
    case bytes([UInt8])
    case resize(columns: Int, rows: Int)
    case closed
    /// The channel is gone (the client disconnected or died).
    case disconnected
}

/// Something that consumes a terminal's input: an engineer session or an escort console.
protocol TerminalSession: Sendable {
    func start() async
    func input(_ bytes: [UInt8]) async
    func resize(columns: Int, rows: Int) async
    func inputClosed() async
    func disconnected() async
}

extension TerminalSession {
    func disconnected() async { await inputClosed() }
}

extension EngineerSession: TerminalSession {}

/// Handles one SSH `session` channel: pty, shell, exec and window-change requests; refuses
/// subsystems (sftp); passes keystrokes, in order, to the session.
final class SessionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData

    let gateway: GatewayContext
    let connection: ConnectionState
    var pty: SSHChannelRequestEvent.PseudoTerminalRequest?
    var started = false
    var continuation: AsyncStream<TerminalInput>.Continuation?

    init(gateway: GatewayContext, connection: ConnectionState) {
        self.gateway = gateway
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard message.type == .channel, case .byteBuffer(let buffer) = message.data else { return }
        continuation?.yield(.bytes(Array(buffer.readableBytesView)))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            pty = request
            reply(context, success: true, wanted: request.wantReply)
        case let request as SSHChannelRequestEvent.ShellRequest:
            reply(context, success: start(context, .shell), wanted: request.wantReply)
        case let request as SSHChannelRequestEvent.ExecRequest:
            reply(context, success: start(context, .exec(request.command)), wanted: request.wantReply)
        case let request as SSHChannelRequestEvent.WindowChangeRequest:
            continuation?.yield(.resize(columns: request.terminalCharacterWidth, rows: request.terminalRowHeight))
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            // sftp and every other subsystem: refused by default; files move only as commands.
            reply(context, success: false, wanted: request.wantReply)
            let note = "Escort: the \(request.subsystem) subsystem is refused; file transfer is not allowed through the gateway.\r\n"
            context.writeAndFlush(wrapOutbound(note), promise: nil)
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            // Environment variables from the client are not passed to targets.
            reply(context, success: false, wanted: request.wantReply)
        case ChannelEvent.inputClosed:
            continuation?.yield(.closed)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation?.yield(.disconnected)
        continuation?.finish()
        context.fireChannelInactive()
    }

    func wrapOutbound(_ text: String) -> NIOAny {
        NIOAny(SSHChannelData(type: .stdErr, data: .byteBuffer(ByteBuffer(string: text))))
    }

    func reply(_ context: ChannelHandlerContext, success: Bool, wanted: Bool) {
        guard wanted else { return }
        if success {
            context.channel.triggerUserOutboundEvent(ChannelSuccessEvent(), promise: nil)
        } else {
            context.channel.triggerUserOutboundEvent(ChannelFailureEvent(), promise: nil)
        }
    }

    func start(_ context: ChannelHandlerContext, _ request: EngineerSession.Request) -> Bool {
        guard !started else { return false }
        let connection = self.connection.value.withLockedValue { $0 }
        if connection.storeUnreachable {
            started = true
            let terminal = ChannelTerminal(channel: context.channel)
            Task {
                await terminal.sendError(Array((StoreReachability.engineerMessage + "\r\n").utf8))
                await terminal.finish(exitStatus: 1)
            }
            return true
        }
        guard let user = connection.user else { return false }
        started = true
        let terminal = ChannelTerminal(channel: context.channel)
        let columns = pty?.terminalCharacterWidth ?? 80
        let rows = pty?.terminalRowHeight ?? 24
        let session: any TerminalSession
        let isStaff = user.roles.contains(.escort) || user.roles.contains(.reviewer)
        if connection.console || (connection.target == nil && isStaff && !user.roles.contains(.engineer)) {
            session = EscortConsole(context: gateway, user: user, request: request, terminal: terminal)
        } else {
            session = EngineerSession(
                context: gateway, user: user, target: connection.target, source: self.connection.remoteAddress,
                request: request, terminal: terminal, columns: max(columns, 20), rows: max(rows, 5),
                term: pty?.term ?? "dumb", engineerHasTerminal: pty != nil)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: TerminalInput.self)
        self.continuation = continuation
        Task {
            await session.start()
        }
        Task {
            for await item in stream {
                switch item {
                case .bytes(let bytes): await session.input(bytes)
                case .resize(let c, let r): await session.resize(columns: c, rows: r)
                case .closed: await session.inputClosed()
                case .disconnected: await session.disconnected()
                }
            }
        }
        return true
    }
}
