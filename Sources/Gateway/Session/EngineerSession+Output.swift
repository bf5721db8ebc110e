import AuditLog
import EscortCore
import Foundation
import Recording
import ShellAnalysis

/// The target's output, a command's end, and what escorts do to a session.
extension EngineerSession {
    // MARK: - Output

    func targetOutput(_ bytes: [UInt8]) async {
        if mediated != nil {
            // Under the agent, output is only output: a command's end comes from the agent.
            guard state != .starting, state != .ended else { return }
            await show(bytes)
            return
        }
        for event in scanner.feed(bytes) {
            switch event {
            case .output(let out):
                guard state != .starting else { continue }
                await show(out)
            case .finished(let status, let dir):
                directory = dir
                switch state {
                case .starting:
                    await shellReady()
                case .running:
                    await commandFinished(status: status)
                    await afterCommand(status: status)
                default:
                    break
                }
            }
        }
    }

    /// Records the end of a command: what its output left out of the recording, if anything, and
    /// its exit status. In an interactive session the append does not hold up the next prompt (it
    /// is queued at once, ahead of the next command's records, and like every append ends the
    /// session if it fails); an exec session waits for it, since the session ends next.
    func commandFinished(status: Int32) async {
        let fields: [String: JSONValue] = ["n": .integer(Int64(commandCount)), "exit_status": .integer(Int64(status))]
        @Sendable func with(_ unrecorded: RecordingQueue.Unrecorded?) -> [String: JSONValue] {
            guard let unrecorded else { return fields }
            var all = fields
            all["unrecorded_output_bytes"] = .integer(Int64(unrecorded.bytes))
            all["unrecorded_output_sha256"] = .string(unrecorded.sha256)
            return all
        }
        guard let recorder else {
            await audit(.commandFinished, fields)
            return
        }
        if isExec {
            let unrecorded = await withCheckedContinuation { (c: CheckedContinuation<RecordingQueue.Unrecorded?, Never>) in
                recorder.endCommand { c.resume(returning: $0) }
            }
            await audit(.commandFinished, with(unrecorded))
        } else {
            recorder.endCommand { unrecorded in Task { await self.audit(.commandFinished, with(unrecorded)) } }
        }
    }

    /// Runs an exec session's command on its own channel, without a terminal (see
    /// ``TargetShell/runsCommandsWithoutTerminal``), then ends the session with its exit status.
    func runWithoutTerminal(_ command: String, on shell: any TargetShell) async {
        state = .running(interactive: false)
        var status: Int32
        do {
            // 255 for no exit status, as ssh itself reports a command killed by a signal.
            status = try await shell.runWithoutTerminal(command) { [self] bytes in await self.execOutput(bytes) } ?? 255
        } catch {
            await say("Escort: the target did not run the command: \(error)", inline: false)
            status = 255
        }
        guard state != .ended else { return }
        await commandFinished(status: status)
        await afterCommand(status: status)
    }

    func execOutput(_ bytes: [UInt8]) async {
        guard state != .ended else { return }
        await show(bytes)
    }

    func afterCommand(status: Int32) async {
        guard state != .ended else { return }
        lastStatus = status
        if isExec {
            await finishExec(status)
            return
        }
        state = .idle
        await prompt()
        await drain()
    }

    func finishExec(_ status: Int32) async {
        await end(reason: "the command finished", status: status)
    }

    func targetEnded() async {
        guard state != .ended else { return }
        let status = await shell?.exitStatus() ?? 1
        await end(reason: "the target's shell ended", status: status)
    }

    // MARK: - Escort controls

    public func terminate(by: String, reason: String) async {
        await say("Escort: \(by) ended this session: \(reason)", inline: false)
        await audit(.sessionKilled, ["by": .string(by), "reason": .string(reason)])
        SecurityTelemetry.record(by == "gateway" ? .sessionEndedByPolicy : .sessionEndedByEscort, "a session was ended", [
            "session": "\(id)", "by": "\(by)", "reason": "\(reason)",
        ])
        await end(reason: "ended by \(by)", status: 137)
    }

    public func notify(_ message: String) async {
        guard state != .ended else { return }
        await say("Escort: \(message)", inline: false)
        if state == .idle { await prompt() }
    }
}
