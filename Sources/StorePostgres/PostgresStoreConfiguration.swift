import Foundation
import Store

/// Where a ``PostgresStore`` lives: a server, a user and a database, read from a
/// `postgres://user[:password]@host[:port]/database[?sslmode=…]` URL.
///
/// The password is never part of ``description``: logs and errors name the store by
/// ``redactedURL``. TLS follows `sslmode`: `disable`, or `verify-full` (TLS with the server's
/// certificate checked against the system's trust roots, or `sslrootcert=PATH`). Without
/// `sslmode`, a loopback host (`localhost`, `127.0.0.1`, `::1`) is `disable` and every other host
/// is `verify-full`: a password never crosses a network in the clear unless asked to.
public struct PostgresStoreConfiguration: Sendable, CustomStringConvertible {
    /// TLS towards the server.
    public enum TLSMode: String, Sendable {
        case disable
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// PEM file of the certificate authorities to trust (default: the system's).
    public var rootCertificatePath: String?

    public init(
        host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode? = nil,
        rootCertificatePath: String? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls ?? (Self.isLoopback(host) ? .disable : .verifyFull)
        self.rootCertificatePath = rootCertificatePath
    }

    /// Whether `text` names a PostgreSQL store (`postgres://` or `postgresql://`) rather than a file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a `postgres://` URL. `password`, when given, is used if the URL carries none.
    ///
    /// - Throws: ``StoreError`` `.badLocation` naming what is missing or not understood (the message
    ///   never repeats the password).
    public init(url text: String, password fallback: String? = nil) throws {
        guard Self.isURL(text), let c = URLComponents(string: text), let host = c.host, !host.isEmpty else {
            throw StoreError(.badLocation, "not a PostgreSQL URL: give postgres://user@host:port/database")
        }
        guard let user = c.user, !user.isEmpty else {
            throw StoreError(.badLocation, "the PostgreSQL URL names no user: give postgres://user@host:port/database")
        }
        let database = String(c.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError(.badLocation, "the PostgreSQL URL names no database: give postgres://user@host:port/database")
        }
        var tls: TLSMode?
        var rootCertificate: String?
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw StoreError(.badLocation, "sslmode must be disable or verify-full, not \(item.value ?? "empty")")
                }
                tls = mode
            case "sslrootcert":
                rootCertificate = item.value
            default:
                throw StoreError(.badLocation, "the PostgreSQL URL has an unknown parameter \(item.name) (known: sslmode, sslrootcert)")
            }
        }
        self.init(
            host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: c.port ?? 5432,
            user: user.removingPercentEncoding ?? user, password: c.password.map { $0.removingPercentEncoding ?? $0 } ?? fallback,
            database: database.removingPercentEncoding ?? database, tls: tls, rootCertificatePath: rootCertificate)
    }

    /// The URL without the password, for messages and logs.
    public var redactedURL: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(h):\(port)/\(database)"
    }

    public var description: String { redactedURL }

    static func isLoopback(_ host: String) -> Bool { ["localhost", "127.0.0.1", "::1"].contains(host) }
}
