import Hummingbird
import NIOCore

/// Runs a Hummingbird application in a task of its own (until the task is cancelled), for the
/// web console and the operations listener alike.
enum BackgroundApplication {
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
        let task = Task {
            defer { portContinuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
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
