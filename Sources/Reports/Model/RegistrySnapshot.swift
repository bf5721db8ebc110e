import EscortCore
import Store

/// The registries as read when the report is made: who people are (citizenship, residence,
/// employer, contractor) and which tickets were granted. The audit log says what happened; this
/// says who it happened to.
public struct RegistrySnapshot: Sendable {
    public var people: [String: Person]
    public var targets: [String: Target]
    public var tickets: [Ticket]

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

    /// The contractor a person works under; people no longer registered are grouped apart.
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

    /// The ties of `person` (may be nil if unregistered) in `session` (nil: the person alone).
    public static func of(person: Person?, session: SessionActivity?, concern: Set<CountryCode>) -> ConcernTies {
        let codes = Set(concern.map(\.code))
        var ties: [String] = []
        if let person {
            for c in person.citizenships where codes.contains(c.code) { ties.append("citizen of \(c.code)") }
            if codes.contains(person.residence.code) { ties.append("resides in \(person.residence.code)") }
        }
        if let s = session {
            if let l = s.effectiveLocation, codes.contains(l) { ties.append("located in \(l)") }
            if let c = s.sourceCountry, codes.contains(c), c != s.effectiveLocation { ties.append("connected from \(c)") }
        }
        return ConcernTies(ties: ties)
    }
}
