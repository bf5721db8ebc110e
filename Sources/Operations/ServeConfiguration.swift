import Foundation
import TOMLKit

/// The `escort serve` configuration file (TOML), parsed and validated once at start.
///
/// Every field is optional: a field left out takes the default `escort serve` documents (see
/// `docs/configuration.md`), and a command-line flag given explicitly overrides the file.
/// Unknown tables or keys, wrong types and out-of-range values are errors naming the file and the
/// field. Secrets are never written in the file: the PostgreSQL password comes from
/// `store.password_file` or the variable named by `store.password_env`, the web console's TLS key
/// from the file `web.key`.
public struct ServeConfiguration: Sendable, Equatable {
    /// Every field the parser accepts.
    public static let fields: [ConfigurationField] = [
        .init("store.location", .text),
        .init("store.password_file", .path),
        .init("store.password_env", .environmentVariable),
        .init("gateway.listen", .text),
        .init("gateway.port", .port),
        .init("gateway.host_key", .path),
        .init("gateway.recordings", .path),
        .init("gateway.local_home", .path),
        .init("gateway.recorded_output_mib", .integer(0...65_536)),
        .init("gateway.shutdown_grace_seconds", .number(0...86_400)),
        .init("web.listen", .text),
        .init("web.port", .port),
        .init("web.cert", .path),
        .init("web.key", .path),
        .init("web.player_assets", .path),
        .init("policy.file", .path),
        .init("policy.ip_table", .path),
        .init("audit.signing_key", .path),
        .init("log.level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"])),
        .init("log.format", .choice(["json", "logfmt"])),
        .init("operations.listen", .text),
        .init("operations.port", .port),
    ]

    /// A checked value.
    enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int)
        case number(Double)
    }

    /// The file as named on the command line (used in every message).
    public let file: String
    /// The folder relative paths are resolved from.
    public let directory: String
    var values: [String: Value]

    /// A configuration with no fields set (every default).
    public init(file: String = "", directory: String = FileManager.default.currentDirectoryPath) {
        self.file = file
        self.directory = directory
        self.values = [:]
    }

    /// Reads and checks the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> ServeConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, field: "file", "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, field: "file", "is not UTF-8 text")
        }
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return try parse(text, file: path, directory: absolute.deletingLastPathComponent().path)
    }

    /// Parses and checks configuration text; `file` names it in messages, `directory` anchors relative paths.
    public static func parse(_ text: String, file: String, directory: String) throws(ConfigurationError) -> ServeConfiguration {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ConfigurationError(file: file, field: "line \(e.source.begin.line), column \(e.source.begin.column)", "not valid TOML: \(e.description)")
        } catch {
            throw ConfigurationError(file: file, field: "file", "not valid TOML: \(error)")
        }
        var out = ServeConfiguration(file: file, directory: directory)
        let known = Dictionary(grouping: fields, by: \.table)
        for tableName in root.keys.sorted() {
            guard let tableFields = known[tableName] else {
                throw ConfigurationError(file: file, field: tableName, "unknown table (known: \(known.keys.sorted().joined(separator: ", ")))")
            }
            guard let table = root[tableName]?.table else {
                throw ConfigurationError(file: file, field: tableName, "must be a table ([\(tableName)])")
            }
            for key in table.keys.sorted() {
                let name = "\(tableName).\(key)"
                guard let field = tableFields.first(where: { $0.key == key }) else {
                    if tableName == "store", key == "password" {
                        throw ConfigurationError(file: file, field: name, "a password is never written in the configuration; give store.password_file or store.password_env")
                    }
                    throw ConfigurationError(file: file, field: name, "unknown key (known in [\(tableName)]: \(tableFields.map(\.key).joined(separator: ", ")))")
                }
                guard let value = table[key] else { continue }
                out.values[name] = try check(value, field, file: file)
            }
        }
        try out.checkTogether()
        return out
    }

    static func typeName(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a float"
        case .bool: "a boolean"
        case .array: "a list"
        case .table: "a table"
        default: "a \(value.type.rawValue)"
        }
    }

    static func check(_ value: any TOMLValueConvertible, _ field: ConfigurationField, file: String) throws(ConfigurationError) -> Value {
        func fail(_ message: String) -> ConfigurationError { ConfigurationError(file: file, field: field.name, message) }
        switch field.kind {
        case .text, .path, .environmentVariable, .choice:
            guard value.type == .string, let s = value.string else { throw fail("must be a string, got \(typeName(value))") }
            guard !s.isEmpty else { throw fail("must not be empty") }
            if case .choice(let words) = field.kind, !words.contains(s) {
                throw fail("must be one of \(words.joined(separator: ", ")), got \"\(s)\"")
            }
            if case .environmentVariable = field.kind,
                !s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) || s.first!.isNumber {
                throw fail("must be the name of an environment variable (letters, digits, _), not a value")
            }
            return .text(s)
        case .port:
            guard value.type == .int, let n = value.int else { throw fail("must be an integer, got \(typeName(value))") }
            guard (0...65_535).contains(n) else { throw fail("must be 0…65535, got \(n)") }
            return .integer(n)
        case .integer(let range):
            guard value.type == .int, let n = value.int else { throw fail("must be an integer, got \(typeName(value))") }
            guard range.contains(n) else { throw fail("must be \(range.lowerBound)…\(range.upperBound), got \(n)") }
            return .integer(n)
        case .number(let range):
            let n: Double
            if value.type == .int, let i = value.int {
                n = Double(i)
            } else if value.type == .double, let d = value.double, d.isFinite {
                n = d
            } else {
                throw fail("must be a number, got \(typeName(value))")
            }
            guard range.contains(n) else { throw fail("must be \(Int(range.lowerBound))…\(Int(range.upperBound)), got \(n)") }
            return .number(n)
        }
    }

    /// Checks between fields.
    func checkTogether() throws(ConfigurationError) {
        if values["store.password_file"] != nil, values["store.password_env"] != nil {
            throw ConfigurationError(file: file, field: "store.password_env", "give store.password_file or store.password_env, not both")
        }
        if let location = storeLocation, Self.holdsInlinePassword(location) {
            throw ConfigurationError(file: file, field: "store.location", "the URL holds a password; a password is never written in the configuration (give store.password_file or store.password_env)")
        }
        if (values["web.cert"] == nil) != (values["web.key"] == nil) {
            throw ConfigurationError(file: file, field: values["web.cert"] == nil ? "web.cert" : "web.key", "web.cert and web.key go together")
        }
    }

    /// Whether a `postgres://` URL carries a password (`user:secret@host`).
    public static func holdsInlinePassword(_ location: String) -> Bool {
        guard location.hasPrefix("postgres://") || location.hasPrefix("postgresql://"),
            let at = location.firstIndex(of: "@") else { return false }
        let scheme = location.range(of: "://")!.upperBound
        return location[scheme..<at].contains(":")
    }

    // MARK: - Values

    /// Whether the file sets `name`.
    public func isSet(_ name: String) -> Bool { values[name] != nil }

    func text(_ name: String) -> String? {
        if case .text(let s) = values[name] { return s }
        return nil
    }

    func path(_ name: String) -> String? {
        guard let p = text(name) else { return nil }
        if p.hasPrefix("/") { return p }
        if p.hasPrefix("~/") { return NSString(string: p).expandingTildeInPath }
        return URL(fileURLWithPath: directory).appendingPathComponent(p).standardized.path
    }

    func integer(_ name: String) -> Int? {
        if case .integer(let n) = values[name] { return n }
        return nil
    }

    func number(_ name: String) -> Double? {
        if case .number(let n) = values[name] { return n }
        return nil
    }

    /// `store.location`: a SQLite path (resolved from the file's folder) or a `postgres://` URL.
    public var storeLocation: String? {
        guard let s = text("store.location") else { return nil }
        return s.contains("://") ? s : path("store.location")
    }
    public var storePasswordFile: String? { path("store.password_file") }
    public var storePasswordEnvironmentVariable: String? { text("store.password_env") }
    public var gatewayListen: String? { text("gateway.listen") }
    public var gatewayPort: Int? { integer("gateway.port") }
    public var hostKey: String? { path("gateway.host_key") }
    public var recordings: String? { path("gateway.recordings") }
    public var localHome: String? { path("gateway.local_home") }
    public var recordedOutputMib: Int? { integer("gateway.recorded_output_mib") }
    public var shutdownGraceSeconds: Double? { number("gateway.shutdown_grace_seconds") }
    public var webListen: String? { text("web.listen") }
    public var webPort: Int? { integer("web.port") }
    public var webCert: String? { path("web.cert") }
    public var webKey: String? { path("web.key") }
    public var webPlayerAssets: String? { path("web.player_assets") }
    public var policyFile: String? { path("policy.file") }
    public var ipTable: String? { path("policy.ip_table") }
    public var signingKey: String? { path("audit.signing_key") }
    public var logLevel: String? { text("log.level") }
    public var logFormat: String? { text("log.format") }
    public var operationsListen: String? { text("operations.listen") }
    public var operationsPort: Int? { integer("operations.port") }
}
