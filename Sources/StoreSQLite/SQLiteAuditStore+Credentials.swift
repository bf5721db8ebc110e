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

    public func credential(for person: String) async throws -> ConsoleCredential? {
        try await storeRead { db in
            try Row.fetchOne(
                db, sql: "SELECT person, password_hash, totp_secret, updated FROM console_credential WHERE person = ?",
                arguments: [person]
            ).map { row in
                ConsoleCredential(person: row[0], passwordHash: row[1], totpSecret: row[2],
                                  updated: Date(timeIntervalSince1970: row[3]))
            }
        }
    }
}
