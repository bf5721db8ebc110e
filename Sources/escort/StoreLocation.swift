import Foundation
import Store
import StorePostgres
import StoreSQLite

/// Every store protocol the CLI uses, as one type.
typealias EscortStore = AuditStore & RegistryStore & CredentialStore & TrainingStore & ModerationStore

/// Where the gateway's data lives, as given by `--store`: a SQLite file (the default), or a
/// PostgreSQL database named by a `postgres://user@host:port/database` URL. The one place the CLI
/// chooses a backend.
///
/// A PostgreSQL password comes from the URL, else from the file given by `--store-password-file`,
/// else from the environment variable `ESCORT_STORE_PASSWORD`; it is never printed (messages name
/// the store without it).
enum StoreLocation: CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresStoreConfiguration)

    /// The environment variable a PostgreSQL password may come from.
    static let passwordVariable = "ESCORT_STORE_PASSWORD"

    /// `passwordVariable` names the environment variable the password may come from
    /// (`ESCORT_STORE_PASSWORD` unless the configuration names another).
    init(_ text: String, passwordFile: String? = nil, passwordVariable: String = Self.passwordVariable,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard PostgresStoreConfiguration.isURL(text) else {
            self = .sqlite(path: text)
            return
        }
        var password = environment[passwordVariable]
        if let passwordFile {
            guard let contents = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw StoreError(.badLocation, "cannot read the store password file \(passwordFile)")
            }
            password = contents.trimmingCharacters(in: .newlines)
        }
        self = .postgres(try PostgresStoreConfiguration(url: text, password: password))
    }

    /// The folder keys, recordings and target homes default to: the SQLite file's folder, or the
    /// current directory for a PostgreSQL store.
    var baseDirectory: URL { Self.baseDirectory(of: description) }

    /// ``baseDirectory`` for the `--store` text, whether or not it can be opened.
    static func baseDirectory(of text: String) -> URL {
        PostgresStoreConfiguration.isURL(text)
            ? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            : URL(fileURLWithPath: text).deletingLastPathComponent()
    }

    /// The backend's name, for logs: `sqlite` or `postgres`.
    var kind: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }

    var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let c): c.redactedURL
        }
    }

    /// Opens the store. With `create` a missing SQLite file is created and PostgreSQL migrations
    /// are applied; without it (verification, reports) both must already hold Escort's schema.
    func open(create: Bool) async throws -> OpenStore {
        switch self {
        case .sqlite(let path):
            return OpenStore(store: try SQLiteStore(path: path, create: create), close: {})
        case .postgres(let c):
            let store = try await PostgresStore.open(c, migrate: create)
            return OpenStore(store: store, close: { await store.close() })
        }
    }
}

/// An opened store and how to close it (a PostgreSQL store has a connection pool to end).
struct OpenStore: Sendable {
    var store: any EscortStore
    var close: @Sendable () async -> Void

    /// Runs `body` on the store, then closes it, whether `body` succeeded or threw.
    func using<T>(_ body: (any EscortStore) async throws -> T) async throws -> T {
        do {
            let value = try await body(store)
            await close()
            return value
        } catch {
            await close()
            throw error
        }
    }
}
