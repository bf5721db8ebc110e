import EscortCore
import Foundation

/// The registry's refusals, worded once for every backend (the conformance suites check the words).
extension StoreError {
    /// `.duplicate`: the login name is taken.
    public static func personExists(_ name: String) -> StoreError {
        StoreError(.duplicate, "a person named \(name) already exists")
    }

    /// `.duplicate`: the SSH key already belongs to `owner`.
    public static func keyRegistered(_ key: SSHPublicKey, to owner: String) -> StoreError {
        let label = key.comment.isEmpty ? key.algorithm : "\(key.algorithm) (\(key.comment))"
        return StoreError(.duplicate, "the key \(label) is already registered to \(owner)")
    }

    /// `.duplicate`: the target name is taken.
    public static func targetExists(_ name: String) -> StoreError {
        StoreError(.duplicate, "a target named \(name) already exists")
    }

    /// `.missing`: no person has this login name.
    public static func noPerson(_ name: String) -> StoreError { StoreError(.missing, "no person named \(name)") }

    /// `.missing`: no target has this name.
    public static func noTarget(_ name: String) -> StoreError { StoreError(.missing, "no target named \(name)") }

    /// `.duplicate`: the ticket id is taken.
    public static func ticketExists(_ id: String) -> StoreError {
        StoreError(.duplicate, "a ticket with id \(id) already exists")
    }

    /// `.missing`: no ticket has this id.
    public static func noTicket(_ id: String) -> StoreError { StoreError(.missing, "no ticket with id \(id)") }

    /// `.conflict`: the ticket was revoked before.
    public static func alreadyRevoked(_ id: String, at date: Date) -> StoreError {
        StoreError(.conflict, "ticket \(id) was already revoked at \(RegistryDate.format(date))")
    }

    /// `ticket` overlaps `clash`, an unrevoked ticket of the same person for the same target.
    public static func overlapping(_ ticket: Ticket, _ clash: Ticket) -> StoreError {
        StoreError(
            .conflict,
            "\(ticket.person) already holds ticket \(clash.id) for \(ticket.target) from \(RegistryDate.format(clash.validFrom)) until \(RegistryDate.format(clash.validUntil)), which overlaps; revoke it first or choose another window")
    }

    /// `.conflict`: an import into a store that already holds a registry.
    public static func registryNotEmpty(_ what: String) -> StoreError {
        StoreError(.conflict, "the store already holds a registry (\(what)); import only into an empty store, nothing was imported")
    }

    /// `.duplicate`: a removed person's name is not given to someone new.
    public static func personRemoved(_ name: String) -> StoreError {
        StoreError(.duplicate, "a person named \(name) was removed; the name stays with their history and is not reused")
    }

    /// `.duplicate`: the training result id is taken.
    public static func trainingResultExists(_ id: String) -> StoreError {
        StoreError(.duplicate, "a training result with id \(id) already exists")
    }

    /// `.notFound`: a console credential names someone not registered.
    public static func noCredentialPerson(_ name: String) -> StoreError {
        StoreError(.notFound, "no person called \(name) is registered")
    }

    /// An import refused at the `index`-th person (0-based): the message says nothing was imported.
    public func inImport(at index: Int, _ person: Person) -> StoreError {
        StoreError(code, "person \(index + 1) (\(person.name)): \(message); nothing was imported")
    }
}

extension Array where Element == Person {
    /// Every person validated, in order; the first invalid one is thrown naming its position.
    public func validatedForImport() throws -> [Person] {
        var checked: [Person] = []
        for (i, p) in enumerated() {
            do { checked.append(try p.validated()) } catch { throw error.prefixed("person \(i + 1) (\(p.name))") }
        }
        return checked
    }
}
