import ArgumentParser
import EscortCore
import Foundation
import Policy
import Store

/// `escort ticket …`: time-boxed permission for one person on one target.
struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket", abstract: "Grant, extend, list and revoke tickets.",
        subcommands: [TicketGrantCommand.self, TicketExtendCommand.self, TicketListCommand.self, TicketRevokeCommand.self])
}

struct TicketGrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant", abstract: "Let a person work on a target during a window.",
        discussion: """
            Refused if the person already holds an unrevoked ticket for the target whose window             overlaps, if the window is already over, if --by is not a registered admin, and if the             policy would refuse the person on the target even with the ticket, wherever they were located             (e.g. a national of a country of concern on a target closed to them): the error gives the             policy's reasons. A refusal only because of where the person is now (located or resident in a             country of concern) grants the ticket with a warning, recorded as policy_refuses_now: it gives             no access while they are there.
            """)

    @OptionGroup var options: RegistryOptions
    @OptionGroup var policy: PolicyOptions

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
            let now = Date()
            let ticket = try Ticket(person: person, target: target, validFrom: start, validUntil: end, reason: reason, grantedBy: by)
                .validated()
            guard end > now else {
                throw RegistryError(.invalidTicket, "the ticket's window is already over (it ends \(RegistryDate.format(end)), before now): nothing would be granted", field: "until")
            }
            let engine = try policy.engine()
            var recorder = options
            recorder.actor = options.actor ?? by
            var refusedNow: [String] = []
            try await recorder.recordingChange("ticket.grant") { store in
                refusedNow = try await Self.check(ticket, engine: engine, store: store, now: now)
                try await store.grantTicket(ticket)
                var fields: [String: JSONValue] = ["ticket": .object(ticket.registryJSON)]
                if !refusedNow.isEmpty { fields["policy_refuses_now"] = .array(refusedNow.map { .string($0) }) }
                return fields
            }
            print("Granted \(ticket.id): \(person) on \(target) from \(RegistryDate.format(start)) until \(RegistryDate.format(end)).")
            if !refusedNow.isEmpty {
                FileHandle.standardError.write(Data((
                    "escort: warning: the policy refuses \(person) on \(target) where they are now; the ticket gives no access until that changes:"
                        + refusedNow.map { "\n  - \($0)" }.joined() + "\n").utf8))
            }
        }
    }
}

extension TicketGrantCommand {
    /// The grant's people and target exist and may take part, and the policy would let the
    /// ticket's holder work on its target at all. A refusal that rests only on where the holder
    /// is now (location, residence) does not stop the grant: its reasons are returned, to be
    /// recorded and shown as a warning.
    @discardableResult
    static func check(_ t: Ticket, engine: PolicyEngine, store: any RegistryStore, now: Date) async throws -> [String] {
        guard let admin = try await store.person(named: t.grantedBy) else {
            throw StoreError(.missing, "--by \(t.grantedBy): no person named \(t.grantedBy) is registered (name the admin granting the ticket)")
        }
        if let why = admin.unavailableReason { throw StoreError(.conflict, "--by \(t.grantedBy): \(why)") }
        guard admin.has(.admin) else {
            throw StoreError(.conflict, "--by \(t.grantedBy): \(t.grantedBy) does not have the admin role, so cannot grant tickets")
        }
        let person = try await livePerson(t.person, in: store)
        let target = try await liveTarget(t.target, in: store)
        let decision = engine.ticketGrant(t, person: person, target: target, now: now)
        guard decision.mode == .refused else { return [] }
        if engine.ticketRefusalRestsOnWhereabouts(t, person: person, target: target, now: now) { return decision.reasons }
        throw StoreError(
            .conflict,
            "the policy refuses \(t.person) on \(t.target) (\(target.impactLevel.rawValue)) even with this ticket, wherever they are located, so it is not granted:"
                + decision.reasons.map { "\n  - \($0)" }.joined())
    }
}

struct TicketExtendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend", abstract: "Move a ticket's end (later, or earlier to shorten it).",
        discussion: "Refused for a revoked ticket and where the new window would overlap another ticket. Open sessions follow the new end.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The ticket id (T-…).") var id: String
    @Option(name: .long, help: "The new end (ISO 8601).") var until: String?
    @Option(name: .long, help: "Hours to add to the current end (instead of --until).") var hours: Double?

    func validate() throws {
        if (until == nil) == (hours == nil) { throw ValidationError("give either --until or --hours") }
        if let hours, !(hours > 0) { throw ValidationError("--hours must be positive") }
    }

    func run() async throws {
        try await reportingErrors {
            let given = try until.map { try parseDate($0, option: "until", endOfDay: true) }
            try await options.recordingChange("ticket.extend", by: change) { store, _ in
                guard let old = try await store.tickets(person: nil, target: nil).first(where: { $0.id == id }) else { throw StoreError.noTicket(id) }
                let end = given ?? old.validUntil.addingTimeInterval((hours ?? 0) * 3600)
                guard end > Date() else {
                    throw RegistryError(.invalidTicket, "the new end \(RegistryDate.format(end)) is already past; revoke the ticket instead", field: "until")
                }
                let t = try await store.extendTicket(id: id, until: end)
                print("\(id) now ends \(RegistryDate.format(t.validUntil)) (was \(RegistryDate.format(old.validUntil))).")
                return ["ticket": .object(t.registryJSON), "previous_valid_until": .string(RegistryDate.format(old.validUntil))]
            }
        }
    }
}

struct TicketListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tickets.")

    @OptionGroup var options: RegistryOptions
    @Option(name: .long, help: "Only this person's tickets.") var person: String?
    @Option(name: .long, help: "Only tickets for this target.") var target: String?
    @Option(name: .long, help: "text or json.") var format: PersonListCommand.Format = .text

    func run() async throws {
        try await reportingErrors {
            let tickets = try await options.withStore { try await $0.tickets(person: person, target: target) }
            if format == .json { return print(try RegistryFile.encode(tickets.map(TicketEntry.init))) }
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
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The ticket id (T-…).") var id: String

    func run() async throws {
        try await reportingErrors {
            _ = try change.requiredReason("revoking a ticket")
            let now = Date()
            try await options.recordingChange("ticket.revoke", by: change) { store, _ in
                let t = try await store.revokeTicket(id: id, at: now)
                return ["ticket": .object(t.registryJSON)]
            }
            print("Revoked \(id) at \(RegistryDate.format(now)).")
        }
    }
}
