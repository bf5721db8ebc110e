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
}
