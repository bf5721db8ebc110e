import Logging
import PostgresNIO
import Store

/// One schema version: its statements, run in order in the migration transaction.
struct PostgresMigration: Sendable {
    var version: Int
    var name: String
    var statements: [String]
}

/// Every schema change, in order, one version per file (`V1Audit.swift`, …). A released
/// migration never changes; a later change is a new version.
///
/// Applied versions are recorded in `escort_migration(version, name, applied_at)`. Opening a
/// store takes a transaction-scoped advisory lock first, so when two gateways start at once on
/// a fresh database one applies the migrations and the other waits, then finds them applied.
enum PostgresMigrations {
    static let all: [PostgresMigration] = [V1Audit.migration, V2Registry.migration, V3Console.migration, V4Training.migration, V5Nodes.migration, V6Moderation.migration]

    /// The advisory-lock key every Escort node takes while migrating ("Escort" in ASCII).
    static let lockKey: Int64 = 0x4573_636F_7274

    /// Brings the schema up to date (with `migrate`) or checks that it is (without), in one
    /// transaction under the advisory lock. Returns the names of the migrations applied.
    static func prepare(_ c: PostgresConnection, migrate: Bool, logger: Logger) async throws -> [String] {
        try await c.query("BEGIN", logger: logger)
        do {
            let applied = try await prepareInTransaction(c, migrate: migrate, logger: logger)
            try await c.query("COMMIT", logger: logger)
            return applied
        } catch {
            _ = try? await c.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    private static func prepareInTransaction(_ c: PostgresConnection, migrate: Bool, logger: Logger) async throws -> [String] {
        try await c.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
        if migrate {
            try await c.query(
                """
                CREATE TABLE IF NOT EXISTS escort_migration (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
        } else if try await !c.exists("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'escort_migration'", logger) {
            throw StoreError(.notFound, "the database holds no Escort schema (no escort_migration table)")
        }
        var recorded: [Int: String] = [:]
        for row in try await c.rows("SELECT version, name FROM escort_migration", logger) {
            let (version, name) = try row.decode((Int, String).self)
            recorded[version] = name
        }
        let known = Dictionary(uniqueKeysWithValues: all.map { ($0.version, $0.name) })
        for (version, name) in recorded.sorted(by: { $0.key < $1.key }) where known[version] != name {
            throw StoreError(
                .conflict,
                "the database's schema has migration \(version) (\(name)), which this Escort does not know; use the Escort that wrote it, or a later one")
        }
        var applied: [String] = []
        for m in all where recorded[m.version] == nil {
            guard migrate else {
                throw StoreError(.notFound, "the database's schema lacks migration \(m.version) (\(m.name)); open it with a gateway or a registry command first")
            }
            for statement in m.statements {
                try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await c.query("INSERT INTO escort_migration (version, name) VALUES (\(m.version), \(m.name))", logger: logger)
            applied.append(m.name)
        }
        return applied
    }
}
