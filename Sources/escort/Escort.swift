import ArgumentParser

@main
struct Escort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escort",
        abstract: "Supervised access to sensitive systems: every command read, judged and recorded.",
        subcommands: [AuditCommand.self, ReplayCommand.self]
    )
}
