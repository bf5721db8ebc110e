import ArgumentParser
import Foundation
import Gateway
import Logging
import Metrics
import Operations
import Prometheus

/// `escort serve`: the gateway on a store of people, targets and tickets, under a policy file.
///
/// Settings come from `--config FILE` (TOML, see `docs/configuration.md`), and flags given on the
/// command line override the file. Everything is checked before anything starts: a bad value
/// stops `serve` with a message naming the file and field (or the flag) and exit status 78
/// (`EX_CONFIG`), with no store opened and no port bound.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the SSH gateway: engineers connect with ssh, escorts with ssh (role escort).")

    /// The exit status for a configuration that cannot be used.
    static let configurationExitCode: Int32 = 78

    @Option(name: .long, help: "A TOML configuration file (see docs/configuration.md); flags given here override it.")
    var config: String?

    @Option(name: .long, help: "The gateway's store: a SQLite file (default escort.sqlite) or postgres://user@host:port/database.")
    var store: String?

    @Option(name: .long, help: "A file holding the PostgreSQL password.")
    var storePasswordFile: String?

    @Option(name: .long, help: "The environment variable holding the PostgreSQL password (default ESCORT_STORE_PASSWORD).")
    var storePasswordEnv: String?

    @Option(name: .long, help: "The gateway's Ed25519 signing key for the audit log (default: gateway.key next to the store; created if missing).")
    var signingKey: String?

    @Option(name: .long, help: "The policy file (TOML; default: the policy bundled with Escort).")
    var policy: String?

    @Option(name: .long, help: "An IP-to-country CSV (start,end,country; default: the bundled TEST table of documentation ranges).")
    var ipTable: String?

    @Option(name: .long, help: "Address to listen on (default 127.0.0.1).")
    var listen: String?

    @Option(name: .long, help: "Port to listen on (default 2222; 0: any free port, printed at start).")
    var port: Int?

    @Option(name: .long, help: "The gateway's SSH host key (created if missing; default: host.key next to the store).")
    var hostKey: String?

    @Option(name: .long, help: "Folder for session recordings (default: recordings next to the store).")
    var recordings: String?

    @Option(name: .long, help: "Folder under which local-shell targets start (default: targets next to the store).")
    var localHome: String?

    @Option(name: .long, help: "Port for the escorts' web console (omit to serve none; 0: any free port).")
    var webPort: Int?

    @Option(name: .long, help: "Address the web console listens on (default 127.0.0.1).")
    var webListen: String?

    @Option(name: .long, help: "PEM certificate chain for the web console (with --web-key: HTTPS).")
    var webCert: String?

    @Option(name: .long, help: "PEM private key for --web-cert.")
    var webKey: String?

    @Option(name: .long, help: "Folder holding asciinema-player (asciinema-player.min.js) for the web console's replays (default: web-vendor beside the binary, or ../share/escort/web-vendor).")
    var webPlayerAssets: String?

    @Option(name: .long, help: "MiB of each command's output kept in the recording (default 16); beyond it the output is counted and hashed (SHA-256) in the recording and the audit log.")
    var recordedOutputMib: Int?

    @Option(name: .long, help: "On SIGTERM or SIGINT, seconds running commands may take to finish before their sessions are ended (default 30).")
    var shutdownGraceSeconds: Double?

    @Option(name: .long, help: "Log level: trace, debug, info (default), notice, warning, error, critical.")
    var logLevel: String?

    @Option(name: .long, help: "Log format on standard error: json (default) or logfmt.")
    var logFormat: String?

    @Option(name: .long, help: "Address of the operations listener (/health, /metrics; default 127.0.0.1).")
    var operationsListen: String?

    @Option(name: .long, help: "Port of the operations listener (omit to serve none; 0: any free port).")
    var operationsPort: Int?

    @Option(name: .long, help: .hidden)
    var heartbeatSeconds: Double = 5

    func validate() throws {
        guard heartbeatSeconds.isFinite, heartbeatSeconds >= 0.1 else { throw ValidationError("--heartbeat-seconds must be at least 0.1") }
    }

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try ServeSettings(command: self)
        } catch {
            FileHandle.standardError.write(Data("escort serve: \(error)\n".utf8))
            throw ExitCode(Self.configurationExitCode)
        }
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, format: settings.logFormat, level: settings.logLevel)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        // Every counter an alert watches exists from the start, at zero.
        SecurityTelemetry.registerAtZero()
        let logger = Logger(label: "escort.serve")
        var runner = settings.runner
        runner.metrics = registry
        runner.heartbeatSeconds = heartbeatSeconds
        do {
            try await runner.run { _ in "" }
        } catch let failure as StartupFailure {
            logger.critical("escort serve cannot start", metadata: ["error": "\(failure)", "exit_status": "\(failure.exitCode)"])
            FileHandle.standardError.write(Data("escort serve: \(failure)\n".utf8))
            throw ExitCode(failure.exitCode)
        } catch {
            logger.critical("escort serve stopped on an error", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("escort serve: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
