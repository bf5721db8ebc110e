import EscortCore
import Foundation

extension PolicyEngine {
    /// Whether granting `ticket` can be right: the access decision for its person on its target
    /// at the moment it starts (or `now`, if it started already), from the person's declared
    /// location, with the ticket active. A ticket the policy would refuse on its first minute —
    /// a national of, or someone located in, a country of concern on a target the policy closes
    /// to them; a disabled person — gives no access and is refused at grant, with the policy's
    /// reasons.
    ///
    /// The decision still comes again at connect time: the ticket is necessary, never sufficient.
    public func ticketGrant(_ ticket: Ticket, person: Person, target: Target, now: Date) -> AccessDecision {
        let at = max(ticket.validFrom, now)
        return access(AccessRequest(person: person, target: target, sourceAddress: nil, tickets: [ticket], now: at))
    }
}
