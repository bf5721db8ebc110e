import EscortCore
import Foundation
import GRDB
import Store

extension SQLiteAuditStore: RegistryStore {
    public func addPerson(_ person: Person) async throws {
        let person = try person.validated()
        try await write { db in try Self.insert(person, db) }
    }

    public func importPeople(_ people: [Person]) async throws {
        let all = try people.validatedForImport()
        try await write { db in
            for (i, p) in all.enumerated() {
                do { try Self.insert(p, db) } catch let e as StoreError { throw e.inImport(at: i, p) }
            }
        }
    }

    public func person(named name: String) async throws -> Person? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT body FROM person WHERE name = ?", arguments: [name]).map(Self.decodePerson)
        }
    }

    public func person(withKey blob: [UInt8]) async throws -> Person? {
        try await read { db in
            try String.fetchOne(
                db, sql: "SELECT p.body FROM person_key k JOIN person p ON p.name = k.person WHERE k.blob = ?",
                arguments: [Data(blob)]
            ).map(Self.decodePerson)
        }
    }

    public func people() async throws -> [Person] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT body FROM person ORDER BY name").map(Self.decodePerson)
        }
    }

    public func addTarget(_ target: Target) async throws {
        let target = try target.validated()
        let body = try Self.encode(target)
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM target WHERE name = ?", arguments: [target.name]) != nil {
                throw StoreError.targetExists(target.name)
            }
            try db.execute(
                sql: "INSERT INTO target (name, impact_level, body) VALUES (?, ?, ?)",
                arguments: [target.name, target.impactLevel.rawValue, body])
        }
    }

    public func target(named name: String) async throws -> Target? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT body FROM target WHERE name = ?", arguments: [name]).map(Self.decodeTarget)
        }
    }

    public func targets() async throws -> [Target] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT body FROM target ORDER BY name").map(Self.decodeTarget)
        }
    }

    public func grantTicket(_ ticket: Ticket) async throws {
        let t = try ticket.validated()
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM person WHERE name = ?", arguments: [t.person]) != nil else {
                throw StoreError.noPerson(t.person)
            }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM target WHERE name = ?", arguments: [t.target]) != nil else {
                throw StoreError.noTarget(t.target)
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM ticket WHERE id = ?", arguments: [t.id]) != nil {
                throw StoreError.ticketExists(t.id)
            }
            let clash = try Self.fetchTickets(
                db,
                sql: """
                    SELECT \(Self.ticketColumns) FROM ticket WHERE person = ? AND target = ? AND revoked_at IS NULL
                    AND valid_from < ? AND ? < valid_until ORDER BY valid_from LIMIT 1
                    """,
                arguments: [t.person, t.target, t.validUntil.timeIntervalSince1970, t.validFrom.timeIntervalSince1970]
            ).first
            if let clash { throw StoreError.overlapping(t, clash) }
            try db.execute(
                sql: """
                    INSERT INTO ticket (id, person, target, valid_from, valid_until, reason, granted_by, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    t.id, t.person, t.target, t.validFrom.timeIntervalSince1970, t.validUntil.timeIntervalSince1970,
                    t.reason, t.grantedBy, t.revokedAt?.timeIntervalSince1970,
                ])
        }
    }

    public func tickets(person: String?, target: String?) async throws -> [Ticket] {
        try await read { db in
            var clauses: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let person { clauses.append("person = ?"); arguments.append(person) }
            if let target { clauses.append("target = ?"); arguments.append(target) }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Self.fetchTickets(
                db, sql: "SELECT \(Self.ticketColumns) FROM ticket \(filter) ORDER BY valid_from, id",
                arguments: StatementArguments(arguments))
        }
    }

    @discardableResult
    public func revokeTicket(id: String, at date: Date) async throws -> Ticket {
        try await write { db in
            guard var t = try Self.fetchTickets(
                db, sql: "SELECT \(Self.ticketColumns) FROM ticket WHERE id = ?", arguments: [id]
            ).first else {
                throw StoreError.noTicket(id)
            }
            if let revoked = t.revokedAt {
                throw StoreError.alreadyRevoked(id, at: revoked)
            }
            try db.execute(sql: "UPDATE ticket SET revoked_at = ? WHERE id = ?", arguments: [date.timeIntervalSince1970, id])
            t.revokedAt = date
            return t
        }
    }

    public func activeTickets(person: String, target: String, at date: Date) async throws -> [Ticket] {
        let s = date.timeIntervalSince1970
        return try await read { db in
            try Self.fetchTickets(
                db,
                sql: """
                    SELECT \(Self.ticketColumns) FROM ticket WHERE person = ? AND target = ?
                    AND valid_from <= ? AND ? < valid_until AND (revoked_at IS NULL OR ? < revoked_at)
                    ORDER BY valid_from, id
                    """,
                arguments: [person, target, s, s, s])
        }
    }

    // MARK: - Rows

    static func insert(_ p: Person, _ db: Database) throws {
        if let body = try String.fetchOne(db, sql: "SELECT body FROM person WHERE name = ?", arguments: [p.name]) {
            throw try decodePerson(body).removed == nil ? StoreError.personExists(p.name) : StoreError.personRemoved(p.name)
        }
        try db.execute(sql: "INSERT INTO person (name, body) VALUES (?, ?)", arguments: [p.name, try encode(p)])
        try insertKeys(of: p, db)
    }

    /// Registers every key of `p` (none may belong to anyone already).
    static func insertKeys(of p: Person, _ db: Database) throws {
        for k in p.keys {
            if let owner = try String.fetchOne(db, sql: "SELECT person FROM person_key WHERE blob = ?", arguments: [Data(k.blob)]) {
                throw StoreError.keyRegistered(k, to: owner)
            }
            try db.execute(
                sql: "INSERT INTO person_key (blob, person, algorithm, comment) VALUES (?, ?, ?, ?)",
                arguments: [Data(k.blob), p.name, k.algorithm, k.comment])
        }
    }

    static let ticketColumns = "id, person, target, valid_from, valid_until, reason, granted_by, revoked_at"

    static func fetchTickets(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Ticket] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            guard let id: String = row["id"], let person: String = row["person"], let target: String = row["target"],
                let from: Double = row["valid_from"], let until: Double = row["valid_until"],
                let reason: String = row["reason"], let by: String = row["granted_by"]
            else { throw StoreError(.badRow, "a ticket row has a missing or mistyped column") }
            let revoked: Double? = row["revoked_at"]
            return Ticket(
                id: id, person: person, target: target, validFrom: Date(timeIntervalSince1970: from),
                validUntil: Date(timeIntervalSince1970: until), reason: reason, grantedBy: by,
                revokedAt: revoked.map { Date(timeIntervalSince1970: $0) })
        }
    }

    static func encode<T: Encodable>(_ value: T) throws -> String { try StoredJSON.encode(value) }
    static func decodePerson(_ body: String) throws -> Person { try StoredJSON.decode(Person.self, body, "person") }
    static func decodeTarget(_ body: String) throws -> Target { try StoredJSON.decode(Target.self, body, "target") }

    // MARK: - Transactions

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch { throw registryError(error) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw registryError(error) }
    }

    func registryError(_ error: any Error) -> any Error {
        if let e = error as? DatabaseError, e.resultCode == .SQLITE_ERROR, e.message?.hasPrefix("no such table") == true {
            return StoreError(.notFound, "\(path) holds no Escort registry (\(e.message ?? "")); open it with create: true to add one")
        }
        return Self.storeError(error, path: path)
    }
}
