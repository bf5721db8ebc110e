import EscortCore
import Foundation
import Logging
import PostgresNIO
import Store

extension PostgresStore: RegistryStore {
    public func addPerson(_ person: Person) async throws {
        let person = try person.validated()
        let logger = logger
        try await transaction { c in try await Self.insert(person, c, logger) }
    }

    public func importPeople(_ people: [Person]) async throws {
        let all = try people.validatedForImport()
        let logger = logger
        try await transaction { c in
            for (i, p) in all.enumerated() {
                do { try await Self.insert(p, c, logger) } catch let e as StoreError { throw e.inImport(at: i, p) }
            }
        }
    }

    public func person(named name: String) async throws -> Person? {
        try await rows("SELECT body FROM person WHERE name = \(name)").first.map(Self.person)
    }

    public func person(withKey blob: [UInt8]) async throws -> Person? {
        try await rows("SELECT p.body FROM person_key k JOIN person p ON p.name = k.person WHERE k.blob = \(Data(blob))")
            .first.map(Self.person)
    }

    public func people() async throws -> [Person] {
        try await rows("SELECT body FROM person ORDER BY name COLLATE \"C\"").map(Self.person)
    }

    public func addTarget(_ target: Target) async throws {
        let target = try target.validated()
        let body = try StoredJSON.encode(target)
        let logger = logger
        try await transaction { c in
            if try await c.exists("SELECT 1 FROM target WHERE name = \(target.name)", logger) {
                throw StoreError.targetExists(target.name)
            }
            try await c.query(
                "INSERT INTO target (name, impact_level, body) VALUES (\(target.name), \(target.impactLevel.rawValue), \(body))",
                logger: logger)
        }
    }

    public func target(named name: String) async throws -> Target? {
        try await rows("SELECT body FROM target WHERE name = \(name)").first.map(Self.target)
    }

    public func targets() async throws -> [Target] {
        try await rows("SELECT body FROM target ORDER BY name COLLATE \"C\"").map(Self.target)
    }

    /// Stores a ticket. The person's row is locked first (`FOR UPDATE`), so two gateways granting
    /// overlapping tickets at once are serialised and the second sees the first.
    public func grantTicket(_ ticket: Ticket) async throws {
        let t = try ticket.validated()
        let logger = logger
        try await transaction { c in
            guard try await c.exists("SELECT 1 FROM person WHERE name = \(t.person) FOR UPDATE", logger) else {
                throw StoreError.noPerson(t.person)
            }
            guard try await c.exists("SELECT 1 FROM target WHERE name = \(t.target)", logger) else {
                throw StoreError.noTarget(t.target)
            }
            if try await c.exists("SELECT 1 FROM ticket WHERE id = \(t.id)", logger) { throw StoreError.ticketExists(t.id) }
            let from = t.validFrom.timeIntervalSince1970
            let until = t.validUntil.timeIntervalSince1970
            let clash = try await c.rows(
                """
                SELECT \(unescaped: Self.ticketColumns) FROM ticket WHERE person = \(t.person) AND target = \(t.target)
                AND revoked_at IS NULL AND valid_from < \(until) AND \(from) < valid_until ORDER BY valid_from LIMIT 1
                """, logger
            ).first.map(Self.ticket)
            if let clash { throw StoreError.overlapping(t, clash) }
            try await c.query(
                """
                INSERT INTO ticket (id, person, target, valid_from, valid_until, reason, granted_by, revoked_at)
                VALUES (\(t.id), \(t.person), \(t.target), \(from), \(until), \(t.reason), \(t.grantedBy), \(t.revokedAt?.timeIntervalSince1970))
                """, logger: logger)
        }
    }

    public func tickets(person: String?, target: String?) async throws -> [Ticket] {
        try await rows(
            """
            SELECT \(unescaped: Self.ticketColumns) FROM ticket
            WHERE (\(person)::text IS NULL OR person = \(person)) AND (\(target)::text IS NULL OR target = \(target))
            ORDER BY valid_from, id COLLATE "C"
            """
        ).map(Self.ticket)
    }

    @discardableResult
    public func revokeTicket(id: String, at date: Date) async throws -> Ticket {
        let logger = logger
        return try await transaction { c in
            guard var t = try await c.rows("SELECT \(unescaped: Self.ticketColumns) FROM ticket WHERE id = \(id) FOR UPDATE", logger)
                .first.map(Self.ticket)
            else { throw StoreError.noTicket(id) }
            if let revoked = t.revokedAt { throw StoreError.alreadyRevoked(id, at: revoked) }
            try await c.query("UPDATE ticket SET revoked_at = \(date.timeIntervalSince1970) WHERE id = \(id)", logger: logger)
            t.revokedAt = date
            return t
        }
    }

    public func activeTickets(person: String, target: String, at date: Date) async throws -> [Ticket] {
        let s = date.timeIntervalSince1970
        return try await rows(
            """
            SELECT \(unescaped: Self.ticketColumns) FROM ticket WHERE person = \(person) AND target = \(target)
            AND valid_from <= \(s) AND \(s) < valid_until AND (revoked_at IS NULL OR \(s) < revoked_at)
            ORDER BY valid_from, id COLLATE "C"
            """
        ).map(Self.ticket)
    }

    // MARK: - Rows

    static func insert(_ p: Person, _ c: PostgresConnection, _ logger: Logger) async throws {
        if let row = try await c.rows("SELECT body FROM person WHERE name = \(p.name)", logger).first {
            throw try person(row).removed == nil ? StoreError.personExists(p.name) : StoreError.personRemoved(p.name)
        }
        try await c.query("INSERT INTO person (name, body) VALUES (\(p.name), \(try StoredJSON.encode(p)))", logger: logger)
        try await insertKeys(of: p, c, logger)
    }

    /// Registers every key of `p` (none may belong to anyone already).
    static func insertKeys(of p: Person, _ c: PostgresConnection, _ logger: Logger) async throws {
        for k in p.keys {
            if let row = try await c.rows("SELECT person FROM person_key WHERE blob = \(Data(k.blob))", logger).first {
                throw StoreError.keyRegistered(k, to: try decoded(row, String.self))
            }
            try await c.query(
                "INSERT INTO person_key (blob, person, algorithm, comment) VALUES (\(Data(k.blob)), \(p.name), \(k.algorithm), \(k.comment))",
                logger: logger)
        }
    }

    static let ticketColumns = "id, person, target, valid_from, valid_until, reason, granted_by, revoked_at"

    static func ticket(_ row: PostgresRow) throws -> Ticket {
        let (id, person, target, from, until, reason, by, revoked) =
            try decoded(row, (String, String, String, Double, Double, String, String, Double?).self)
        return Ticket(
            id: id, person: person, target: target, validFrom: Date(timeIntervalSince1970: from),
            validUntil: Date(timeIntervalSince1970: until), reason: reason, grantedBy: by,
            revokedAt: revoked.map { Date(timeIntervalSince1970: $0) })
    }

    static func person(_ row: PostgresRow) throws -> Person {
        try StoredJSON.decode(Person.self, try decoded(row, String.self), "person")
    }

    static func target(_ row: PostgresRow) throws -> Target {
        try StoredJSON.decode(Target.self, try decoded(row, String.self), "target")
    }
}
