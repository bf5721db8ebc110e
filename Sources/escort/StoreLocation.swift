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
            let existed = FileManager.default.fileExists(atPath: path)
            let store = try SQLiteStore(path: path, create: create)
            // The audit log and the registry: readable by the service's group (backups), no one else.
            if !existed { chmod(path, 0o640) }
            return OpenStore(store: store, close: {})
        case .postgres(let c):
            let store = try await PostgresStore.open(c, migrate: create)
            return OpenStore(store: store, close: { await store.close() })
        }
    }
}

extension StoreLocation {
    /// Refuses, before anything is written, to make or change a SQLite store (and the files
    /// beside it: the WAL, the signing key) as another account than the one that owns it, e.g.
    /// `root` on the `escort` service's store: what root made there the service could not write.
    func checkOwner(signingKey: String) throws {
        guard case .sqlite(let path) = self else { return }
        let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let me = geteuid()
        let exists = FileManager.default.fileExists(atPath: path)
        // The folder counts only when the store is yet to be made in it (and not in a shared,
        // sticky folder such as /tmp).
        let candidates = [("the store", path), ("the signing key", signingKey)] + (exists ? [] : [("the folder", folder)])
        for (what, candidate) in candidates {
            var info = stat()
            guard stat(candidate, &info) == 0 else { continue }
            guard info.st_uid != me, info.st_mode & S_ISVTX == 0 else { continue }
            let owner = getpwuid(info.st_uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "uid \(info.st_uid)"
            throw StoreError(.badLocation, "\(what) \(candidate) belongs to \(owner): run this command as \(owner) (runuser -u \(owner) -- escort …), so that what it writes there stays writable by the gateway")
        }
        let writable = exists ? access(path, W_OK) == 0 : access(folder, W_OK | X_OK) == 0
        if !writable {
            throw StoreError(.badLocation, "cannot write \(path): run this command as the account the gateway runs as (runuser -u escort -- escort …)")
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
