import AuditLog
import EscortCore
import Foundation
import Gateway
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL

/// The request context: the signed-in identity (if any) and the source address.
public struct ConsoleRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public var identity: WebIdentity?
    public var source: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.source = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// The escorts' web console, served beside the gateway.
public final class ConsoleServer: Sendable {
    public let port: Int
    let task: Task<Void, any Error>

    init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// Starts serving on `host:port` (0: any free port); HTTPS when given a PEM certificate chain and key.
    public static func start(context: ConsoleContext, host: String, port: Int,
                             certificate: (chain: String, key: String)? = nil) async throws -> ConsoleServer {
        var context = context
        if certificate != nil { context.secureCookies = true }
        let router = ConsoleRoutes(context: context).router()
        let server: HTTPServerBuilder
        if let certificate {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate.chain).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: certificate.key, format: .pem)
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            server = try .tls(.http1WebSocketUpgrade(webSocketRouter: router), tlsConfiguration: tls)
        } else {
            server = .http1WebSocketUpgrade(webSocketRouter: router)
        }
        var logger = Logger(label: "escort.console")
        logger.logLevel = .warning
        let (bound, task) = try await BackgroundApplication.start("the web console", host: host, port: port) { onServerRunning in
            Application(
                router: router, server: server,
                configuration: .init(address: .hostname(host, port: port), serverName: "Escort"),
                onServerRunning: onServerRunning,
                logger: logger)
        }
        return ConsoleServer(port: bound, task: task)
    }

    public func close() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// The console's router, for in-process tests (HummingbirdTesting).
public enum ConsoleRoutesForTesting {
    public static func router(_ context: ConsoleContext) -> Router<ConsoleRequestContext> {
        ConsoleRoutes(context: context).router()
    }
}
