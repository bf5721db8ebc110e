import AuditLog
import EscortCore
import Foundation
import Store

/// This gateway node's presence in a store shared with other nodes (or with its own earlier runs):
/// it says it is alive every few seconds, records each session it opens and closes, and ends in
/// the audit log the sessions of nodes that have stopped saying so.
///
/// A node that dies (SIGKILL, power, a lost machine) leaves its sessions open in the store and
/// its held commands undecided in memory that died with it: nothing it held can be approved. The
/// next node to notice, after `staleAfter` seconds of silence, claims each session (exactly one
/// node can) and appends `session.ended` for it, naming the dead node and its last heartbeat.
public actor NodePresence {
    /// This node's name in the store: unique per process, so a restarted node does not mistake
    /// its previous run's sessions for its own.
    public nonisolated let node: String
    let store: any NodeStore
    let audit: AuditLog
    /// Seconds between heartbeats and sweeps.
    public nonisolated let interval: Double
    /// Seconds of silence after which a node counts as dead.
    public nonisolated let staleAfter: Double
    var loop: Task<Void, Never>?
    /// Sessions this node ended for dead nodes (for tests and logs).
    public private(set) var adopted: [String] = []

    public init(node: String, store: any NodeStore, audit: AuditLog, interval: Double = 5, staleAfter: Double? = nil) {
        self.node = node
        self.store = store
        self.audit = audit
        self.interval = interval
        self.staleAfter = staleAfter ?? interval * 3
    }

    /// A name for this process: the host, the process id and a random suffix.
    public static func processName() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "gateway"
        return "\(host)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Says this node is alive (failing start-up if the store cannot record it), ends what dead
    /// nodes left open, and keeps doing both until ``stop()``.
    public func start() async throws {
        try await store.heartbeat(node: node)
        await sweep()
        loop = Task { [interval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard !Task.isCancelled else { break }
                await self.beat()
            }
        }
    }

    func beat() async {
        // A failed heartbeat is retried next time; if the store stays away long enough, other
        // nodes end this node's sessions, which is the safe side.
        do {
            try await store.heartbeat(node: node)
            StoreReachability.shared.succeeded()
        } catch {
            StoreReachability.shared.failed(error, during: "heartbeat")
        }
        await sweep()
    }

    /// Ends in the audit log every session left open by a node that has gone silent.
    public func sweep() async {
        guard let orphans = try? await store.orphanedSessions(staleAfter: staleAfter) else { return }
        for orphan in orphans where orphan.node != node {
            guard (try? await store.sessionClosed(orphan.session)) == true else { continue }
            let last = orphan.lastHeartbeat.map { ISO8601DateFormatter().string(from: $0) } ?? "never"
            let event = AuditEvent(code: .sessionEnded, session: orphan.session, actor: "gateway", fields: [
                "reason": .string("the gateway node \(orphan.node) stopped answering (last heartbeat \(last)); its connections dropped and nothing it held was run"),
                "node": .string(orphan.node), "ended_by": .string(node),
            ])
            do {
                _ = try await audit.append(event)
                adopted.append(orphan.session)
                SecurityTelemetry.record(.nodeDeclaredDead, "a gateway node stopped answering; its session was ended", [
                    "node": "\(orphan.node)", "session": "\(orphan.session)", "last_heartbeat": "\(last)",
                ])
            } catch {
                // Put the claim back so this or another node tries again.
                try? await store.sessionOpened(orphan.session, node: orphan.node)
            }
        }
    }

    /// Records a session as open on this node; throws if the store cannot (the session must
    /// not start: if this node died, nobody would know to end it).
    public func opened(_ session: String) async throws {
        try await store.sessionOpened(session, node: node)
    }

    /// Records a session as ended on this node.
    public func closed(_ session: String) async {
        _ = try? await store.sessionClosed(session)
    }

    /// Stops beating and, when no session of this node is left open, forgets the node.
    public func stop() async {
        loop?.cancel()
        loop = nil
        try? await store.nodeStopped(node)
    }
}
