import EscortCore
import Foundation
import GRDB
import Store

/// Changing what is registered: people and targets replaced (keys kept in step), tickets moved,
/// a whole registry loaded. Each change is one transaction.
extension SQLiteAuditStore {
    @discardableResult
    public func updatePerson(_ person: Person) async throws -> Person {
        let p = try person.validated()
        let body = try Self.encode(p)
        return try await write { db in
            guard let old = try String.fetchOne(db, sql: "SELECT body FROM person WHERE name = ?", arguments: [p.name]) else {
                throw StoreError.noPerson(p.name)
            }
            try db.execute(sql: "UPDATE person SET body = ? WHERE name = ?", arguments: [body, p.name])
            try db.execute(sql: "DELETE FROM person_key WHERE person = ?", arguments: [p.name])
            try Self.insertKeys(of: p, db)
            if p.removed != nil {
                try db.execute(sql: "DELETE FROM console_credential WHERE person = ?", arguments: [p.name])
            }
            return try Self.decodePerson(old)
        }
    }

    @discardableResult
    public func updateTarget(_ target: Target) async throws -> Target {
        let t = try target.validated()
        let body = try Self.encode(t)
        return try await write { db in
            guard let old = try String.fetchOne(db, sql: "SELECT body FROM target WHERE name = ?", arguments: [t.name]) else {
                throw StoreError.noTarget(t.name)
            }
            try db.execute(sql: "UPDATE target SET impact_level = ?, body = ? WHERE name = ?", arguments: [t.impactLevel.rawValue, body, t.name])
            return try Self.decodeTarget(old)
        }
    }

    @discardableResult
    public func extendTicket(id: String, until: Date) async throws -> Ticket {
        try await write { db in
            guard var t = try Self.fetchTickets(db, sql: "SELECT \(Self.ticketColumns) FROM ticket WHERE id = ?", arguments: [id]).first else {
                throw StoreError.noTicket(id)
            }
            if let revoked = t.revokedAt { throw StoreError.alreadyRevoked(id, at: revoked) }
            t.validUntil = until
            t = try t.validated()
            let clash = try Self.fetchTickets(
                db,
                sql: """
                    SELECT \(Self.ticketColumns) FROM ticket WHERE person = ? AND target = ? AND revoked_at IS NULL AND id <> ?
                    AND valid_from < ? AND ? < valid_until ORDER BY valid_from LIMIT 1
                    """,
                arguments: [t.person, t.target, id, t.validUntil.timeIntervalSince1970, t.validFrom.timeIntervalSince1970]
            ).first
            if let clash { throw StoreError.overlapping(t, clash) }
            try db.execute(sql: "UPDATE ticket SET valid_until = ? WHERE id = ?", arguments: [until.timeIntervalSince1970, id])
            return t
        }
    }

    public func importRegistry(_ contents: RegistryContents) async throws {
        let all = try contents.validated()
        let people = try all.people.map { ($0, try Self.encode($0)) }
        let targets = try all.targets.map { ($0, try Self.encode($0)) }
        try await write { db in
            for (table, what) in [("person", "people"), ("target", "targets"), ("ticket", "tickets")]
            where try Bool.fetchOne(db, sql: "SELECT 1 FROM \(table) LIMIT 1") != nil {
                throw StoreError.registryNotEmpty("it has \(what)")
            }
            for (i, (p, body)) in people.enumerated() {
                do {
                    try db.execute(sql: "INSERT INTO person (name, body) VALUES (?, ?)", arguments: [p.name, body])
                    try Self.insertKeys(of: p, db)
                } catch let e as StoreError { throw e.inImport(at: i, p) }
            }
            for (t, body) in targets {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM target WHERE name = ?", arguments: [t.name]) != nil {
                    throw StoreError.targetExists(t.name)
                }
                try db.execute(sql: "INSERT INTO target (name, impact_level, body) VALUES (?, ?, ?)", arguments: [t.name, t.impactLevel.rawValue, body])
            }
            for t in all.tickets {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM person WHERE name = ?", arguments: [t.person]) != nil else { throw StoreError.noPerson(t.person) }
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM target WHERE name = ?", arguments: [t.target]) != nil else { throw StoreError.noTarget(t.target) }
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM ticket WHERE id = ?", arguments: [t.id]) != nil { throw StoreError.ticketExists(t.id) }
                try db.execute(
                    sql: "INSERT INTO ticket (id, person, target, valid_from, valid_until, reason, granted_by, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [t.id, t.person, t.target, t.validFrom.timeIntervalSince1970, t.validUntil.timeIntervalSince1970,
                                t.reason, t.grantedBy, t.revokedAt?.timeIntervalSince1970])
            }
            for c in all.credentials {
                try db.execute(
                    sql: "INSERT INTO console_credential (person, password_hash, totp_secret, updated) VALUES (?, ?, ?, ?)",
                    arguments: [c.person, c.passwordHash, c.totpSecret, c.updated.timeIntervalSince1970])
            }
        }
    }
}
