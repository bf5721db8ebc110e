import Foundation

/// Permission for one person to work on one target during a window of time, granted by an admin.
public struct Ticket: Sendable, Codable, Hashable {
    /// `T-` and 8 random characters, e.g. `T-7KQ2M9XA`.
    public var id: String
    /// The person's login name.
    public var person: String
    /// The target's name.
    public var target: String
    /// The window is `validFrom ..< validUntil`.
    public var validFrom: Date
    public var validUntil: Date
    /// Why the work is needed (e.g. a change or incident number).
    public var reason: String
    /// The admin who granted it.
    public var grantedBy: String
    /// When it was revoked, if it was.
    public var revokedAt: Date?

    public init(
        id: String = Ticket.newID(), person: String, target: String, validFrom: Date, validUntil: Date,
        reason: String, grantedBy: String, revokedAt: Date? = nil
    ) {
        self.id = id
        self.person = person
        self.target = target
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.reason = reason
        self.grantedBy = grantedBy
        self.revokedAt = revokedAt
    }

    /// Whether the ticket allows work at `date`: inside its window and not revoked by then.
    public func isActive(at date: Date) -> Bool {
        guard validFrom <= date, date < validUntil else { return false }
        if let revokedAt, revokedAt <= date { return false }
        return true
    }

    /// Whether the two windows share a moment.
    public func overlaps(_ other: Ticket) -> Bool {
        validFrom < other.validUntil && other.validFrom < validUntil
    }

    /// The ticket, checked: names, a non-empty forward window, a reason and a grantor.
    ///
    /// - Throws: ``RegistryError`` naming the field.
    public func validated() throws(RegistryError) -> Ticket {
        try LoginName.check(person, field: "person")
        try LoginName.check(target, field: "target")
        guard validFrom < validUntil else {
            throw RegistryError(.invalidTicket, "the ticket ends before it starts (until must be after from)", field: "until")
        }
        guard !reason.trimmingASCIIWhitespace().isEmpty else {
            throw RegistryError(.invalidField, "a ticket needs a reason", field: "reason")
        }
        guard !grantedBy.trimmingASCIIWhitespace().isEmpty else {
            throw RegistryError(.invalidField, "a ticket needs the name of who granted it", field: "by")
        }
        return self
    }

    /// A fresh ticket id: `T-` and 8 characters of Crockford base32 (40 random bits).
    public static func newID() -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var g = SystemRandomNumberGenerator()
        return "T-" + String((0..<8).map { _ in alphabet[Int(g.next() % 32)] })
    }
}
