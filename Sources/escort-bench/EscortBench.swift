import ArgumentParser

/// `escort-bench`: Escort's benchmarks, one subcommand each. Run with `swift run -c release`.
@main
struct EscortBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escort-bench",
        abstract: "Measure Escort's hot paths (build with -c release).",
        subcommands: [AnalyseBenchmark.self, AuditBenchmark.self, GatewayBenchmark.self, ClusterBenchmark.self]
    )
}
