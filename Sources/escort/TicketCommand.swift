import ArgumentParser
import EscortCore
import Foundation

/// `escort ticket …`: time-boxed permission for one person on one target.
struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket", abstract: "Grant, list and revoke tickets.",
        subcommands: [TicketGrantCommand.self, TicketListCommand.self, TicketRevokeCommand.self])
}

struct TicketGrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant", abstract: "Let a person work on a target during a window.",
        discussion: "Refused if the person already holds an unrevoked ticket for the target whose window overlaps.")

    @OptionGroup var options: RegistryOptions

    @Option(name: .long, help: "The person's login.") var person: String
    @Option(name: .long, help: "The target.") var target: String
    @Option(name: .long, help: "Start (ISO 8601, e.g. 2027-03-01T09:00:00Z; default: now).") var from: String?
    @Option(name: .long, help: "End (ISO 8601).") var until: String?
    @Option(name: .long, help: "Length in hours (instead of --until).") var hours: Double?
    @Option(name: .long, help: "Why (a change or incident number).") var reason: String
    @Option(name: .long, help: "The admin granting it.") var by: String

    func validate() throws {
        if (until == nil) == (hours == nil) { throw ValidationError("give either --until or --hours") }
        if let hours, !(hours > 0) { throw ValidationError("--hours must be positive") }
    }

    func run() async throws {
        try await reportingErrors {
            let start = try from.map { try parseDate($0, option: "from", endOfDay: false) } ?? Date()
            let end = try until.map { try parseDate($0, option: "until", endOfDay: true) } ?? start.addingTimeInterval((hours ?? 0) * 3600)
            let ticket = try Ticket(person: person, target: target, validFrom: start, validUntil: end, reason: reason, grantedBy: by)
                .validated()
            var recorder = options
            recorder.actor = options.actor ?? by
            try await recorder.recordingChange("ticket.grant") { store in
                try await store.grantTicket(ticket)
                return ["ticket": .object(ticket.registryJSON)]
            }
            print("Granted \(ticket.id): \(person) on \(target) from \(RegistryDate.format(start)) until \(RegistryDate.format(end)).")
        }
    }
}

struct TicketListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tickets.")

    @OptionGroup var options: RegistryOptions
    @Option(name: .long, help: "Only this person's tickets.") var person: String?
    @Option(name: .long, help: "Only tickets for this target.") var target: String?

    func run() async throws {
        try await reportingErrors {
            let tickets = try await options.withStore { try await $0.tickets(person: person, target: target) }
            guard !tickets.isEmpty else { return print("No tickets.") }
            let now = Date()
            print(table(
                ["ID", "PERSON", "TARGET", "FROM", "UNTIL", "STATE", "GRANTED BY", "REASON"],
                tickets.map { t in
                    let state =
                        t.revokedAt.map { "revoked \(RegistryDate.format($0))" }
                        ?? (t.isActive(at: now) ? "active" : now < t.validFrom ? "future" : "expired")
                    return [
                        t.id, t.person, t.target, RegistryDate.format(t.validFrom), RegistryDate.format(t.validUntil), state,
                        t.grantedBy, t.reason,
                    ]
                }))
        }
    }
}

struct TicketRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a ticket now.")

    @OptionGroup var options: RegistryOptions
    @Argument(help: "The ticket id (T-…).") var id: String

    func run() async throws {
        try await reportingErrors {
            let now = Date()
            try await options.recordingChange("ticket.revoke") { store in
                let t = try await store.revokeTicket(id: id, at: now)
                return ["ticket": .object(t.registryJSON)]
            }
            print("Revoked \(id) at \(RegistryDate.format(now)).")
        }
    }
}
