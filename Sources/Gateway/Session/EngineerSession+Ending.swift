import AuditLog
import EscortCore
import Foundation
import Recording
import ShellAnalysis

/// Ending a session, and the helpers every phase uses: the fail-closed audit, showing and saying.
extension EngineerSession {
    // MARK: - Ending

    func end(reason: String, status: Int32) async {
        guard state != .ended else { return }
        if let summary = await teardown(reason: reason) {
            await audit(.recordingClosed, ["path": .string(summary.path), "sha256": .string(summary.sha256), "bytes": .integer(summary.bytes)], failClosed: false)
        }
        if target != nil, !disconnectAudited {
            await audit(.sessionEnded, ["reason": .string(reason), "exit_status": .integer(Int64(status)), "commands": .integer(Int64(commandCount))], failClosed: false)
        }
        await unregisterFromStore()
        if !isExec { await terminal.send(Array("\r\n".utf8)) }
        await terminal.finish(exitStatus: status)
    }

    /// Marks the session ended, takes it off the hub, closes the target's shell and the recording.
    func teardown(reason: String) async -> RecordingSummary? {
        state = .ended
        await context.hub.unregister(id, reason: reason)
        if let shell { await shell.close() }
        let summary = try? await recorder?.close()
        recorder = nil
        return summary
    }

    /// Takes the session off the store's open sessions (after its end is in the audit log).
    func unregisterFromStore() async {
        guard registered, let presence = context.presence else { return }
        registered = false
        await presence.closed(id)
    }

    func fail(_ message: String, status: Int32, alreadyFormatted: Bool = false) async {
        await terminal.sendError(Array((alreadyFormatted ? message : "Escort: \(message)\r\n").utf8))
        state = .ended
        await terminal.finish(exitStatus: status)
    }

    // MARK: - Helpers

    /// Appends to the audit log; on failure, ends the session (nothing may run unaudited).
    @discardableResult
    func audit(_ code: AuditEventCode, _ fields: [String: JSONValue], failClosed: Bool = true, actor: String? = nil) async -> Bool {
        do {
            _ = try await context.audit.append(AuditEvent(code: code, session: id, actor: actor ?? user.name, fields: fields))
            return true
        } catch {
            SecurityTelemetry.record(.auditFailure, "the audit log could not record an event; the session stops", [
                "session": "\(id)", "code": "\(code.code)", "error": "\(error)", "fail_closed": "\(failClosed)",
            ])
            guard failClosed else { return false }
            // The engineer is told what it means, not the store's own words.
            let message = "Escort: the audit log could not record this, so nothing more runs in this session.\r\n"
            if state != .ended {
                _ = await teardown(reason: "audit log unavailable")
                await terminal.sendError(Array(message.utf8))
                await terminal.finish(exitStatus: 1)
            }
            return false
        }
    }

    /// Shows bytes to the engineer, the watchers and the recording.
    func show(_ bytes: [UInt8]) async {
        await terminal.send(bytes)
        await context.hub.broadcast(bytes, in: id)
        await recorder?.output(bytes)
    }

    /// A gateway message: on its own line for interactive sessions, on stderr for exec.
    func say(_ text: String, inline: Bool) async {
        let body = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        if isExec {
            await terminal.sendError(Array((body + (inline ? "" : "\r\n")).utf8))
            return
        }
        await show(Array((inline ? body : body + "\r\n").utf8))
    }

    func prompt() async {
        guard !isExec, state == .idle, let target else { return }
        await show(Array("\(target.name):\(directory)$ ".utf8))
    }
}
