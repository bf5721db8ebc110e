import ArgumentParser
import Foundation
import Logging
import Operations
import Policy

/// `escort serve`'s settings: each from its flag if given, else from the configuration file,
/// else its default; checked together before anything starts.
struct ServeSettings {
    var runner: GatewayRunner
    var logLevel: Logger.Level
    var logFormat: StructuredLogHandler.Format

    /// A setting that cannot be used, named by its flag or by the file and field it came from.
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(command c: ServeCommand, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let file = try c.config.map { path throws(ConfigurationError) in try ServeConfiguration.load(path: path) } ?? ServeConfiguration()

        /// Names where a value came from: the flag if given, else the file's field.
        func origin(_ field: String, _ flag: String, given: Bool) -> String {
            given || !file.isSet(field) ? "--\(flag)" : "\(file.file): \(field)"
        }
        func invalid(_ field: String, _ flag: String, given: Bool, _ message: String) -> Invalid {
            Invalid(description: "\(origin(field, flag, given: given)): \(message)")
        }
        func port(_ value: Int?, _ field: String, _ flag: String) throws -> Int? {
            if let value, !(0...65_535).contains(value) { throw invalid(field, flag, given: true, "must be 0…65535, got \(value)") }
            return value
        }
        func text(_ value: String?, _ field: String, _ flag: String) throws -> String? {
            if let value, value.isEmpty { throw invalid(field, flag, given: true, "must not be empty") }
            return value
        }

        // The store, and where its password comes from (never the password itself).
        let storeText = try text(c.store, "store.location", "store") ?? file.storeLocation ?? "escort.sqlite"
        let passwordFile = c.storePasswordFile ?? (c.storePasswordEnv == nil ? file.storePasswordFile : nil)
        let passwordVariable = c.storePasswordEnv ?? (c.storePasswordFile == nil ? file.storePasswordEnvironmentVariable : nil)
        if c.storePasswordFile != nil, c.storePasswordEnv != nil {
            throw Invalid(description: "--store-password-file and --store-password-env: give one, not both")
        }
        if let passwordFile, !FileManager.default.isReadableFile(atPath: passwordFile) {
            throw invalid("store.password_file", "store-password-file", given: c.storePasswordFile != nil, "cannot read the password file \(passwordFile)")
        }
        if let passwordVariable, environment[passwordVariable]?.isEmpty ?? true {
            throw invalid("store.password_env", "store-password-env", given: c.storePasswordEnv != nil, "the environment variable \(passwordVariable) is not set")
        }
        let store: StoreLocation
        do {
            store = try StoreLocation(storeText, passwordFile: passwordFile, passwordVariable: passwordVariable ?? StoreLocation.passwordVariable, environment: environment)
        } catch {
            throw invalid("store.location", "store", given: c.store != nil, "\(error)")
        }
        let base = store.baseDirectory

        // The policy, loaded now so a bad file stops start-up.
        let policyPath = c.policy ?? file.policyFile
        let ipTablePath = c.ipTable ?? file.ipTable
        let engine: PolicyEngine
        do {
            let document = try policyPath.map { try PolicyDocument.load(path: $0) } ?? PolicyDocument.bundledDefault()
            do {
                let table = try ipTablePath.map { try IPCountryTable.load(path: $0) } ?? IPCountryTable.bundledTest()
                engine = PolicyEngine(document: document, ipTable: table)
            } catch {
                throw invalid("policy.ip_table", "ip-table", given: c.ipTable != nil, "\(error)")
            }
        } catch let e as Invalid {
            throw e
        } catch {
            throw invalid("policy.file", "policy", given: c.policy != nil, "\(error)")
        }

        let mib = c.recordedOutputMib ?? file.recordedOutputMib ?? 16
        if !(0...65_536).contains(mib) { throw invalid("gateway.recorded_output_mib", "recorded-output-mib", given: true, "must be 0…65536, got \(mib)") }
        let grace = c.shutdownGraceSeconds ?? file.shutdownGraceSeconds ?? 30
        if !(grace.isFinite && (0...86_400).contains(grace)) {
            throw invalid("gateway.shutdown_grace_seconds", "shutdown-grace-seconds", given: true, "must be 0…86400, got \(grace)")
        }
        let host = try text(c.listen, "gateway.listen", "listen") ?? file.gatewayListen ?? "127.0.0.1"
        var runner = GatewayRunner(
            store: store, signingKeyPath: c.signingKey ?? file.signingKey ?? base.appendingPathComponent("gateway.key").path,
            hostKeyPath: c.hostKey ?? file.hostKey ?? base.appendingPathComponent("host.key").path,
            recordings: c.recordings ?? file.recordings ?? base.appendingPathComponent("recordings").path,
            localHome: c.localHome ?? file.localHome ?? base.appendingPathComponent("targets").path,
            engine: engine, policySource: policyPath ?? "bundled default policy",
            host: host, port: try port(c.port, "gateway.port", "port") ?? file.gatewayPort ?? 2222,
            recordedOutputPerCommand: mib << 20)
        runner.shutdownGrace = .milliseconds(Int64((grace * 1000).rounded()))
        runner.origins = [
            "store.location": origin("store.location", "store", given: c.store != nil),
            "gateway.host_key": origin("gateway.host_key", "host-key", given: c.hostKey != nil),
            "audit.signing_key": origin("audit.signing_key", "signing-key", given: c.signingKey != nil),
            "gateway.recordings": origin("gateway.recordings", "recordings", given: c.recordings != nil),
            "gateway.local_home": origin("gateway.local_home", "local-home", given: c.localHome != nil),
            "gateway.port": origin("gateway.port", "port", given: c.port != nil),
            "web.port": origin("web.port", "web-port", given: c.webPort != nil),
            "operations.port": origin("operations.port", "operations-port", given: c.operationsPort != nil),
        ]

        // The web console.
        if let webPort = try port(c.webPort, "web.port", "web-port") ?? file.webPort {
            let webListen = try text(c.webListen, "web.listen", "web-listen") ?? file.webListen ?? "127.0.0.1"
            let cert = c.webCert ?? file.webCert
            let key = c.webKey ?? file.webKey
            if (cert == nil) != (key == nil) {
                throw invalid(cert == nil ? "web.cert" : "web.key", cert == nil ? "web-cert" : "web-key", given: c.webCert != nil || c.webKey != nil, "web.cert and web.key (--web-cert and --web-key) go together")
            }
            for (path, field, flag, given) in [(cert, "web.cert", "web-cert", c.webCert != nil), (key, "web.key", "web-key", c.webKey != nil)] {
                if let path, !FileManager.default.isReadableFile(atPath: path) {
                    throw invalid(field, flag, given: given, "cannot read \(path)")
                }
            }
            if cert == nil, !Self.loopback.contains(webListen) {
                throw invalid("web.listen", "web-listen", given: c.webListen != nil, "the web console serves plain HTTP only on loopback; give web.cert and web.key (--web-cert, --web-key) to listen on \(webListen)")
            }
            runner.web = (webListen, webPort, cert.map { ($0, key!) })
            if let assets = c.webPlayerAssets ?? file.webPlayerAssets {
                guard FileManager.default.fileExists(atPath: assets + "/" + PlayerAssets.marker) else {
                    throw invalid("web.player_assets", "web-player-assets", given: c.webPlayerAssets != nil, "\(assets) holds no \(PlayerAssets.marker) (scripts/setup.sh installs it into web-vendor/)")
                }
                runner.vendorDirectory = assets
            }
        }

        // The operations listener.
        if let opsPort = try port(c.operationsPort, "operations.port", "operations-port") ?? file.operationsPort {
            runner.operations = (try text(c.operationsListen, "operations.listen", "operations-listen") ?? file.operationsListen ?? "127.0.0.1", opsPort)
        }

        // Logs.
        let levelText = c.logLevel ?? file.logLevel ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw invalid("log.level", "log-level", given: true, "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(levelText)\"")
        }
        let formatText = c.logFormat ?? file.logFormat ?? "json"
        guard let format = StructuredLogHandler.Format(rawValue: formatText) else {
            throw invalid("log.format", "log-format", given: true, "must be json or logfmt, got \"\(formatText)\"")
        }
        self.runner = runner
        self.logLevel = level
        self.logFormat = format
    }

    static let loopback: Set<String> = ["127.0.0.1", "::1", "localhost"]
}
