import AuditLog
import EscortCore
import Foundation
import Recording
import ShellAnalysis

/// One engineer's session on one target: the path of every command from keystroke to target.
///
/// Keystrokes go to Escort's ``LineEditor`` (never to the target) until a command is complete;
/// the command is analysed (with any script it runs read from the target first), decided by
/// policy, held for an escort where policy says so, written to the audit log (durable), and only
/// then written to the target's shell. Output comes back through ``MarkerScanner`` to the
/// engineer, every watcher and the recording.
public actor EngineerSession: SessionControl {
    /// What the engineer asked for.
    public enum Request: Sendable {
        case shell
        case exec(String)
    }

    enum State: Equatable {
        case choosingTarget
        case starting
        case idle
        case deciding
        case running(interactive: Bool)
        case ended
    }

    public let id: String
    let context: GatewayContext
    let user: GatewayUser
    let terminal: any EngineerTerminal
    let source: String?
    let request: Request
    var requestedTarget: String?
    var target: GatewayTarget?
    var mode: SessionMode = .direct
    var shell: (any TargetShell)?
    /// The shell under escort-agent, when the target runs one (then `shell` is the same object).
    var mediated: (any MediatedShell)?
    /// What the command being run may start (exec-time mediation).
    var expected = ExpectedPrograms()
    let integration = ShellIntegration.random()
    var scanner: MarkerScanner
    var editor: LineEditor
    var typeahead: [UInt8] = []
    var state: State = .starting
    var directory = "~"
    /// Whether the session is recorded as open in the store (``NodePresence``).
    var registered = false
    var recorder: RecordingQueue?
    var columns: Int
    var rows: Int
    var term: String
    /// Whether the engineer's client asked for a terminal (`ssh -t`); an exec session without one
    /// runs its command without one on the target too.
    let engineerHasTerminal: Bool
    var menu: [GatewayTarget] = []
    /// The scripts read from the target for the command being decided (path → text).
    var lastScripts: [String: String] = [:]
    var commandCount = 0
    /// Program starts of this session waiting for an escort (at most one).
    var execHolds = 0
    /// The engineer withdrew the held program start (Ctrl-C), perhaps before the hub had it.
    var execWithdrawn = false
    /// Counts the commands handed to ``submit(_:)`` from the line editor: a withdrawal names the
    /// one it withdraws, so it cannot land on the next.
    var submission = 0
    /// The engineer withdrew the command being decided (Ctrl-C), perhaps before it was held.
    var withdrawRequested = false
    /// The engineer left (Ctrl-D, `exit`) while a command was being decided.
    var leaveRequested = false
    /// The session's end was already recorded as a disconnect.
    var disconnectAudited = false
    var lastStatus: Int32 = 0
    var endRequested = false
    var execFinished: CheckedContinuation<Int32, Never>?

    public init(
        context: GatewayContext, user: GatewayUser, target: String?, source: String?, request: Request,
        terminal: any EngineerTerminal, columns: Int = 80, rows: Int = 24, term: String = "xterm-256color",
        engineerHasTerminal: Bool = true
    ) {
        self.engineerHasTerminal = engineerHasTerminal
        let stamp = Int(Date().timeIntervalSince1970)
        self.id = "s-\(stamp)-\(UInt32.random(in: 0...UInt32.max))"
        self.context = context
        self.user = user
        self.requestedTarget = target
        self.source = source
        self.request = request
        self.terminal = terminal
        self.columns = columns
        self.rows = rows
        self.term = term
        self.scanner = MarkerScanner(integration: integration)
        self.editor = Self.commandEditor(limits: context.analyser.limits)
    }

    // MARK: - One command

    func refuseInvalid(_ text: String, reason: String) async {
        commandCount += 1
        guard await audit(.commandRefused, [
            "n": .integer(Int64(commandCount)), "command": .string(text), "by": "analyser",
            "reason": .string("not valid shell syntax: \(reason)"),
        ]) else { return }
        GatewayTelemetry.command(.refused, risk: "unknown", session: id, number: commandCount)
        await context.hub.announce("#\(commandCount) refused by the analyser (not valid shell syntax): \(DisguisedText.visible(text).prefix(300))", in: id)
        await say("Escort: not valid shell syntax (\(reason)); nothing was sent.", inline: false)
        await prompt()
    }

    /// Decides one complete command and, if allowed, forwards it.
    func submit(_ command: String) async {
        guard command.contains(where: { !$0.isWhitespace }) else {
            if isExec { await finishExec(0); return }
            await prompt()
            return
        }
        state = .deciding
        commandCount += 1
        let n = commandCount
        recorder?.marker("#\(n) \(command)")
        recorder?.input(Array((command + "\n").utf8))

        let ticket = submission

        // An escorted session runs nothing without an escort; a paused one runs nothing at all.
        if let summary = await context.hub.summary(id), summary.paused || summary.waitingForEscort {
            await say(summary.paused ? "Escort: the session is paused; your command waits (Ctrl-C withdraws it, Ctrl-D leaves)." : "Escort: waiting for an escort to join before anything runs (Ctrl-C withdraws the command, Ctrl-D leaves).", inline: false)
            guard await context.hub.awaitRunnable(id, submission: ticket) else {
                if withdrawRequested { await withdrawn(n, command, before: "before an escort joined") }
                return
            }
        }
        if withdrawRequested { await withdrawn(n, command, before: "before it was decided"); return }

        guard let target else { return }
        if let (by, problem) = Self.unsendable(command, agentless: mediated == nil) {
            // Refused before it can become a card: recorded with its number and its text as read
            // (the control characters intact), and shown to the escorts with them made visible.
            guard await audit(.commandRefused, ["n": .integer(Int64(n)), "command": .string(command), "by": .string(by), "reason": .string(problem)]) else { return }
            GatewayTelemetry.command(.refused, risk: "unknown", session: id, number: n)
            await context.hub.announce("#\(n) refused by \(by): \(DisguisedText.visible(command).prefix(300)) — \(problem).", in: id)
            await say("Escort: refused: \(problem); nothing was sent.", inline: false)
            await afterCommand(status: 126)
            return
        }
        var analysis = await context.analyse(command, target: targetContext)
        let unread: [String: String]
        (analysis, unread) = await readScripts(command, analysis)
        let hooks = ShellHooks(command: command, limits: context.analyser.limits)
        if !hooks.isEmpty {
            let current = analysis
            analysis = await context.bounded(Analyser.couldNotFinish(command)) { analyser in
                var judged = current
                hooks.judge(&judged, with: analyser)
                return judged
            }
        }
        if Self.writesProcessDescriptor(command) {
            analysis.risk = max(analysis.risk, .high)
            analysis.summary = "High risk: writes into another process's open file (/proc/…/fd/…), a way to type into the shell's own command stream."
            analysis.explanation.insert(analysis.summary, at: 0)
        }
        var (ruling, reasons) = context.authority.ruling(for: analysis, mode: mode, target: target)
        if analysis.opensPrompt {
            ruling = .refuse
            reasons.append("It starts an interactive shell or interpreter prompt, whose input Escort could not read line by line. Run the program with its script or command instead (e.g. `bash -c '…'`, `python3 tool.py`).")
        }
        if !analysis.unseenScripts.isEmpty, ruling == .run {
            ruling = .hold
            let why = analysis.unseenScripts.map { path in unread[path].map { "\(path) (\($0))" } ?? path }
            reasons.append("It runs \(why.joined(separator: ", ")), which Escort could not read from the target; an escort must decide.")
        }
        var fields: [String: JSONValue] = [
            "n": .integer(Int64(n)), "command": .string(command), "target": .string(target.name),
            "risk": .string(analysis.risk.rawValue), "summary": .string(analysis.summary),
            "techniques": .array(analysis.techniques.map { .string($0) }),
            "status": .string(analysis.status.rawValue),
            "ruling": .string(ruling.rawValue), "reasons": .array(reasons.map { .string($0) }),
        ]
        if !analysis.unseenScripts.isEmpty {
            fields["unseen_scripts"] = .array(analysis.unseenScripts.map { .string($0) })
        }

        switch ruling {
        case .refuse:
            fields["by"] = "policy"
            guard await audit(.commandRefused, fields) else { return }
            GatewayTelemetry.command(.refused, risk: analysis.risk.rawValue, session: id, number: n)
            await context.hub.announce("#\(n) refused by policy (\(analysis.risk.rawValue.uppercased()) risk): \(DisguisedText.visible(command).prefix(300)) — \(DisguisedText.visible(analysis.summary))", in: id)
            await say("Escort: refused. \(analysis.summary)" + reasons.map { "\r\n  - \($0)" }.joined(), inline: false)
            await afterCommand(status: 126)
            return
        case .hold, .holdWithReview:
            guard await audit(.commandHeld, fields) else { return }
            GatewayTelemetry.command(.held, risk: analysis.risk.rawValue, session: id, number: n)
            let who = ruling == .holdWithReview ? "an escort and a technical reviewer" : "an escort"
            await say("Escort: held for \(who). \(analysis.summary)" + reasons.map { "\r\n  - \($0)" }.joined() + "\r\n  Waiting for a decision (Ctrl-C withdraws the command)…", inline: false)
            // Ctrl-C may have come while the hold was being recorded and shown, before the hub had
            // it: the hub keeps a withdrawal of this submission and answers the hold with it.
            let decision: HoldDecision = withdrawRequested ? .withdrawn
                : await context.hub.hold(session: id, command: command, analysis: analysis, ruling: ruling, reasons: reasons, submission: ticket)
            switch decision {
            case .approved(let by):
                fields["approved_by"] = .array(by.map { .string($0) })
                guard await audit(.commandApproved, ["n": .integer(Int64(n)), "approved_by": .array(by.map { .string($0) })], actor: by.first) else { return }
                GatewayTelemetry.command(.approved, risk: analysis.risk.rawValue, session: id, number: n)
                await say("Escort: approved by \(by.joined(separator: " and ")).", inline: false)
            case .refused(let by, let reason):
                guard await audit(.commandRefused, ["n": .integer(Int64(n)), "by": .string(by), "reason": .string(reason)], actor: by) else { return }
                GatewayTelemetry.command(.refusedByEscort, risk: analysis.risk.rawValue, session: id, number: n)
                await say("Escort: refused by \(by): \(reason)", inline: false)
                await afterCommand(status: 126)
                return
            case .withdrawn:
                guard await audit(.commandRefused, ["n": .integer(Int64(n)), "by": .string(user.name), "reason": "withdrawn by the engineer"]) else { return }
                GatewayTelemetry.command(.withdrawn, risk: analysis.risk.rawValue, session: id, number: n)
                await afterWithdrawal()
                return
            case .sessionEnded:
                return
            }
        case .run:
            break
        }
        // A session that can no longer be recorded runs nothing more.
        if let failure = recorder?.failure {
            let reason = "the session's recording failed (\(failure)); nothing more runs in this session"
            guard await audit(.commandRefused, ["n": .integer(Int64(n)), "by": "gateway", "reason": .string(reason)]) else { return }
            await context.hub.announce("#\(n) refused by the gateway: \(reason).", in: id)
            await say("Escort: \(reason).", inline: false)
            await end(reason: "recording failed", status: 1)
            return
        }
        // Still allowed by the registry as it is now (fail closed if it cannot be read).
        guard await registryAllowsForwarding(n, approvedBy: fields["approved_by"]?.arrayValue?.compactMap(\.stringValue) ?? []) else { return }
        // A withdrawal that came while the registry was read still wins.
        if withdrawRequested { await withdrawn(n, command, before: "before it was sent"); return }
        // Durable before it reaches the target.
        guard await audit(.commandForwarded, fields) else { return }
        if ruling == .run { GatewayTelemetry.command(.run, risk: analysis.risk.rawValue, session: id, number: n) }
        guard state == .deciding, let shell else { return }
        if let mediated {
            expected = ExpectedPrograms(command: command, scripts: lastScripts, limits: context.analyser.limits)
            state = .running(interactive: interactive(command))
            do {
                try await mediated.run(number: n, command: command)
            } catch {
                await end(reason: "the target's agent has gone", status: 1)
            }
            return
        }
        if isExec, !engineerHasTerminal, shell.runsCommandsWithoutTerminal {
            await runWithoutTerminal(command, on: shell)
            return
        }
        state = .running(interactive: interactive(command))
        do {
            try await shell.write(Array((Self.forwardable(command, exec: isExec) + "\n").utf8))
        } catch {
            await end(reason: "the target's shell has gone", status: 1)
        }
    }

    /// Records a command the engineer withdrew before it was held (waiting for an escort, or
    /// still being decided), tells the escorts, and goes on (or ends, if she is leaving).
    func withdrawn(_ n: Int, _ command: String, before: String) async {
        guard state != .ended else { return }
        guard await audit(.commandRefused, ["n": .integer(Int64(n)), "command": .string(command), "by": .string(user.name),
                                            "reason": .string("withdrawn by the engineer \(before)")]) else { return }
        GatewayTelemetry.command(.withdrawn, risk: "unknown", session: id, number: n)
        await context.hub.announce("#\(n) withdrawn by the engineer \(before): \(DisguisedText.visible(command).prefix(300))", in: id)
        await afterWithdrawal()
    }

    func afterWithdrawal() async {
        if leaveRequested {
            await end(reason: "the engineer left", status: 130)
            return
        }
        await say("Escort: withdrawn; nothing was sent.", inline: false)
        await afterCommand(status: 130)
    }

    /// Why `command` cannot be sent as it is, and who says so: control characters (which a
    /// terminal applies and an escort cannot see: the policy's rule, each one named), or, on an
    /// agentless target whose terminal cuts lines at 4095 bytes, a line that long (the gateway's).
    /// nil if it can.
    static func unsendable(_ command: String, agentless: Bool) -> (by: String, reason: String)? {
        var controls: [String] = []
        for c in command.unicodeScalars where ((c.value < 0x20 && c != "\n" && c != "\t") || c.value == 0x7F || (0x80...0x9F).contains(c.value)) {
            let name = "U+\(String(c.value, radix: 16, uppercase: true).leftPadded(to: 4)) \(DisguisedText.visible(String(c)))"
            if !controls.contains(name) { controls.append(name) }
        }
        if !controls.isEmpty {
            let which = controls.prefix(6).joined(separator: ", ")
            return ("policy", "the command contains the control character\(controls.count == 1 ? "" : "s") \(which), which a terminal would act on and an escort cannot see")
        }
        if agentless, command.split(separator: "\n", omittingEmptySubsequences: false).contains(where: { $0.utf8.count > 4000 }) {
            return ("gateway", "a line is longer than 4000 bytes, which this target's terminal would cut (put it in a script)")
        }
        return nil
    }

    /// Whether the command writes to a path under `/proc/…/fd/`: another process's open file,
    /// such as the shell's command pipe under the agent.
    static func writesProcessDescriptor(_ command: String) -> Bool {
        guard command.contains("/proc/"), command.contains("/fd/") else { return false }
        return command.contains(">") || command.contains("tee") || command.contains("of=") || command.contains("cp ") || command.contains("open(")
    }

    var isExec: Bool {
        if case .exec = request { return true }
        return false
    }

    /// An exec request may be a whole script: grouped so the shell prints one prompt for it.
    static func forwardable(_ command: String, exec: Bool) -> String {
        exec ? "{\n\(command)\n}" : command
    }

    /// Reads scripts the command runs from the target (over a separate channel) and analyses again
    /// with their contents, a few rounds deep for scripts that run scripts. Also says, for each
    /// script that could not be read, why not.
    func readScripts(_ command: String, _ first: Analysis) async -> (Analysis, unread: [String: String]) {
        lastScripts = [:]
        guard let shell else { return (first, [:]) }
        var analysis = first
        var files: [String: String] = [:]
        var unread: [String: String] = [:]
        for _ in 0..<3 where !analysis.unseenScripts.isEmpty {
            var added = false
            for path in analysis.unseenScripts where files[path] == nil && unread[path] == nil {
                let resolved = resolve(path)
                let content: [UInt8]?
                do {
                    content = try await shell.readFile(resolved, limit: context.scriptFetchLimit)
                } catch {
                    unread[path] = "\(error)"
                    recorder?.marker("could not read \(resolved) from the target: \(error)")
                    continue
                }
                guard let content else {
                    unread[path] = "not a readable file at \(resolved)"
                    continue
                }
                files[path] = String(decoding: content, as: UTF8.self)
                added = true
                recorder?.marker("read \(resolved) from the target (\(content.count) bytes)")
            }
            guard added else { break }
            analysis = await context.analyse(command, targetFiles: files, target: targetContext)
        }
        lastScripts = files
        return (analysis, unread)
    }

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") || directory == "~" { return path }
        return directory + "/" + path
    }

    func interactive(_ command: String) -> Bool {
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let program = words.first(where: { !$0.contains("=") }) else { return false }
        return context.authority.allowsInteractive(program: program)
    }

}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
