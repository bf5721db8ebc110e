import ArgumentParser
import EscortCore
import Foundation
import Policy
import ShellAnalysis

/// `escort policy …`: ask the policy what it would decide.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check what the access policy decides.",
        subcommands: [PolicyCheckCommand.self])
}

struct PolicyCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Print the access decision (direct, escorted or refused) for a person and a target, with every reason.",
        discussion: """
            Reads the person, the target and the person's tickets from the store and evaluates the \
            policy (--policy, default the bundled one) with the IP table (--ip-table, default the \
            bundled test table). Exit status: 0 direct or escorted, 3 refused, 2 an error \
            (unknown person or target, unreadable policy).
            """)

    @OptionGroup var options: RegistryOptions
    @OptionGroup var policy: PolicyOptions

    @Option(name: .long, help: "The person's login.") var person: String
    @Option(name: .long, help: "The target.") var target: String
    @Option(name: .customLong("from"), help: "The source IP address to assume (default: none known).") var sourceAddress: String?
    @Option(name: .long, help: "The time to decide at (ISO 8601; default: now).") var at: String?

    func run() async throws {
        var refused = false
        try await reportingErrors {
            let engine = try policy.engine()
            let now = try at.map { try parseDate($0, option: "at", endOfDay: false) } ?? Date()
            let (p, t, tickets) = try await options.withStore { store in
                guard let p = try await store.person(named: person) else {
                    throw RegistryError(.invalidField, "no person named \(person) (see `escort person list`)", field: "person")
                }
                guard let t = try await store.target(named: target) else {
                    throw RegistryError(.invalidField, "no target named \(target) (see `escort target list`)", field: "target")
                }
                return (p, t, try await store.tickets(person: p.name, target: t.name))
            }
            let d = engine.access(AccessRequest(person: p, target: t, sourceAddress: sourceAddress, tickets: tickets, now: now))
            print("\(d.mode.rawValue.uppercased()): \(p.name) on \(t.name) (\(t.impactLevel.rawValue)) at \(RegistryDate.format(now))")
            for r in d.reasons { print("- \(r)") }
            if d.mode == .escorted {
                print("Commands: \(describe(engine.document.escortedCommands))")
            } else if d.mode == .direct {
                print("Commands: \(describe(engine.document.directCommands))")
            }
            refused = d.mode == .refused
        }
        if refused { throw ExitCode(3) }
    }

    private func describe(_ table: CommandTable) -> String {
        RiskLevel.allCases.map { "\($0.rawValue) \(table.verdict(for: $0).rawValue)" }.joined(separator: ", ")
            + ", unanalysable \(table.unanalysable.rawValue)"
    }
}
