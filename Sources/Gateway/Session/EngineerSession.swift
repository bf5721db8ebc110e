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

    // MARK: - Start

    /// Starts the session: picks the target (menu if none was named), decides access, opens the
    /// target's shell.
    public func start() async {
        if let name = requestedTarget {
            await connect(named: name)
            return
        }
        guard !isExec else {
            await fail("Name a target: ssh \(user.name)+TARGET@gateway -- COMMAND", status: 2)
            return
        }
        do {
            menu = try await context.authority.targets()
        } catch {
            await fail("The target registry could not be read (\(error)); access refused.", status: 1)
            return
        }
        var text = "\r\nEscort — \(user.displayName) (\(user.name)). Targets:\r\n"
        for (i, t) in menu.enumerated() {
            text += "  \(i + 1)) \(t.name) (\(t.impactLevel.rawValue))\r\n"
        }
        text += "Choose a target (number or name), or Ctrl-D to leave: "
        state = .choosingTarget
        editor = LineEditor { _ in .complete }
        await say(text, inline: true)
        await drain()
    }

    func connect(named name: String) async {
        let found: GatewayTarget?
        do {
            found = try await context.authority.target(named: name)
        } catch {
            await fail("The target registry could not be read (\(error)); access refused.", status: 1)
            return
        }
        guard let target = found else {
            await audit(.accessDecided, ["target": .string(name), "decision": "refused", "reasons": ["no such target"]])
            await fail("There is no target called \(name).", status: 1)
            return
        }
        await connect(target)
    }

    func connect(_ target: GatewayTarget) async {
        self.target = target
        let outcome: AccessOutcome
        do {
            outcome = try await context.authority.access(user: user, target: target, source: source)
        } catch {
            outcome = AccessOutcome(mode: nil, reasons: ["The policy could not be evaluated (\(error)); refused (fail closed)."])
        }
        var fields: [String: JSONValue] = [
            "target": .string(target.name), "impact_level": .string(target.impactLevel.rawValue),
            "decision": .string(outcome.mode?.rawValue ?? "refused"),
            "reasons": .array(outcome.reasons.map { .string($0) }),
            "source": source.map { .string($0) } ?? .null,
        ]
        for (k, v) in outcome.facts { fields[k] = v }
        guard await audit(.accessDecided, fields) else { return }
        guard let mode = outcome.mode else {
            var text = "Escort: access to \(target.name) (\(target.impactLevel.rawValue)) refused.\r\n"
            for r in outcome.reasons { text += "  - \(r)\r\n" }
            await fail(text, status: 1, alreadyFormatted: true)
            return
        }
        self.mode = mode
        if let presence = context.presence {
            do {
                try await presence.opened(id)
            } catch {
                await fail("The session could not be registered with the gateway's store (\(error)); nothing was run.", status: 1)
                return
            }
            registered = true
        }
        // Under escort-agent wherever the target runs one; agentless only where the policy allows
        // it for the target's impact level (by default, below IL5). Opening the shell sends the
        // target nothing the engineer typed; the session's start is recorded before anything is.
        let shell: any TargetShell
        let mediation: Bool
        do {
            (shell, mediation) = try await openTargetShell(target)
        } catch {
            await audit(.sessionEnded, ["reason": .string("target unavailable: \(error)")], failClosed: false)
            await unregisterFromStore()
            await fail("Target \(target.name) is unavailable: \(error)", status: 1)
            return
        }
        guard await audit(.sessionStarted, [
            "execution": .string(mediation ? "mediated" : "agentless"),
            "node": context.presence.map { .string($0.node) } ?? .null,
            "target": .string(target.name), "impact_level": .string(target.impactLevel.rawValue),
            "mode": .string(mode.rawValue), "engineer": .string(user.name), "profile": .string(user.profile),
            "source": source.map { .string($0) } ?? .null,
        ]) else {
            await shell.close()
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: context.recordingsDirectory, withIntermediateDirectories: true)
            recorder = RecordingQueue(try AsciicastWriter(
                path: context.recordingsDirectory + "/\(id).cast",
                header: AsciicastHeader(width: columns, height: rows, title: "\(user.name) on \(target.name) (\(target.impactLevel.rawValue))")),
                commandOutputLimit: context.recordedOutputPerCommand)
        } catch {
            await shell.close()
            await fail("The session could not be recorded (\(error)); nothing was run.", status: 1)
            return
        }
        self.shell = shell
        if let m = shell as? any MediatedShell {
            mediated = m
            m.attach(self)
        }
        state = .starting
        await context.hub.register(
            SessionSummary(id: id, engineer: user, target: target.name, impactLevel: target.impactLevel.rawValue,
                           mode: mode, started: Date(), escorts: [], paused: false, held: nil, columns: columns, rows: rows),
            control: self)
        Task { [self] in
            await shell.pumpOutput { [self] bytes in await self.targetOutput(bytes) }
            await self.targetEnded()
        }
        guard mediated == nil else { return } // the agent says when its shell is ready
        do {
            try await shell.write(Array(integration.setupCommand.utf8))
        } catch {
            await end(reason: "the target's shell did not start: \(error)", status: 1)
        }
    }

    /// Opens the target's shell: under escort-agent where the target offers one, else (or where
    /// the agent is not installed) agentless if the policy allows that for the target's level.
    func openTargetShell(_ target: GatewayTarget) async throws -> (any TargetShell, mediated: Bool) {
        let required = context.authority.requiresAgent(target)
        if target.connector.offersAgent {
            do {
                return (try await target.connector.openShell(columns: columns, rows: rows, term: term, mediated: true), true)
            } catch let error as GatewayError where error.code == .agentUnavailable && !required {
                // Agentless, as the policy allows for this level; the start record says so.
            }
        } else if required {
            throw GatewayError(.agentUnavailable, "\(target.impactLevel.rawValue) targets require escort-agent (exec-time mediation), and \(target.name) runs none")
        }
        return (try await target.connector.openShell(columns: columns, rows: rows, term: term), false)
    }

    /// The first marker arrived: the target's shell is ready.
    func shellReady() async {
        guard let target else { return }
        switch request {
        case .shell:
            var text = "Escort: \(target.name) (\(target.impactLevel.rawValue)), \(mode == .escorted ? "escorted session" : "direct session"). Every command is analysed, recorded and audited before it runs.\r\n"
            if mode == .escorted {
                text += "Commands run only while an escort is present.\r\n"
            }
            await say(text, inline: true)
            state = .idle
            await prompt()
            await drain()
        case .exec(let command):
            state = .idle
            await submit(command)
        }
    }

    // MARK: - Input

    /// Bytes typed by the engineer.
    public func input(_ bytes: [UInt8]) async {
        switch state {
        case .running(let interactive):
            // Ctrl-C also withdraws a program start that waits for an escort.
            if execHolds > 0, bytes.contains(0x03) { await context.hub.withdraw(session: id) }
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
            if bytes.contains(0x03) {
                await context.hub.withdraw(session: id)
                return
            }
            typeahead += bytes
        case .ended:
            return
        case .starting, .idle, .choosingTarget:
            typeahead += bytes
            await drain()
        }
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
                        Task { await self.submit(text) }
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

    // MARK: - One command

    func refuseInvalid(_ text: String, reason: String) async {
        commandCount += 1
        guard await audit(.commandRefused, [
            "n": .integer(Int64(commandCount)), "command": .string(text), "by": "analyser",
            "reason": .string("not valid shell syntax: \(reason)"),
        ]) else { return }
        GatewayTelemetry.command(.refused, risk: "unknown", session: id, number: commandCount)
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

        // An escorted session runs nothing without an escort; a paused one runs nothing at all.
        if let summary = await context.hub.summary(id), summary.paused || summary.waitingForEscort {
            await say(summary.paused ? "Escort: the session is paused; your command waits." : "Escort: waiting for an escort to join before anything runs.", inline: false)
            guard await context.hub.awaitRunnable(id) else { return }
        }

        guard let target else { return }
        if let problem = Self.unsendable(command, agentless: mediated == nil) {
            guard await audit(.commandRefused, ["n": .integer(Int64(n)), "command": .string(command), "by": "gateway", "reason": .string(problem)]) else { return }
            GatewayTelemetry.command(.refused, risk: "unknown", session: id, number: n)
            await say("Escort: refused: \(problem); nothing was sent.", inline: false)
            await afterCommand(status: 126)
            return
        }
        var analysis = context.analyser.analyse(command)
        let unread: [String: String]
        (analysis, unread) = await readScripts(command, analysis)
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
            await say("Escort: refused. \(analysis.summary)" + reasons.map { "\r\n  - \($0)" }.joined(), inline: false)
            await afterCommand(status: 126)
            return
        case .hold, .holdWithReview:
            guard await audit(.commandHeld, fields) else { return }
            GatewayTelemetry.command(.held, risk: analysis.risk.rawValue, session: id, number: n)
            let who = ruling == .holdWithReview ? "an escort and a technical reviewer" : "an escort"
            await say("Escort: held for \(who). \(analysis.summary)" + reasons.map { "\r\n  - \($0)" }.joined() + "\r\n  Waiting for a decision (Ctrl-C withdraws the command)…", inline: false)
            let decision = await context.hub.hold(session: id, command: command, analysis: analysis, ruling: ruling, reasons: reasons)
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
                await say("Escort: withdrawn; nothing was sent.", inline: false)
                await afterCommand(status: 130)
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
            await say("Escort: \(reason).", inline: false)
            await end(reason: "recording failed", status: 1)
            return
        }
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

    /// Why `command` cannot be sent as it is: control characters (which a terminal applies and
    /// an escort cannot see), or, on an agentless target whose terminal cuts lines at 4095
    /// bytes, a line that long. nil if it can.
    static func unsendable(_ command: String, agentless: Bool) -> String? {
        if let c = command.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }) {
            return "the command contains the control character U+\(String(c.value, radix: 16, uppercase: true).leftPadded(to: 4)), which a terminal would act on and an escort cannot see"
        }
        if agentless, command.split(separator: "\n", omittingEmptySubsequences: false).contains(where: { $0.utf8.count > 4000 }) {
            return "a line is longer than 4000 bytes, which this target's terminal would cut (put it in a script)"
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
            analysis = context.analyser.analyse(command, targetFiles: files)
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
        await end(reason: "ended by \(by)", status: 137)
    }

    public func notify(_ message: String) async {
        guard state != .ended else { return }
        await say("Escort: \(message)", inline: false)
        if state == .idle { await prompt() }
    }

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
            guard failClosed else { return false }
            let message = "Escort: the audit log could not record this (\(error)); nothing more runs in this session.\r\n"
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

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
