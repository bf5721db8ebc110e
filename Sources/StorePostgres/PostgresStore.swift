import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Store

/// Escort's store on a PostgreSQL server (postgres-nio): the audit log, the registry, console
/// credentials and training results, for any number of gateways sharing one database.
///
/// The same protocols as `StoreSQLite`'s store, with the same refusals and codes; both pass the
/// shared suites in `EscortTesting`. Opening applies the schema migrations (``PostgresMigrations``)
/// under an advisory lock, so two nodes starting at once are safe. Every write is one transaction;
/// an audit append commits with `synchronous_commit = on` whatever the server's default.
public final class PostgresStore: Sendable {
    /// Where the store lives (its description never holds the password).
    public let configuration: PostgresStoreConfiguration
    /// The migrations this open applied (empty when the schema was already current).
    package let appliedMigrations: [String]
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>

    /// Connects, checks the schema and starts the connection pool.
    ///
    /// With `migrate` (the gateway, the registry commands) missing migrations are applied; without
    /// it (verification, export, reports) the schema must already be current.
    ///
    /// - Throws: ``StoreError``: `.io` if the server cannot be reached or refuses the user,
    ///   `.notFound` if the database or (without `migrate`) the schema is missing, `.conflict` if
    ///   the schema is newer than this Escort.
    public static func open(_ configuration: PostgresStoreConfiguration, migrate: Bool = true) async throws -> PostgresStore {
        var logger = Logger(label: "escort.store.postgres")
        logger.logLevel = .warning
        let where_ = configuration.redactedURL
        // One plain connection first: a wrong password or a missing database is reported at once
        // (the pool would retry for a minute), and the migrations run on it.
        let applied: [String]
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(configuration), id: 0, logger: logger)
            do {
                applied = try await PostgresMigrations.prepare(connection, migrate: migrate, logger: logger)
                try? await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw storeError(error, where_)
        }
        return try PostgresStore(configuration: configuration, applied: applied, logger: logger)
    }

    private init(configuration: PostgresStoreConfiguration, applied: [String], logger: Logger) throws {
        self.configuration = configuration
        self.appliedMigrations = applied
        self.logger = logger
        var c = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: .disable)
        if configuration.tls == .verifyFull { c.tls = .require(try Self.tlsConfiguration(configuration)) }
        // The pool's own log stays quiet below errors: it warns when the first lease races the
        // start of `run()`, which is harmless (the lease waits for it).
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: c, backgroundLogger: background)
        self.client = client
        runner = Task { await client.run() }
    }

    /// Closes the pool's connections. The store cannot be used afterwards.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    deinit { runner.cancel() }

    // MARK: - Connections

    static func connectionConfiguration(_ c: PostgresStoreConfiguration) throws -> PostgresConnection.Configuration {
        var tls = PostgresConnection.Configuration.TLS.disable
        if c.tls == .verifyFull {
            do { tls = .require(try NIOSSLContext(configuration: try tlsConfiguration(c))) } catch {
                throw StoreError(.badLocation, "\(c.redactedURL): cannot set up TLS: \(error)")
            }
        }
        return PostgresConnection.Configuration(
            host: c.host, port: c.port, username: c.user, password: c.password, database: c.database, tls: tls)
    }

    static func tlsConfiguration(_ c: PostgresStoreConfiguration) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let path = c.rootCertificatePath { tls.trustRoots = .file(path) }
        return tls
    }

    /// Runs `body` in one transaction on one pooled connection: `BEGIN`, `body`, `COMMIT`; any
    /// error rolls it back. A connection whose rollback fails is closed, never reused.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        let client = client
        do {
            return try await withoutActuallyEscaping(body) { body in
                // The body runs before `transaction` returns (the group waits for it): it never escapes.
                nonisolated(unsafe) let body = body
                return try await withLeaseDeadline { leased in
                    try await client.withConnection { connection in
                        leased()
                        try await connection.query("BEGIN", logger: logger)
                        do {
                            let value = try await body(connection)
                            try await connection.query("COMMIT", logger: logger)
                            return value
                        } catch {
                            do { try await connection.query("ROLLBACK", logger: logger) } catch { try? await connection.close() }
                            throw error
                        }
                    }
                }
            }
        } catch {
            throw Self.storeError(error, configuration.redactedURL)
        }
    }

    /// The rows of one read-only query.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let client = client
        let logger = logger
        do {
            return try await withLeaseDeadline { leased in
                try await client.withConnection { connection in
                    leased()
                    return try await connection.query(query, logger: logger).collect()
                }
            }
        } catch {
            throw Self.storeError(error, configuration.redactedURL)
        }
    }

    /// How long an operation may wait for a connection. The pool keeps retrying a server that has
    /// gone, and fails waiting operations only after a minute: the gateway must say sooner that
    /// its store is lost (an engineer's ssh would hang meanwhile).
    static let leaseTimeout: Duration = .seconds(5)

    /// Runs `operation`, failing it if it has not called `leased` (has no connection) within
    /// ``leaseTimeout``. Once it has a connection it may take as long as it needs.
    func withLeaseDeadline<T: Sendable>(_ operation: @escaping @Sendable (_ leased: @escaping @Sendable () -> Void) async throws -> T) async throws -> T {
        let flag = LeaseFlag()
        let location = configuration.redactedURL
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation { flag.set() } }
            group.addTask {
                try await Task.sleep(for: Self.leaseTimeout)
                if flag.isSet { return nil }
                throw StoreError(.io, "\(location): the server gave no connection within \(Self.leaseTimeout.components.seconds) s (it is down or unreachable)")
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw StoreError(.io, "\(location): the operation ended without a result")
        }
    }
}

extension PostgresConnection {
    /// The rows of `query`, collected.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }

    /// Whether `query` returns any row.
    func exists(_ query: PostgresQuery, _ logger: Logger) async throws -> Bool {
        try await !rows(query, logger).isEmpty
    }
}

/// Whether an operation has its connection (see ``PostgresStore/withLeaseDeadline(_:)``).
final class LeaseFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
