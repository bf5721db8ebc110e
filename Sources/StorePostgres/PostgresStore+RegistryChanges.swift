import EscortCore
import Foundation
import Logging
import PostgresNIO
import Store

/// Changing what is registered: people and targets replaced (keys kept in step), tickets moved,
/// a whole registry loaded. Each change is one transaction; the row changed is locked first
/// (`FOR UPDATE`), so two admins changing one entry at once are serialised.
extension PostgresStore {
    @discardableResult
    public func updatePerson(_ person: Person) async throws -> Person {
        let p = try person.validated()
        let body = try StoredJSON.encode(p)
        let logger = logger
        return try await transaction { c in
            guard let row = try await c.rows("SELECT body FROM person WHERE name = \(p.name) FOR UPDATE", logger).first else {
                throw StoreError.noPerson(p.name)
            }
            let old = try Self.person(row)
            try await c.query("UPDATE person SET body = \(body) WHERE name = \(p.name)", logger: logger)
            try await c.query("DELETE FROM person_key WHERE person = \(p.name)", logger: logger)
            try await Self.insertKeys(of: p, c, logger)
            if p.removed != nil {
                try await c.query("DELETE FROM console_credential WHERE person = \(p.name)", logger: logger)
            }
            return old
        }
    }

    @discardableResult
    public func updateTarget(_ target: Target) async throws -> Target {
        let t = try target.validated()
        let body = try StoredJSON.encode(t)
        let logger = logger
        return try await transaction { c in
            guard let row = try await c.rows("SELECT body FROM target WHERE name = \(t.name) FOR UPDATE", logger).first else {
                throw StoreError.noTarget(t.name)
            }
            let old = try Self.target(row)
            try await c.query("UPDATE target SET impact_level = \(t.impactLevel.rawValue), body = \(body) WHERE name = \(t.name)", logger: logger)
            return old
        }
    }

    @discardableResult
    public func extendTicket(id: String, until: Date) async throws -> Ticket {
        let logger = logger
        return try await transaction { c in
            guard var t = try await c.rows("SELECT \(unescaped: Self.ticketColumns) FROM ticket WHERE id = \(id) FOR UPDATE", logger)
                .first.map(Self.ticket)
            else { throw StoreError.noTicket(id) }
            if let revoked = t.revokedAt { throw StoreError.alreadyRevoked(id, at: revoked) }
            // The person's row serialises grants and extensions, as in grantTicket.
            _ = try await c.exists("SELECT 1 FROM person WHERE name = \(t.person) FOR UPDATE", logger)
            t.validUntil = until
            t = try t.validated()
            let from = t.validFrom.timeIntervalSince1970
            let end = until.timeIntervalSince1970
            let clash = try await c.rows(
                """
                SELECT \(unescaped: Self.ticketColumns) FROM ticket WHERE person = \(t.person) AND target = \(t.target)
                AND revoked_at IS NULL AND id <> \(id) AND valid_from < \(end) AND \(from) < valid_until ORDER BY valid_from LIMIT 1
                """, logger
            ).first.map(Self.ticket)
            if let clash { throw StoreError.overlapping(t, clash) }
            try await c.query("UPDATE ticket SET valid_until = \(end) WHERE id = \(id)", logger: logger)
            return t
        }
    }

    public func importRegistry(_ contents: RegistryContents) async throws {
        let all = try contents.validated()
        let people = try all.people.map { ($0, try StoredJSON.encode($0)) }
        let targets = try all.targets.map { ($0, try StoredJSON.encode($0)) }
        let logger = logger
        try await transaction { c in
            // Two imports at once into one empty database: the second waits, then finds it full.
            try await c.query("LOCK TABLE person, target, ticket IN EXCLUSIVE MODE", logger: logger)
            if try await c.exists("SELECT 1 FROM person LIMIT 1", logger) { throw StoreError.registryNotEmpty("it has people") }
            if try await c.exists("SELECT 1 FROM target LIMIT 1", logger) { throw StoreError.registryNotEmpty("it has targets") }
            if try await c.exists("SELECT 1 FROM ticket LIMIT 1", logger) { throw StoreError.registryNotEmpty("it has tickets") }
            for (i, (p, body)) in people.enumerated() {
                do {
                    if try await c.exists("SELECT 1 FROM person WHERE name = \(p.name)", logger) { throw StoreError.personExists(p.name) }
                    try await c.query("INSERT INTO person (name, body) VALUES (\(p.name), \(body))", logger: logger)
                    try await Self.insertKeys(of: p, c, logger)
                } catch let e as StoreError { throw e.inImport(at: i, p) }
            }
            for (t, body) in targets {
                if try await c.exists("SELECT 1 FROM target WHERE name = \(t.name)", logger) { throw StoreError.targetExists(t.name) }
                try await c.query("INSERT INTO target (name, impact_level, body) VALUES (\(t.name), \(t.impactLevel.rawValue), \(body))", logger: logger)
            }
            for t in all.tickets {
                guard try await c.exists("SELECT 1 FROM person WHERE name = \(t.person)", logger) else { throw StoreError.noPerson(t.person) }
                guard try await c.exists("SELECT 1 FROM target WHERE name = \(t.target)", logger) else { throw StoreError.noTarget(t.target) }
                if try await c.exists("SELECT 1 FROM ticket WHERE id = \(t.id)", logger) { throw StoreError.ticketExists(t.id) }
                try await c.query(
                    """
                    INSERT INTO ticket (id, person, target, valid_from, valid_until, reason, granted_by, revoked_at)
                    VALUES (\(t.id), \(t.person), \(t.target), \(t.validFrom.timeIntervalSince1970), \(t.validUntil.timeIntervalSince1970),
                            \(t.reason), \(t.grantedBy), \(t.revokedAt?.timeIntervalSince1970))
                    """, logger: logger)
            }
            for cr in all.credentials {
                try await c.query(
                    """
                    INSERT INTO console_credential (person, password_hash, totp_secret, updated)
                    VALUES (\(cr.person), \(cr.passwordHash), \(cr.totpSecret), \(cr.updated.timeIntervalSince1970))
                    """, logger: logger)
            }
        }
    }
}
