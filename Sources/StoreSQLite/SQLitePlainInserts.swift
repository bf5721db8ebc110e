import Foundation
import GRDB

/// Plain SQLite inserts with the audit store's durability settings (WAL, `synchronous=FULL`),
/// one transaction per insert: the baseline the audit benchmark compares against.
package final class SQLitePlainInserts: Sendable {
    private let pool: DatabasePool

    package init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: config)
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS plain (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        }
    }

    /// Inserts one row in its own committed transaction.
    package func insert(_ body: [UInt8]) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO plain (body) VALUES (?)", arguments: [Data(body)])
        }
    }
}
