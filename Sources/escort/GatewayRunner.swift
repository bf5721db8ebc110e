import ArgumentParser
import AuditLog
import Console
import Dispatch
import EscortCore
import Foundation
import Gateway
import Policy
import ShellAnalysis

/// Starts the gateway on a store and runs it until SIGINT or SIGTERM, then closes the audit log
/// with a signed checkpoint.
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
    /// Where `scripts/setup.sh` installed asciinema-player (`web-vendor/`).
    var vendorDirectory: String? = "web-vendor"
    /// Seconds between this node's heartbeats in the store; after three missed, another node
    /// ends its sessions in the audit log.
    var heartbeatSeconds: Double = 5

    func run(banner: (Int) -> String) async throws {
        let analyser: Analyser
        switch Analyser.bundled() {
        case .success(let a): analyser = a
        case .failure(let e): throw ValidationError(e.description)
        }
        let opened = try await self.store.open(create: true)
        let store = opened.store
        let key = try GatewaySigningKey.loadOrCreate(path: signingKeyPath)
        let log = try await AuditLog.open(store: store, key: key)
        _ = try await log.append(AuditEvent(code: .policyChanged, actor: "gateway", fields: [
            "event": "gateway started", "policy": .string(policySource),
            "countries_of_concern": .array(engine.document.countriesOfConcern.sorted().map { .string($0.code) }),
            "listen": .string("\(host):\(port)"),
        ]))
        let authority = RegistryAuthority(store: store, engine: engine, localHome: localHome)
        var context = GatewayContext(analyser: analyser, authority: authority, audit: log, hub: ModerationHub(), recordingsDirectory: recordings)
        context.recordedOutputPerCommand = recordedOutputPerCommand
        // Before any session: say this node is alive, and end what dead nodes left open.
        let presence = NodePresence(node: NodePresence.processName(), store: store, audit: log, interval: heartbeatSeconds)
        try await presence.start()
        context.presence = presence
        let server = try await GatewayServer.start(context: context, hostKey: HostKeyFile.loadOrCreate(path: hostKeyPath), host: host, port: port)
        var console: ConsoleServer?
        var webLine = ""
        if let web {
            let consoleContext = ConsoleContext(
                store: store, authority: authority, hub: context.hub, audit: log, engine: engine, analyser: analyser,
                recordingsDirectory: recordings, vendorDirectory: vendorDirectory)
            let started = try await ConsoleServer.start(context: consoleContext, host: web.host, port: web.port, certificate: web.certificate)
            console = started
            webLine = "\nEscort web console on \(web.certificate == nil ? "http" : "https")://\(web.host):\(started.port)/"
        }
        // Written unbuffered: scripts and tests wait for the listening line.
        FileHandle.standardOutput.write(Data((banner(server.port) + webLine + "\nEscort gateway listening on \(host):\(server.port)\n").utf8))
        await Self.waitForSignal()
        FileHandle.standardOutput.write(Data("Escort gateway stopping: closing the audit log with a signed checkpoint.\n".utf8))
        await console?.close()
        await server.close()
        await presence.stop()
        _ = try? await log.close()
        await opened.close()
    }

    /// Suspends until SIGINT or SIGTERM.
    static func waitForSignal() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGINT, SIGTERM].map { sig in
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { continuation.yield(sig) }
            s.resume()
            return s
        }
        for await _ in stream { break }
        for s in sources { s.cancel() }
    }
}
