import ArgumentParser
import Logging

/// `escort-bench`: Escort's benchmarks, one subcommand each. Run with `swift run -c release`.
@main
struct EscortBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escort-bench",
        abstract: "Measure Escort's hot paths (build with -c release).",
        subcommands: [AnalyseBenchmark.self, AuditBenchmark.self, GatewayBenchmark.self, ClusterBenchmark.self, AgentBenchmark.self]
    )

    /// The gateways measured in-process log only warnings and errors, to standard error: their
    /// per-command lines would drown the results.
    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
