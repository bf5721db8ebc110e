import EscortCore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The result of a health check: each part checked, and what is wrong with it (nil: fine).
public struct HealthReport: Sendable {
    public var checks: [(name: String, problem: String?)]
    /// The gateway is shutting down: it takes no new connection, so a load balancer should send
    /// none (answered 503 with `"status":"draining"`).
    public var draining: Bool

    public init(checks: [(name: String, problem: String?)], draining: Bool = false) {
        self.checks = checks
        self.draining = draining
    }

    public var healthy: Bool { !draining && checks.allSatisfy { $0.problem == nil } }

    /// `{"checks":{"audit_log":"ok","store":"ok"},"status":"ok"}` (keys sorted), `"failing"`
    /// with each problem, or `"draining"` while the gateway shuts down.
    public var json: String {
        let parts = Dictionary(checks.map { ($0.name, JSONValue.string($0.problem ?? "ok")) }, uniquingKeysWith: { a, b in a == .string("ok") ? b : a })
        let status = draining ? "draining" : healthy ? "ok" : "failing"
        let body = JSONValue.object(["status": .string(status), "checks": .object(parts)])
        return body.encodedString() + "\n"
    }
}

/// The operations listener: `GET /health` (200 when every check passes, 503 naming what failed)
/// and `GET /metrics` (Prometheus text format). Plain HTTP, meant for loopback or a private
/// network; it shows no command, person or secret.
public final class OperationsServer: Sendable {
    public let port: Int
    let task: Task<Void, any Error>

    init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// Starts serving on `host:port` (0: any free port).
    public static func start(
        host: String, port: Int,
        health: @escaping @Sendable () async -> HealthReport,
        metrics: @escaping @Sendable () -> String
    ) async throws -> OperationsServer {
        let router = Router()
        router.get("/health") { _, _ -> Response in
            let report = await health()
            return Response(
                status: report.healthy ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: report.json)))
        }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: metrics())))
        }
        var logger = Logger(label: "escort.operations")
        logger.logLevel = .warning
        let (bound, task) = try await BackgroundApplication.start("the operations listener", host: host, port: port) { onServerRunning in
            Application(
                router: router,
                configuration: .init(address: .hostname(host, port: port), serverName: "Escort"),
                onServerRunning: onServerRunning,
                logger: logger)
        }
        return OperationsServer(port: bound, task: task)
    }

    public func close() async {
        task.cancel()
        _ = try? await task.value
    }
}
