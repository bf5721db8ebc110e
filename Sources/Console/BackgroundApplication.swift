import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs a Hummingbird application in a task of its own, for the web console and the operations
/// listener alike. Cancelling the task stops the application gracefully (it stops accepting,
/// finishes the requests under way and closes its connections), so a clean stop logs no error;
/// if that takes longer than `stopGrace`, the application is cancelled.
enum BackgroundApplication {
    static let stopGrace: Duration = .seconds(5)

    /// Starts the application `make` builds and returns once it listens, with the port it bound
    /// (the one asked for, or the one chosen for port 0). `make` is handed the callback to give
    /// the application as `onServerRunning`. `what` names the listener if it cannot listen.
    static func start<App: ApplicationProtocol>(
        _ what: String, host: String, port: Int,
        _ make: (_ onServerRunning: @escaping @Sendable (any Channel) async -> Void) -> App
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = make { channel in
            portContinuation.yield(channel.localAddress?.port ?? port)
            portContinuation.finish()
        }
        var groupLogger = app.logger
        groupLogger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: groupLogger))
        let running = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        let task = Task {
            try await withTaskCancellationHandler {
                try await running.value
            } onCancel: {
                Task {
                    await group.triggerGracefulShutdown()
                    try? await Task.sleep(for: stopGrace)
                    running.cancel()
                }
            }
        }
        var bound: Int?
        for await p in ports { bound = p }
        guard let bound else {
            task.cancel()
            _ = try? await task.value
            throw ConsoleError(.cannotListen, "\(what) could not listen on \(host):\(port)")
        }
        return (bound, task)
    }
}
