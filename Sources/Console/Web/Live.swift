import AuditLog
import EscortCore
import Foundation
import Gateway
import HummingbirdWebSocket
import NIOCore

/// The live connections: the queue, a session's events (attached as escort or reviewer) and its
/// terminal (read-only output). Nothing a browser sends over them is acted on: decisions go
/// through the HTTP routes, with their CSRF check; any message but `ping` closes the connection.
enum Live {
    /// Reads the browser's messages until it goes; a message other than `ping` is refused.
    static func drain(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        for try await message in inbound.messages(maxSize: 4096) {
            if case .text(let t) = message, t == "ping" { continue }
            try await outbound.close(.unknown(4400), reason: "this connection accepts no commands")
            return
        }
    }

    /// Runs `produce` until the browser leaves (or `produce` ends).
    static func until(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter,
                      _ produce: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await drain(inbound, outbound) }
            group.addTask { try await produce() }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    static func queue(_ routes: ConsoleRoutes, _ identity: WebIdentity, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        try await until(inbound, outbound) {
            var last: [UInt8] = []
            while !Task.isCancelled {
                let bytes = try await routes.queue(for: identity).canonicalBytes()
                if bytes != last {
                    try await outbound.write(.text(String(decoding: bytes, as: UTF8.self)))
                    last = bytes
                }
                try await Task.sleep(for: .milliseconds(400))
            }
        }
    }

    static func events(_ routes: ConsoleRoutes, _ identity: WebIdentity, _ id: String, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        let (summary, role) = try await routes.eligibleSession(identity, id)
        let hub = routes.context.hub
        let (token, stream) = try await hub.attach(identity.user, as: role, to: id)
        await routes.attachments.add(token, for: identity, session: id)
        let fields: [String: JSONValue] = ["role": .string(role.rawValue), "target": .string(summary.target), "via": "web console"]
        do {
            try await routes.audit(.escortAttached, session: id, actor: identity.user.name, fields)
        } catch {
            // Unaudited presence must not count: leave at once.
            await hub.detach(token, from: id)
            await routes.attachments.remove(token, for: identity, session: id)
            try await outbound.close(.unexpectedServerError, reason: "the audit log could not record your presence")
            return
        }
        let analyser = routes.context.analyser
        do {
            try await until(inbound, outbound) {
                try await send(outbound, ["type": "attached", "role": .string(role.rawValue)])
                for await event in stream {
                    switch event {
                    case .output:
                        continue
                    case .held(let held):
                        try await send(outbound, ["type": "held", "id": .integer(Int64(held.id)), "risk": .string(held.analysis.risk.rawValue), "digest": .string(held.cardDigest),
                                                  "html": .string(HTML.card(held, analyser: analyser))])
                    case .resolved(let hold, let outcome):
                        try await send(outbound, ["type": "resolved", "id": .integer(Int64(hold)), "outcome": .string(outcome)])
                    case .notice(let text):
                        try await send(outbound, ["type": "notice", "text": .string(text)])
                    case .ended(let reason):
                        try await send(outbound, ["type": "ended", "text": .string(reason)])
                        return
                    }
                }
            }
        } catch {}
        await hub.detach(token, from: id)
        await routes.attachments.remove(token, for: identity, session: id)
        try? await routes.audit(.escortDetached, session: id, actor: identity.user.name, fields)
    }

    static func send(_ outbound: WebSocketOutboundWriter, _ value: JSONValue) async throws {
        try await outbound.write(.text(String(decoding: try value.canonicalBytes(), as: UTF8.self)))
    }

    /// The raw terminal stream asciinema-player's websocket driver plays (its `raw` protocol).
    static func terminal(_ routes: ConsoleRoutes, _ identity: WebIdentity, _ id: String, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        let (summary, _) = try await routes.eligibleSession(identity, id)
        let hub = routes.context.hub
        let (token, stream) = try await hub.observe(id)
        do {
            try await until(inbound, outbound) {
                // The first message sizes the player's terminal (xterm's resize sequence, which its
                // raw protocol reads) and arrives at once, so a quiet session is not shown "offline".
                // At least 80×24: output laid out for a smaller terminal still fits.
                let size = "\u{1B}[8;\(max(summary.rows, 24));\(max(summary.columns, 80))t"
                try await outbound.write(.binary(ByteBuffer(string: size)))
                for await event in stream {
                    switch event {
                    case .output(let bytes):
                        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                    case .ended:
                        return
                    default:
                        continue
                    }
                }
            }
        } catch {}
        await hub.stopObserving(token, from: id)
    }
}
