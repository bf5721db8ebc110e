import ArgumentParser

@main
struct Escort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escort",
        abstract: "Supervised access to sensitive systems: every command read, judged and recorded.",
        subcommands: [
            DemoCommand.self, ServeCommand.self, WalkthroughCommand.self, ExplainCommand.self, AnalyzeCommand.self, AuditCommand.self, ReplayCommand.self,
            PersonCommand.self, TargetCommand.self, TicketCommand.self, RegistryCommand.self, PolicyCommand.self, ReportCommand.self, TrainCommand.self,
        ]
    )
}
