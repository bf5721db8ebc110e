import EscortCore
import Foundation

/// The registry's refusals, worded once for every backend (the conformance suites check the words).
extension StoreError {
    public static func personExists(_ name: String) -> StoreError {
        StoreError(.duplicate, "a person named \(name) already exists")
    }

    public static func keyRegistered(_ key: SSHPublicKey, to owner: String) -> StoreError {
        let label = key.comment.isEmpty ? key.algorithm : "\(key.algorithm) (\(key.comment))"
        return StoreError(.duplicate, "the key \(label) is already registered to \(owner)")
    }

    public static func targetExists(_ name: String) -> StoreError {
        StoreError(.duplicate, "a target named \(name) already exists")
    }

    public static func noPerson(_ name: String) -> StoreError { StoreError(.missing, "no person named \(name)") }

    public static func noTarget(_ name: String) -> StoreError { StoreError(.missing, "no target named \(name)") }

    public static func ticketExists(_ id: String) -> StoreError {
        StoreError(.duplicate, "a ticket with id \(id) already exists")
    }

    public static func noTicket(_ id: String) -> StoreError { StoreError(.missing, "no ticket with id \(id)") }

    public static func alreadyRevoked(_ id: String, at date: Date) -> StoreError {
        StoreError(.conflict, "ticket \(id) was already revoked at \(RegistryDate.format(date))")
    }

    /// `ticket` overlaps `clash`, an unrevoked ticket of the same person for the same target.
    public static func overlapping(_ ticket: Ticket, _ clash: Ticket) -> StoreError {
        StoreError(
            .conflict,
            "\(ticket.person) already holds ticket \(clash.id) for \(ticket.target) from \(RegistryDate.format(clash.validFrom)) until \(RegistryDate.format(clash.validUntil)), which overlaps; revoke it first or choose another window")
    }

    public static func trainingResultExists(_ id: String) -> StoreError {
        StoreError(.duplicate, "a training result with id \(id) already exists")
    }

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
