import EscortCore
import Foundation

extension PolicyEngine {
    /// The access decision a ticket would give on its first minute: for its person on its
    /// target at the moment it starts (or `now`, if it started already), from the person's
    /// declared location, with the ticket active.
    ///
    /// The decision still comes again at connect time: the ticket is necessary, never sufficient.
    public func ticketGrant(_ ticket: Ticket, person: Person, target: Target, now: Date) -> AccessDecision {
        let at = max(ticket.validFrom, now)
        return access(AccessRequest(person: person, target: target, sourceAddress: nil, tickets: [ticket], now: at))
    }

    /// Whether a refusal of ``ticketGrant(_:person:target:now:)`` rests only on where the person
    /// is now (their declared location and residence) rather than on who they are (citizenship,
    /// clearance, roles, employer, a disabled account): true when the same ticket would give
    /// access were they located and resident in some other country.
    ///
    /// A ticket refused on who the person is can never be used and is refused at grant; one
    /// refused only on where they are may be granted ahead of a move, with a warning — the
    /// gateway refuses every connection while they are still there.
    public func ticketRefusalRestsOnWhereabouts(_ ticket: Ticket, person: Person, target: Target, now: Date) -> Bool {
        guard ticketGrant(ticket, person: person, target: target, now: now).mode == .refused else { return false }
        for country in CountryCode.allAssigned where country != person.location || country != person.residence {
            var elsewhere = person
            elsewhere.location = country
            elsewhere.residence = country
            if ticketGrant(ticket, person: elsewhere, target: target, now: now).mode != .refused { return true }
        }
        return false
    }
}
