import ArgumentParser
import Foundation

/// `escort serve`: the gateway on a store of people, targets and tickets, under a policy file.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the SSH gateway: engineers connect with ssh, escorts with ssh (role escort).")

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var policy: PolicyOptions

    @Option(name: .long, help: "Address to listen on.")
    var listen: String = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port, printed at start).")
    var port: Int = 2222

    @Option(name: .long, help: "The gateway's SSH host key (created if missing; default: host.key next to the store).")
    var hostKey: String?

    @Option(name: .long, help: "Folder for session recordings (default: recordings next to the store).")
    var recordings: String?

    @Option(name: .long, help: "Folder under which local-shell targets start (default: targets next to the store).")
    var localHome: String?

    @Option(name: .long, help: "Port for the escorts' web console (omit to serve none; 0: any free port).")
    var webPort: Int?

    @Option(name: .long, help: "Address the web console listens on.")
    var webListen: String = "127.0.0.1"

    @Option(name: .long, help: "PEM certificate chain for the web console (with --web-key: HTTPS).")
    var webCert: String?

    @Option(name: .long, help: "PEM private key for --web-cert.")
    var webKey: String?

    @Option(name: .long, help: "MiB of each command's output kept in the recording; beyond it the output is counted and hashed (SHA-256) in the recording and the audit log.")
    var recordedOutputMib: Int = 16

    @Option(name: .long, help: .hidden)
    var heartbeatSeconds: Double = 5

    func run() async throws {
        let store = try registry.location()
        let base = store.baseDirectory
        var runner = GatewayRunner(
            store: store, signingKeyPath: registry.signingKeyPath,
            hostKeyPath: hostKey ?? base.appendingPathComponent("host.key").path,
            recordings: recordings ?? base.appendingPathComponent("recordings").path,
            localHome: localHome ?? base.appendingPathComponent("targets").path,
            engine: try policy.engine(), policySource: policy.policy ?? "bundled default policy",
            host: listen, port: port, recordedOutputPerCommand: max(0, recordedOutputMib) << 20)
        guard heartbeatSeconds >= 0.1 else { throw ValidationError("--heartbeat-seconds must be at least 0.1") }
        runner.heartbeatSeconds = heartbeatSeconds
        if let webPort {
            if (webCert == nil) != (webKey == nil) { throw ValidationError("--web-cert and --web-key go together") }
            if webCert == nil, !["127.0.0.1", "::1", "localhost"].contains(webListen) {
                throw ValidationError("the web console serves plain HTTP only on loopback; give --web-cert and --web-key to listen on \(webListen)")
            }
            runner.web = (webListen, webPort, webCert.map { ($0, webKey!) })
        }
        do {
            try await runner.run { _ in "" }
        } catch {
            FileHandle.standardError.write(Data("escort serve: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
