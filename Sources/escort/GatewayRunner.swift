import ArgumentParser
import AuditLog
import Console
import EscortCore
import Foundation
import Gateway
import Logging
import Policy
import Prometheus
import ServiceLifecycle
import ShellAnalysis

/// Starts the gateway on a store and runs it, under swift-service-lifecycle, until SIGTERM or
/// SIGINT; then stops it in order (see ``GatewayService``).
struct GatewayRunner {
    var store: StoreLocation
    var signingKeyPath: String
    var hostKeyPath: String
    var recordings: String
    var localHome: String
    var engine: PolicyEngine
    var policySource: String
    var host: String
    var port: Int
    /// Bytes of each command's output kept in the recording (the rest is counted and hashed).
    var recordedOutputPerCommand: Int = 16 << 20
    /// The web console, if served: address, port (0: any) and an optional PEM certificate and key.
    var web: (host: String, port: Int, certificate: (chain: String, key: String)?)?
    /// Where asciinema-player's files are (`web.player_assets`; by default found beside the binary).
    var vendorDirectory: String? = PlayerAssets.defaultDirectory()
    /// Seconds between this node's heartbeats in the store; after three missed, another node
    /// ends its sessions in the audit log.
    var heartbeatSeconds: Double = 5
    /// How long commands running at SIGTERM may take to finish before their sessions are ended.
    var shutdownGrace: Duration = .seconds(30)
    /// The operations listener (/health, /metrics), if served.
    var operations: (host: String, port: Int)?
    /// The Prometheus registry the executable bootstrapped swift-metrics with (for /metrics).
    var metrics: PrometheusCollectorRegistry?
    /// Where each setting came from, for start-up errors (`escort.toml: gateway.host_key`, or
    /// `--host-key`); a field not here is named with its flag.
    var origins: [String: String] = [:]

    func origin(_ field: String, _ flag: String) -> String { origins[field] ?? "\(field) (--\(flag))" }

    func run(banner: (Int) -> String) async throws {
        let logger = Logger(label: "escort.serve")
        let analyser: Analyser
        switch Analyser.bundled() {
        case .success(let a): analyser = a
        case .failure(let e): throw ValidationError(e.description)
        }
        // Everything that can be checked without making anything: a failure leaves no store, key or port behind.
        try ServePreflight.check(self)
        let hostKey = try Result { try HostKeyFile.loadOrCreate(path: hostKeyPath) }
            .mapError { StartupFailure.config("\(origin("gateway.host_key", "host-key")): \(ServePreflight.message($0))") }.get()
        logger.notice("opening the store", metadata: ["store": "\(self.store.kind)", "location": "\(self.store.description)"])
        let opened: OpenStore
        let key: GatewaySigningKey
        do {
            opened = try await self.store.open(create: true)
        } catch {
            throw StartupFailure.config("\(origin("store.location", "store")): \(error)")
        }
        let store = opened.store
        do {
            key = try await SigningKeyOpening.key(path: signingKeyPath, explicit: true, store: store, firstTimeSetup: true)
        } catch {
            await opened.close()
            throw StartupFailure.config("\(origin("audit.signing_key", "signing-key")): \(error)")
        }
        let log = try await AuditLog.open(store: store, key: key)
        _ = try await log.append(AuditEvent(code: .policyChanged, actor: "gateway", fields: [
            "event": "gateway started", "policy": .string(policySource),
            "countries_of_concern": .array(engine.document.countriesOfConcern.sorted().map { .string($0.code) }),
            "listen": .string("\(host):\(port)"),
        ]))
        // Signed at once: a log is never left without a checkpoint for longer than the first minute.
        try await log.checkpoint()
        let authority = RegistryAuthority(store: store, engine: engine, localHome: localHome)
        await Self.checkTargetCredentials(store)
        var context = GatewayContext(analyser: analyser, authority: authority, audit: log, hub: ModerationHub(), recordingsDirectory: recordings)
        context.recordedOutputPerCommand = recordedOutputPerCommand
        // Before any session: say this node is alive, and end what dead nodes left open.
        let presence = NodePresence(node: NodePresence.processName(), store: store, audit: log, interval: heartbeatSeconds)
        try await presence.start()
        context.presence = presence
        // Held commands, escorts' presence and decisions shared with the other nodes on the store.
        await context.hub.joinCluster(ClusterLink(store: store, node: presence.node, staleAfter: presence.staleAfter))
        let server: GatewayServer
        do {
            server = try await GatewayServer.start(context: context, hostKey: hostKey, host: host, port: port)
        } catch {
            throw StartupFailure.config("\(origin("gateway.port", "port")): \(error)")
        }
        var console: ConsoleServer?
        var lines = ""
        if let web {
            let consoleContext = ConsoleContext(
                store: store, authority: authority, hub: context.hub, audit: log, engine: engine, analyser: analyser,
                recordingsDirectory: recordings, vendorDirectory: vendorDirectory)
            let started = try await ConsoleServer.start(context: consoleContext, host: web.host, port: web.port, certificate: web.certificate)
            console = started
            let url = "\(web.certificate == nil ? "http" : "https")://\(web.host):\(started.port)/"
            lines += "\nEscort web console on \(url)"
            logger.notice("web console listening", metadata: ["url": "\(url)"])
        }
        var operationsServer: OperationsServer?
        let draining = DrainingFlag()
        if let operations {
            let registry = metrics
            let started = try await OperationsServer.start(
                host: operations.host, port: operations.port,
                health: { await Self.health(store: store, log: log, draining: draining.value) },
                metrics: { registry?.emitToString() ?? "" })
            operationsServer = started
            lines += "\nEscort operations on http://\(operations.host):\(started.port)/ (/health, /metrics)"
            logger.notice("operations listening", metadata: ["address": "\(operations.host):\(started.port)"])
        }
        let service = GatewayService(
            announcement: banner(server.port) + lines + "\nEscort gateway listening on \(host):\(server.port)\n", server: server, hub: context.hub, log: log, grace: shutdownGrace, logger: logger,
            console: console, operations: operationsServer, presence: presence, draining: draining, closeStore: opened.close)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Says at start, once per target, which SSH targets' keys this account cannot read (their
    /// sessions would fail; the others still work, so the gateway starts).
    static func checkTargetCredentials(_ store: any EscortStore) async {
        guard let targets = try? await store.targets() else { return }
        for target in targets {
            guard case .ssh(_, _, _, let keyPath) = target.connection, !FileManager.default.isReadableFile(atPath: keyPath) else { continue }
            SecurityTelemetry.record(.credentialUnreadable, "the gateway cannot read its key for a target; its sessions will fail", [
                "target": "\(target.name)", "path": "\(keyPath)", "stage": "start",
            ])
        }
    }

    /// The store answers a query, and the audit log is open and its last write succeeded.
    static func health(store: any EscortStore, log: AuditLog, draining: Bool) async -> HealthReport {
        var storeProblem: String?
        do {
            _ = try await store.auditRecords(from: 1, limit: 1)
            StoreReachability.shared.succeeded()
        } catch {
            storeProblem = "the store does not answer: \(error)"
            StoreHealth.errors.increment()
            StoreReachability.shared.failed(error, during: "health check")
        }
        return HealthReport(checks: [("store", storeProblem), ("audit_log", await log.problem)], draining: draining)
    }
}

/// Where the web console finds asciinema-player (`asciinema-player.min.js` and its CSS), which
/// `scripts/setup.sh` installs into `web-vendor/` and operators copy beside the binary.
enum PlayerAssets {
    static let marker = "asciinema-player.min.js"

    /// The first of: `web-vendor/` beside the binary, `../share/escort/web-vendor/` from the
    /// binary's folder, `web-vendor/` in the current directory (a checkout). Never the working
    /// directory alone, which under systemd is the state folder.
    static func candidates(executable: String? = Bundle.main.executablePath, currentDirectory: String = FileManager.default.currentDirectoryPath) -> [String] {
        var out: [String] = []
        if let executable {
            let bin = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
            out.append(bin.appendingPathComponent("web-vendor").path)
            out.append(bin.deletingLastPathComponent().appendingPathComponent("share/escort/web-vendor").standardized.path)
        }
        out.append(URL(fileURLWithPath: currentDirectory).appendingPathComponent("web-vendor").path)
        return out
    }

    static func defaultDirectory() -> String? {
        candidates().first { FileManager.default.fileExists(atPath: $0 + "/" + marker) }
    }
}
