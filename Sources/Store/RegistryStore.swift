import EscortCore
import Foundation

/// The personnel and target registries and the tickets that join them.
///
/// Every write validates its input (``Person/validated()`` etc.) and is atomic. Every storage
/// backend passes the shared suite in `EscortTesting` (``RegistryStoreConformance``).
public protocol RegistryStore: Sendable {
    /// Adds a person.
    ///
    /// - Throws: ``StoreError`` `.duplicate` if the name is taken or one of the keys is already
    ///   registered (to anyone); `RegistryError` if the person is not valid.
    func addPerson(_ person: Person) async throws

    /// Adds every person in one transaction: all or nothing.
    ///
    /// - Throws: the first problem, naming the person (and its position in the list); nothing is added.
    func importPeople(_ people: [Person]) async throws

    /// The person with this login name.
    func person(named name: String) async throws -> Person?

    /// The person who registered this SSH key blob (wire format).
    func person(withKey blob: [UInt8]) async throws -> Person?

    /// Everyone, by name.
    func people() async throws -> [Person]

    /// Adds a target.
    ///
    /// - Throws: ``StoreError`` `.duplicate` if the name is taken.
    func addTarget(_ target: Target) async throws

    /// The target with this name.
    func target(named name: String) async throws -> Target?

    /// Every target, by name.
    func targets() async throws -> [Target]

    /// Stores a ticket.
    ///
    /// - Throws: ``StoreError`` `.missing` if the person or target is unknown, `.duplicate` if the
    ///   id is taken, `.conflict` if the same person and target already hold an unrevoked
    ///   ticket whose window overlaps this one (the message names it).
    func grantTicket(_ ticket: Ticket) async throws

    /// Tickets, optionally only one person's and/or one target's, ordered by start then id.
    func tickets(person: String?, target: String?) async throws -> [Ticket]

    /// Marks a ticket revoked at `date` and returns it.
    ///
    /// - Throws: ``StoreError`` `.missing` for an unknown id, `.conflict` if it is already revoked.
    @discardableResult
    func revokeTicket(id: String, at date: Date) async throws -> Ticket

    /// The person's tickets for the target that are active at `date` (see ``Ticket/isActive(at:)``).
    func activeTickets(person: String, target: String, at date: Date) async throws -> [Ticket]

    // MARK: - Changes (registry-v2)

    /// Replaces a person's record with `person` (same name) and returns the one it replaced.
    /// The keys that authenticate the person become exactly `person.keys`: keys no longer listed
    /// stop authenticating at once, new ones are registered.
    ///
    /// - Throws: ``StoreError`` `.missing` for an unknown name, `.duplicate` if a new key is
    ///   registered to someone else; `RegistryError` if the person is not valid. Nothing changes.
    @discardableResult
    func updatePerson(_ person: Person) async throws -> Person

    /// Replaces a target's record with `target` (same name) and returns the one it replaced.
    ///
    /// - Throws: ``StoreError`` `.missing` for an unknown name; `RegistryError` if not valid.
    @discardableResult
    func updateTarget(_ target: Target) async throws -> Target

    /// Moves an unrevoked ticket's end to `until` (later or earlier, but after its start) and
    /// returns it.
    ///
    /// - Throws: ``StoreError`` `.missing` for an unknown id, `.conflict` if it is revoked or the
    ///   new window overlaps another unrevoked ticket of the same person for the same target;
    ///   `RegistryError` `.invalidTicket` if `until` is not after the start.
    @discardableResult
    func extendTicket(id: String, until: Date) async throws -> Ticket

    /// Loads a whole registry (``RegistryContents``: people, keys, targets, tickets, console
    /// credentials) into this store in one transaction: all or nothing.
    ///
    /// - Throws: ``StoreError`` `.conflict` if this store already holds any person, target or
    ///   ticket (an import never merges), or the first problem with an entry; nothing is added.
    func importRegistry(_ contents: RegistryContents) async throws
}

/// A whole registry, as `escort registry export` writes it and `import` reads it.
public struct RegistryContents: Sendable, Hashable {
    /// Everyone, removed people included (their records keep history).
    public var people: [Person]
    public var targets: [Target]
    public var tickets: [Ticket]
    /// Web-console credentials (password hashes and TOTP secrets), by person.
    public var credentials: [ConsoleCredential]

    public init(people: [Person], targets: [Target], tickets: [Ticket], credentials: [ConsoleCredential] = []) {
        self.people = people
        self.targets = targets
        self.tickets = tickets
        self.credentials = credentials
    }

    /// Every entry checked, each error naming the entry.
    public func validated() throws -> RegistryContents {
        var out = self
        out.people = try people.validatedForImport()
        out.targets = try targets.enumerated().map { i, t in
            do throws(RegistryError) { return try t.validated() } catch { throw error.prefixed("target \(i + 1) (\(t.name))") }
        }
        out.tickets = try tickets.map { t in
            do throws(RegistryError) { return try t.validated() } catch { throw error.prefixed("ticket \(t.id)") }
        }
        let names = Set(people.map(\.name))
        for c in credentials where !names.contains(c.person) {
            throw StoreError(.missing, "the console credential of \(c.person) names nobody in the registry")
        }
        return out
    }
}
