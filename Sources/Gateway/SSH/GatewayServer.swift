import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSH

/// The SSH listener.
public final class GatewayServer: Sendable {
    let channel: any Channel
    let connections: OpenConnections
    /// The port actually bound (useful when asked for port 0).
    public let port: Int

    /// The banner every client is shown before authenticating: which keys work.
    public static let banner = """
        Escort supervised-access gateway. Every command is analysed, recorded and audited.
        Keys: ed25519 or ECDSA only (RSA keys and OpenSSH certificates are not accepted).
        Make one with: ssh-keygen -t ed25519 -f ~/.ssh/escort_ed25519

        """

    init(channel: any Channel, connections: OpenConnections, port: Int) {
        self.channel = channel
        self.connections = connections
        self.port = port
    }

    /// Listens on `host:port` with the given host key.
    public static func start(context: GatewayContext, hostKey: NIOSSHPrivateKey, host: String, port: Int) async throws -> GatewayServer {
        let channel: any Channel
        let connections = OpenConnections()
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    connections.add(channel)
                    return channel.eventLoop.makeCompletedFuture {
                        let state = ConnectionState(remoteAddress: channel.remoteAddress?.ipAddress)
                        let auth = ConnectionAuthenticator(authority: context.authority, audit: context.audit, state: state)
                        var config = SSHServerConfiguration(
                            hostKeys: [hostKey], userAuthDelegate: auth,
                            banner: .init(message: banner, languageTag: "en"))
                        config.maxAuthAttempts = 20
                        let handler = NIOSSHHandler(role: .server(config), allocator: channel.allocator) { child, type in
                            guard case .session = type else {
                                // Port forwarding (direct-tcpip) and every other channel type: refused.
                                return child.eventLoop.makeFailedFuture(GatewayError(.configuration, "channel type refused"))
                            }
                            return child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMap {
                                child.eventLoop.makeCompletedFuture {
                                    try child.pipeline.syncOperations.addHandler(SessionChannelHandler(gateway: context, connection: state))
                                }
                            }
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                        try channel.pipeline.syncOperations.addHandler(CloseOnError())
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            throw GatewayError(.configuration, "could not listen on \(host):\(port): \(error)")
        }
        GatewayTelemetry.logger.notice("SSH gateway listening", metadata: ["address": "\(host):\(channel.localAddress?.port ?? port)"])
        return GatewayServer(channel: channel, connections: connections, port: channel.localAddress?.port ?? port)
    }

    /// Stops listening: new connections are refused; those open stay open.
    public func stopAccepting() async {
        try? await channel.close()
    }

    /// Waits up to `limit` for open connections to close on their own. A session that has just
    /// ended is still sending its exit status, and its client disconnects once it has it; closing
    /// the connection under it would lose the status (the engineer would see the command cut off).
    public func awaitConnectionsClosing(upTo limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !connections.all().isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Closes every open connection.
    public func closeConnections() async {
        for c in connections.all() { try? await c.close() }
    }

    /// Stops listening and closes every open connection.
    public func close() async {
        await stopAccepting()
        await closeConnections()
    }
}

/// Garbage on the port, a failed key exchange, a protocol error: close that connection, log
/// nothing secret, keep serving everyone else.
final class CloseOnError: ChannelInboundHandler {
    typealias InboundIn = Any

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The SSH connections currently open, so a stopping gateway can close the ones left.
final class OpenConnections: Sendable {
    private let channels = NIOLockedValueBox([ObjectIdentifier: any Channel]())

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLockedValue { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLockedValue { $0.removeValue(forKey: key) }
        }
    }

    func all() -> [any Channel] { channels.withLockedValue { Array($0.values) } }
}
