import AuditLog
import EscortCore
import Foundation
import Store

/// The registries as read when the report is made: who people are (citizenship, residence,
/// employer, contractor) and which tickets were granted. The audit log says what happened; this
/// says who it happened to.
public struct RegistrySnapshot: Sendable {
    public var people: [String: Person]
    public var targets: [String: Target]
    public var tickets: [Ticket]
    /// Versions of people recorded in the audit log (see ``learnHistory(from:)``).
    var history = PersonHistory(changes: [])

    public init(people: [Person], targets: [Target], tickets: [Ticket]) {
        self.people = Dictionary(people.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.targets = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.tickets = tickets.sorted { ($0.validFrom, $0.id) < ($1.validFrom, $1.id) }
    }

    /// Reads everything from a registry store.
    public static func load(from store: any RegistryStore) async throws -> RegistrySnapshot {
        RegistrySnapshot(
            people: try await store.people(), targets: try await store.targets(),
            tickets: try await store.tickets(person: nil, target: nil))
    }

    /// Learns every version of every person from the log's `registry.changed` records, so that a
    /// session is reported with the person as they were recorded then.
    public mutating func learnHistory(from changes: [AuditRecord]) {
        history = PersonHistory(changes: changes)
    }

    /// The person as recorded at `date`: the latest version in the audit log at or before it, else
    /// the registry's current record, else nil (someone no longer registered and never recorded).
    public func facts(of person: String, at date: Date) -> PersonFacts? {
        history.facts(of: person, at: date) ?? people[person].map(PersonFacts.init)
    }

    /// The contractor a person worked under at `date`; people unknown to both the log and the
    /// registry are grouped apart.
    public func contractor(of person: String, at date: Date) -> String {
        facts(of: person, at: date)?.contractor ?? Self.unregistered
    }

    /// The contractor a person works under now; people no longer registered are grouped apart.
    public func contractor(of person: String) -> String {
        people[person]?.contractor ?? Self.unregistered
    }

    /// The contractor name for people the log names but the registry no longer holds.
    public static let unregistered = "(not in the registry)"

    /// Every contractor named in the registry, sorted.
    public var contractors: [String] { Set(people.values.map(\.contractor)).sorted() }
}

/// How a person or a session is tied to a country of concern.
public struct ConcernTies: Sendable, Hashable {
    /// Sentences such as `citizen of CN`, `resides in RU`, `located in CN`, `connected from CN`.
    public var ties: [String]
    public var isEmpty: Bool { ties.isEmpty }

    /// The ties of `person` (may be nil if unknown) in `session` (nil: the person alone).
    public static func of(person: PersonFacts?, session: SessionActivity?, concern: Set<CountryCode>) -> ConcernTies {
        let codes = Set(concern.map(\.code))
        var ties: [String] = []
        if let person {
            for c in person.citizenships where codes.contains(c) { ties.append("citizen of \(c)") }
            if codes.contains(person.residence) { ties.append("resides in \(person.residence)") }
        }
        if let s = session {
            if let l = s.effectiveLocation, codes.contains(l) { ties.append("located in \(l)") }
            if let c = s.sourceCountry, codes.contains(c), c != s.effectiveLocation { ties.append("connected from \(c)") }
        }
        return ConcernTies(ties: ties)
    }
}

extension RegistrySnapshot {
    /// The ties of the person of `session`, as recorded at the time, and of where they were.
    public func ties(of session: SessionActivity, concern: Set<CountryCode>) -> ConcernTies {
        ConcernTies.of(person: facts(of: session.person, at: session.time), session: session, concern: concern)
    }
}
