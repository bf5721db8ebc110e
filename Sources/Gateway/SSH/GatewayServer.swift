import Foundation
import NIOCore
import NIOPosix
import NIOSSH

/// The SSH listener.
public final class GatewayServer: Sendable {
    let channel: any Channel
    /// The port actually bound (useful when asked for port 0).
    public let port: Int

    /// The banner every client is shown before authenticating: which keys work.
    public static let banner = """
        Escort supervised-access gateway. Every command is analysed, recorded and audited.
        Keys: ed25519 or ECDSA only (RSA keys and OpenSSH certificates are not accepted).
        Make one with: ssh-keygen -t ed25519 -f ~/.ssh/escort_ed25519

        """

    init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Listens on `host:port` with the given host key.
    public static func start(context: GatewayContext, hostKey: NIOSSHPrivateKey, host: String, port: Int) async throws -> GatewayServer {
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
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
        return GatewayServer(channel: channel, port: channel.localAddress?.port ?? port)
    }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
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
