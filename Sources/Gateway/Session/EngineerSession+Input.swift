import AuditLog
import EscortCore
import Foundation
import Recording
import ShellAnalysis

/// The engineer's keystrokes: the line editor while she types, the program that has the terminal while a command runs.
extension EngineerSession {
    // MARK: - Input

    /// Bytes typed by the engineer.
    public func input(_ bytes: [UInt8]) async {
        switch state {
        case .running(let interactive):
            // Ctrl-C also withdraws a program start that waits for an escort.
            if execHolds > 0, bytes.contains(0x03) {
                execWithdrawn = true
                await context.hub.withdraw(session: id)
            }
            if interactive {
                try? await shell?.write(bytes)
                return
            }
            // Ctrl-C interrupts what runs; everything else waits for the next prompt.
            if let i = bytes.firstIndex(of: 0x03) {
                try? await shell?.write([0x03])
                typeahead = Array(bytes[(i + 1)...])
                return
            }
            typeahead += bytes
        case .deciding:
            // Ctrl-C withdraws the command being decided, whether it is held, waits for an
            // escort, or is still being analysed and recorded; Ctrl-D withdraws it and leaves.
            if let i = bytes.firstIndex(where: { $0 == 0x03 || $0 == 0x04 }) {
                let leaving = bytes[i] == 0x04
                await withdrawPending(leaving: leaving)
                if !leaving { typeahead += bytes[(i + 1)...] }
                return
            }
            typeahead += bytes
            // `exit` typed while nothing can run (no escort yet, or paused) leaves at once: what
            // was typed before it never runs once she has gone.
            if Self.typedExit(typeahead), let summary = await context.hub.summary(id), summary.paused || summary.waitingForEscort {
                await withdrawPending(leaving: true)
            }
        case .ended:
            return
        case .starting, .idle, .choosingTarget:
            typeahead += bytes
            await drain()
        }
    }

    /// Withdraws the command being decided (held or not yet) and, when `leaving`, ends the
    /// session: the submission's own task records the withdrawal and ends it; should that task
    /// be stuck (a store that does not answer), the session ends after a few seconds regardless.
    func withdrawPending(leaving: Bool) async {
        withdrawRequested = true
        if leaving {
            leaveRequested = true
            typeahead = []
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(3))
                await self?.end(reason: "the engineer left", status: 130)
            }
        }
        await context.hub.withdraw(session: id, submission: submission)
    }

    /// Whether typed-ahead input holds a whole line that is `exit` or `logout`.
    static func typedExit(_ typed: [UInt8]) -> Bool {
        let lines = String(decoding: typed, as: UTF8.self).split(omittingEmptySubsequences: false) { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        return lines.dropLast().contains { ["exit", "logout"].contains($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The engineer closed her input (EOF on the channel).
    public func inputClosed() async {
        if isExec { return }
        endRequested = true
        if state == .idle || state == .choosingTarget { await end(reason: "the engineer left", status: lastStatus) }
    }

    /// The engineer's channel is gone: the session ends at once, and a held command is withdrawn
    /// (nothing she typed runs once she has gone, whoever approves later).
    public func disconnected() async {
        guard state != .ended else { return }
        typeahead = []
        if target != nil {
            await audit(.sessionEnded, ["reason": "the engineer disconnected", "commands": .integer(Int64(commandCount)), "held_withdrawn": .bool(state == .deciding)], failClosed: false)
        }
        disconnectAudited = true
        await context.hub.withdraw(session: id)
        await end(reason: "the engineer disconnected", status: 255)
    }

    /// The terminal was resized.
    public func resize(columns: Int, rows: Int) async {
        self.columns = columns
        self.rows = rows
        shell?.resize(columns: columns, rows: rows)
        recorder?.resize(width: columns, height: rows)
    }

    /// Feeds queued keystrokes to the line editor while it is collecting.
    func drain() async {
        // Echo is gathered and shown in one write before anything else is shown.
        var echo: [UInt8] = []
        while !typeahead.isEmpty, state == .idle || state == .choosingTarget {
            let byte = typeahead.removeFirst()
            for event in editor.feed(byte) {
                if case .echo(let bytes) = event {
                    echo += bytes
                    continue
                }
                if !echo.isEmpty {
                    await show(echo)
                    echo = []
                }
                switch event {
                case .echo:
                    break
                case .cancelled:
                    if state == .idle { await prompt() }
                case .endOfInput:
                    await end(reason: "the engineer left", status: lastStatus)
                    return
                case .invalid(let text, let reason):
                    await refuseInvalid(text, reason: reason)
                case .submit(let text):
                    if state == .choosingTarget {
                        await choose(text)
                    } else {
                        // Decided in its own task, so that keystrokes (Ctrl-C to withdraw a held
                        // command) keep arriving while it waits.
                        state = .deciding
                        submission += 1
                        withdrawRequested = false
                        Task { await self.submit(text) }
                        // A Ctrl-C (or Ctrl-D) that came with the Enter, in the same read, is meant
                        // for this command: it withdraws it before it can be held.
                        if let i = typeahead.firstIndex(where: { $0 == 0x03 || $0 == 0x04 }) {
                            let leaving = typeahead[i] == 0x04
                            typeahead = Array(typeahead[(i + 1)...])
                            await withdrawPending(leaving: leaving)
                        }
                        return
                    }
                }
            }
        }
        if !echo.isEmpty { await show(echo) }
        if endRequested, state == .idle { await end(reason: "the engineer left", status: lastStatus) }
    }

    func choose(_ text: String) async {
        let t = text.trimmingCharacters(in: .whitespaces)
        let picked = Int(t).flatMap { $0 >= 1 && $0 <= menu.count ? menu[$0 - 1] : nil } ?? menu.first { $0.name == t }
        guard let picked else {
            await say("No target \(t.isEmpty ? "chosen" : "called \(t)"). Choose a number or a name: ", inline: true)
            return
        }
        typeahead = []
        editor = Self.commandEditor(limits: context.analyser.limits)
        state = .starting
        await connect(picked)
    }

    static func commandEditor(limits: ParserLimits) -> LineEditor {
        LineEditor { text in
            switch ShellParser.parse(text, limits: limits) {
            case .success: return .complete
            case .failure(let f):
                switch f.kind {
                case .incomplete: return .incomplete
                case .syntaxError: return .invalid(f.message)
                case .tooComplex: return .complete
                }
            }
        }
    }
}
