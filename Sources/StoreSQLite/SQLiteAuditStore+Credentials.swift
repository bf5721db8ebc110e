import EscortCore
import Foundation
import GRDB
import Store

extension SQLiteAuditStore: CredentialStore {
    public func setCredential(_ credential: ConsoleCredential) async throws {
        let c = credential
        try await storeWrite { db in
            guard try String.fetchOne(db, sql: "SELECT name FROM person WHERE name = ?", arguments: [c.person]) != nil else {
                throw StoreError.noCredentialPerson(c.person)
            }
            try db.execute(
                sql: """
                    INSERT INTO console_credential (person, password_hash, totp_secret, updated) VALUES (?, ?, ?, ?)
                    ON CONFLICT(person) DO UPDATE SET password_hash = excluded.password_hash,
                        totp_secret = excluded.totp_secret, updated = excluded.updated
                    """,
                arguments: [c.person, c.passwordHash, c.totpSecret, c.updated.timeIntervalSince1970])
        }
    }

    /// The credential of `person`, or nil if none was set or the person is disabled or removed
    /// (nobody signs in to the web console in their name while the registry says no).
    public func credential(for person: String) async throws -> ConsoleCredential? {
        try await storeRead { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT c.person, c.password_hash, c.totp_secret, c.updated, p.body FROM console_credential c
                    JOIN person p ON p.name = c.person WHERE c.person = ?
                    """,
                arguments: [person])
            else { return nil }
            guard try Self.decodePerson(row[4]).isEnabled else { return nil }
            return ConsoleCredential(person: row[0], passwordHash: row[1], totpSecret: row[2], updated: Date(timeIntervalSince1970: row[3]))
        }
    }
}
