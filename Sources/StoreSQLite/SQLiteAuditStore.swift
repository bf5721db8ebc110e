import Foundation
import GRDB
import Store

/// The audit log's SQLite storage: one file in WAL mode with `synchronous=FULL`, so a
/// committed transaction survives a crash or a power loss.
///
/// Tables (migration `audit-v1`):
/// - `audit_record(seq INTEGER PRIMARY KEY, hash BLOB, body BLOB)` — one row per record;
/// - `audit_checkpoint(id INTEGER PRIMARY KEY, tree_size INTEGER, body BLOB, signature BLOB)`.
///
/// The same file holds the registry (people, targets, tickets; see `SQLiteAuditStore+Registry.swift`
/// and ``SQLiteMigrations``), so the gateway opens one file and gets both stores.
public final class SQLiteAuditStore: AuditStore {
    let pool: DatabasePool
    /// The file the store lives in.
    public let path: String

    /// Opens the database at `path`. With `create` (the gateway) the file and tables are created
    /// if missing; without it (verification, export) both must already exist.
    ///
    /// - Throws: ``StoreError`` with `.notFound` if the file or the audit tables are missing and
    ///   `create` is false, `.corrupt` if the file is not a usable SQLite database.
    ///
    /// With `readOnly` the file is opened for reading only (verification on a read-only medium):
    /// every append then fails with `.io`, and the gateway refuses to forward anything.
    public init(path: String, create: Bool = true, readOnly: Bool = false) throws {
        self.path = path
        let create = create && !readOnly
        if !create, !FileManager.default.fileExists(atPath: path) {
            throw StoreError(.notFound, "no database at \(path)")
        }
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        config.busyMode = .timeout(10)
        config.readonly = readOnly
        do {
            pool = try DatabasePool(path: path, configuration: config)
            let migrator = SQLiteMigrations.migrator()
            if create {
                try migrator.migrate(pool)
            } else {
                // Opening an existing log (e.g. to verify it): never create tables in someone
                // else's database, and say plainly when there is no audit log in it.
                let hasLog = try pool.read { db in try db.tableExists("audit_record") && db.tableExists("audit_checkpoint") }
                guard hasLog else { throw StoreError(.notFound, "\(path) holds no Escort audit log (no audit_record table)") }
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    public func appendAudit(records: [StoredAuditRecord], checkpoints: [StoredAuditCheckpoint]) async throws {
        do {
            try await pool.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO audit_record (seq, hash, body) VALUES (?, ?, ?)")
                for r in records {
                    try insert.execute(arguments: [r.sequence, Data(r.hash), Data(r.body)])
                }
                let cp = try db.cachedStatement(sql: "INSERT INTO audit_checkpoint (tree_size, body, signature) VALUES (?, ?, ?)")
                for c in checkpoints {
                    try cp.execute(arguments: [c.treeSize, Data(c.body), Data(c.signature)])
                }
            }
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
            && (e.message ?? "").contains("audit_record.seq") {
            // Another writer (a CLI command, another gateway) appended first: say so distinctly,
            // so the log can catch up and retry (see `AuditStore.appendAudit`).
            throw StoreError(.conflict, "\(path): an audit record with one of the sequence numbers \(records.first?.sequence ?? 0)…\(records.last?.sequence ?? 0) is already stored (another writer appended first); nothing was written")
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    public func lastAuditRecord() async throws -> StoredAuditRecord? {
        try await storeRead { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash, body FROM audit_record ORDER BY seq DESC LIMIT 1").map(Self.record)
        }
    }

    public func auditRecords(from sequence: Int64, limit: Int) async throws -> [StoredAuditRecord] {
        try await storeRead { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, hash, body FROM audit_record WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [sequence, limit])
            var result: [StoredAuditRecord] = []
            result.reserveCapacity(min(limit, 65_536))
            while let row = try rows.next() { result.append(try Self.record(row)) }
            return result
        }
    }

    public func auditRecordCount() async throws -> Int64 {
        try await storeRead { db in
            let v: DatabaseValue = try Row.fetchOne(db, sql: "SELECT count(*) FROM audit_record")?[0] ?? .null
            guard case .int64(let n) = v.storage else { throw StoreError(.badRow, "count(*) is not an integer") }
            return n
        }
    }

    public func auditCheckpoints() async throws -> [StoredAuditCheckpoint] {
        try await storeRead { db in
            try Row.fetchAll(db, sql: "SELECT tree_size, body, signature FROM audit_checkpoint ORDER BY tree_size, id").map { row in
                StoredAuditCheckpoint(
                    treeSize: try Self.integer(row, 0, "audit_checkpoint.tree_size"),
                    body: try Self.blob(row, 1, "audit_checkpoint.body"),
                    signature: try Self.blob(row, 2, "audit_checkpoint.signature"))
            }
        }
    }

    /// Runs raw SQL against the database. For tamper tests only: the audit log never edits rows.
    package func executeForTesting(_ sql: String, arguments: [Data] = []) throws {
        try pool.write { db in
            try db.execute(sql: sql, arguments: StatementArguments(arguments))
        }
    }

    /// Moves everything from the WAL into the main file, so the file alone holds the log
    /// (for tests that copy or damage the file).
    package func checkpointWALForTesting() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    // MARK: - Helpers

    /// A read, its errors as ``StoreError`` naming the file.
    func storeRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// A write transaction, its errors as ``StoreError`` naming the file.
    func storeWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    static func record(_ row: Row) throws -> StoredAuditRecord {
        StoredAuditRecord(
            sequence: try integer(row, 0, "audit_record.seq"),
            hash: try blob(row, 1, "audit_record.hash"),
            body: try blob(row, 2, "audit_record.body"))
    }

    static func integer(_ row: Row, _ i: Int, _ name: String) throws -> Int64 {
        let v: DatabaseValue = row[i]
        guard case .int64(let n) = v.storage else { throw StoreError(.badRow, "\(name) is not an integer") }
        return n
    }

    static func blob(_ row: Row, _ i: Int, _ name: String) throws -> [UInt8] {
        let v: DatabaseValue = row[i]
        switch v.storage {
        case .blob(let d): return [UInt8](d)
        case .string(let s): return Array(s.utf8)
        default: throw StoreError(.badRow, "\(name) is not a blob")
        }
    }

    static func storeError(_ error: any Error, path: String) -> any Error {
        if error is StoreError { return error }
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return StoreError(.corrupt, "\(path) is not a usable SQLite database (\(e.message ?? "\(e.resultCode)"))")
            default:
                return StoreError(.io, "\(path): \(e.message ?? "\(e.resultCode)")")
            }
        }
        return StoreError(.io, "\(path): \(error)")
    }
}

/// What someone with write access to the database can do, for the tamper-evidence tests only.
extension SQLiteAuditStore {
    /// Deletes every checkpoint over more than `size` records.
    package func deleteAuditCheckpointsForTesting(above size: Int64) async throws {
        try executeForTesting("DELETE FROM audit_checkpoint WHERE tree_size > \(size)")
    }

    /// Deletes every record after `size`.
    package func deleteAuditRecordsForTesting(above size: Int64) async throws {
        try executeForTesting("DELETE FROM audit_record WHERE seq > \(size)")
    }

    /// Overwrites a stored record's hash and body.
    package func replaceAuditRecordForTesting(_ r: StoredAuditRecord) async throws {
        try executeForTesting("UPDATE audit_record SET hash = ?, body = ? WHERE seq = \(r.sequence)", arguments: [Data(r.hash), Data(r.body)])
    }
}
