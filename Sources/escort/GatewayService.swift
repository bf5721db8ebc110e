import AuditLog
import Console
import EscortCore
import Foundation
import Gateway
import Logging
import Metrics
import ServiceLifecycle

/// The running gateway as a ServiceLifecycle service. It runs until graceful shutdown is
/// triggered (SIGTERM, SIGINT), then stops in order: no new SSH connection is accepted; commands
/// already running get up to the grace period to finish (their output reaches the engineer);
/// every remaining session is ended, audited with the reason "gateway shutting down"; the web
/// console and the connections left are closed; the audit log is closed with a signed
/// checkpoint; the store is closed; the operations listener last.
struct GatewayService: Service {
    /// Printed when the service runs, after ServiceLifecycle traps SIGTERM and SIGINT: scripts and
    /// tests that wait for the listening line may signal at once.
    let announcement: String
    let server: GatewayServer
    let hub: ModerationHub
    let log: AuditLog
    let grace: Duration
    let logger: Logger
    let console: ConsoleServer?
    let operations: OperationsServer?
    /// This node's presence in the store: stopped once its sessions have ended (a node that
    /// stops cleanly leaves nothing for other nodes to end).
    let presence: NodePresence?
    /// Set when shutdown begins: `/health` answers 503 `draining` from then on.
    let draining: DrainingFlag
    let closeStore: @Sendable () async -> Void

    func run() async throws {
        // Written unbuffered.
        FileHandle.standardOutput.write(Data(announcement.utf8))
        // Returns when shutdown is triggered; throws if the task is cancelled (then stop at once).
        try? await gracefulShutdown()
        draining.value = true
        logger.notice("shutting down", metadata: ["grace_seconds": "\(grace.components.seconds)"])
        FileHandle.standardOutput.write(Data("Escort gateway stopping: no new connections; running commands may finish, then sessions end and the audit log is closed with a signed checkpoint.\n".utf8))
        await server.stopAccepting()
        let ended = await GatewayShutdown.drain(hub, grace: grace)
        // Sessions that just ended are still sending their exit status; give their clients a
        // moment to take it and disconnect (an escort's console connection is closed after it).
        await server.awaitConnectionsClosing(upTo: .seconds(3))
        await console?.close()
        await server.closeConnections()
        await hub.leaveCluster()
        await presence?.stop()
        var failure: (any Error)?
        do {
            // The log says why it ends here (the signed checkpoint follows).
            var fields: [String: JSONValue] = ["reason": "gateway stopping", "sessions_ended": .integer(Int64(ended))]
            if let presence { fields["node"] = .string(presence.node) }
            _ = try await log.append(AuditEvent(code: .auditLogClosed, actor: "gateway", fields: fields))
            let checkpoint = try await log.close()
            logger.notice("audit log closed", metadata: ["checkpoint_tree_size": "\(checkpoint?.treeSize ?? 0)"])
        } catch {
            failure = error
            logger.error("the audit log could not be closed with a checkpoint", metadata: ["error": "\(error)"])
        }
        await closeStore()
        await operations?.close()
        logger.notice("stopped", metadata: ["sessions_ended": "\(ended)"])
        if let failure { throw failure }
    }
}

/// The store's health-check failures, counted with the audit log's write failures.
enum StoreHealth {
    static let errors = Counter(label: "escort_store_errors_total", dimensions: [("operation", "health_check")])
}

/// Whether the gateway is shutting down (read by `/health`).
final class DrainingFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var draining = false

    var value: Bool {
        get { lock.withLock { draining } }
        set { lock.withLock { draining = newValue } }
    }
}
