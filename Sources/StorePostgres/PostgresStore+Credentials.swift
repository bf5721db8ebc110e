import EscortCore
import Foundation
import PostgresNIO
import Store

extension PostgresStore: CredentialStore {
    public func setCredential(_ credential: ConsoleCredential) async throws {
        let c = credential
        let logger = logger
        try await transaction { conn in
            guard try await conn.exists("SELECT 1 FROM person WHERE name = \(c.person) FOR UPDATE", logger) else {
                throw StoreError.noCredentialPerson(c.person)
            }
            try await conn.query(
                """
                INSERT INTO console_credential (person, password_hash, totp_secret, updated)
                VALUES (\(c.person), \(c.passwordHash), \(c.totpSecret), \(c.updated.timeIntervalSince1970))
                ON CONFLICT (person) DO UPDATE SET password_hash = excluded.password_hash,
                    totp_secret = excluded.totp_secret, updated = excluded.updated
                """, logger: logger)
        }
    }

    /// The credential of `person`, or nil if none was set or the person is disabled or removed.
    public func credential(for person: String) async throws -> ConsoleCredential? {
        try await rows(
            """
            SELECT c.person, c.password_hash, c.totp_secret, c.updated, p.body FROM console_credential c
            JOIN person p ON p.name = c.person WHERE c.person = \(person)
            """
        ).first.flatMap { row in
            let (person, hash, totp, updated, body) = try decoded(row, (String, String, String?, Double, String).self)
            guard try StoredJSON.decode(Person.self, body, "person").isEnabled else { return nil }
            return ConsoleCredential(person: person, passwordHash: hash, totpSecret: totp, updated: Date(timeIntervalSince1970: updated))
        }
    }
}
