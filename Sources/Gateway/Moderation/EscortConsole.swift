import AuditLog
import EscortCore
import Foundation
import ShellAnalysis

/// The escort's console over SSH (`ssh -p 2222 bob@gateway`): lists the sessions he may escort,
/// attaches to one, watches it live, and approves or refuses held commands, pauses or ends.
///
/// Every action is checked by ``ModerationHub`` (who may decide what) and written to the audit log.
public actor EscortConsole: TerminalSession {
    let context: GatewayContext
    let user: GatewayUser
    let request: EngineerSession.Request
    let terminal: any EngineerTerminal
    var editor = LineEditor { _ in .complete }
    var typeahead: [UInt8] = []
    var attached: (token: UUID, session: String, role: WatcherRole)?
    var watchTask: Task<Void, Never>?
    var listed: [String] = []
    var closed = false
    /// The digest of each card this console drew, by hold number: a decision is checked against
    /// the card the escort read, not the one waiting now.
    var shown: [Int: String] = [:]
    /// A high or critical hold whose `approve N` is waiting for `confirm N`.
    var confirming: Int?
    var decisions = DecisionGuard()
    /// The hold whose card is on the escort's screen and still waits.
    var waiting: HeldCommand?
    /// The redraw of that card after the session's output, when one is due.
    var redrawTask: Task<Void, Never>?

    /// Undoes whatever the session's output left set in the escort's terminal (colours, hidden
    /// text, another character set, a scrolling region, the cursor hidden, the alternate screen)
    /// and clears it, so the card drawn next is the only thing on the screen.
    static let resetScreen = "\u{1B}[0m\u{1B}(B\u{1B})B\u{0F}\u{1B}[r\u{1B}[?6l\u{1B}[4l\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l\u{1B}[H\u{1B}[2J"
    /// How long after the session's output its card is drawn again (output arriving meanwhile
    /// is shown first; the card always comes after the last of it).
    static let redrawDelay: Duration = .milliseconds(120)

    public static let help = """
        Commands:
          list                 sessions you may escort, and what waits
          watch N              attach to session N as escort (review N: as technical reviewer)
          approve N            approve held command #N (high and critical: then confirm N)
          refuse REASON        refuse the held command, saying why
          pause | resume       stop or allow commands in the attached session
          end REASON           end the attached session
          leave                detach from the session
          quit                 leave the console
        """

    init(context: GatewayContext, user: GatewayUser, request: EngineerSession.Request, terminal: any EngineerTerminal) {
        self.context = context
        self.user = user
        self.request = request
        self.terminal = terminal
    }

    public func start() async {
        if case .exec(let line) = request {
            await run(line)
            await close(status: 0)
            return
        }
        await say("Escort console — \(user.displayName) (\(user.name)), \(user.roles.sorted().map(\.rawValue).joined(separator: ", ")).")
        await say(Self.help)
        await run("list")
        await prompt()
    }

    public func input(_ bytes: [UInt8]) async {
        guard !closed, case .shell = request else { return }
        typeahead += bytes
        while !typeahead.isEmpty, !closed {
            for event in editor.feed(typeahead.removeFirst()) {
                switch event {
                case .echo(let b): await terminal.send(b)
                case .submit(let line):
                    await run(line)
                    if !closed { await prompt() }
                case .cancelled: await prompt()
                case .endOfInput: await close(status: 0)
                case .invalid: break
                }
            }
        }
    }

    public func resize(columns: Int, rows: Int) async {}

    public func inputClosed() async {
        if case .shell = request { await close(status: 0) }
    }

    // MARK: Commands

    func run(_ line: String) async {
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard let verb = words.first?.lowercased() else { return }
        let rest = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
        switch verb {
        case "list", "ls": await list()
        case "watch", "attach": await attach(rest, as: user.roles.contains(.escort) ? .escort : .reviewer)
        case "review": await attach(rest, as: .reviewer)
        case "approve", "a": await approve(rest, confirmed: false)
        case "confirm": await approve(rest, confirmed: true)
        case "refuse", "r": await decide(approve: false, rest)
        case "pause": await pause(true)
        case "resume": await pause(false)
        case "end": await endSession(rest)
        case "leave", "detach": await detach()
        case "quit", "exit": await close(status: 0)
        case "help", "?": await say(Self.help)
        default: await say("Unknown command \(verb). Type help.")
        }
    }

    func list() async {
        let sessions = await context.hub.list()
        var lines: [String] = []
        listed = []
        for s in sessions {
            guard let target = try? await context.authority.target(named: s.target) else { continue }
            let asEscort = (try? await context.authority.mayEscort(user: user, target: target))?.allowed ?? false
            let asReviewer = (try? await context.authority.mayReview(user: user, target: target))?.allowed ?? false
            guard asEscort || asReviewer, s.engineer.name != user.name else { continue }
            listed.append(s.id)
            var line = "  \(listed.count)) \(s.engineer.name) on \(s.target) (\(s.impactLevel)), \(s.mode.rawValue)"
            if s.waitingForEscort { line += ", WAITING FOR AN ESCORT" }
            if s.paused { line += ", paused" }
            if !s.escorts.isEmpty { line += ", escorts: \(s.escorts.joined(separator: ", "))" }
            if let held = s.held { line += "\r\n       held #\(held.id): \(Self.excerpt(DisguisedText.visible(held.command))) — \(held.analysis.risk.rawValue.uppercased()) risk" }
            line += "\r\n       \(s.engineer.displayName): \(s.engineer.profile)"
            lines.append(line)
        }
        await say(lines.isEmpty ? "No live sessions you may escort." : "Live sessions:\r\n" + lines.joined(separator: "\r\n"))
    }

    func attach(_ which: String, as role: WatcherRole) async {
        let id: String
        if let n = Int(which), n >= 1, n <= listed.count {
            id = listed[n - 1]
        } else if !which.isEmpty {
            id = which
        } else {
            await say("Which session? watch N (see list).")
            return
        }
        guard let summary = await context.hub.summary(id) else { await say("There is no live session \(id)."); return }
        let target: GatewayTarget?
        do { target = try await context.authority.target(named: summary.target) } catch { target = nil }
        guard let target else { await say("The target registry could not be read; not attached."); return }
        let verdict: Verdict
        do {
            verdict = role == .escort
                ? try await context.authority.mayEscort(user: user, target: target)
                : try await context.authority.mayReview(user: user, target: target)
        } catch {
            verdict = Verdict(allowed: false, reasons: ["The policy could not be evaluated (\(error))."])
        }
        guard verdict.allowed else {
            await say("You may not \(role == .escort ? "escort" : "review") sessions on \(target.name):\r\n" + verdict.reasons.map { "  - \($0)" }.joined(separator: "\r\n"))
            return
        }
        await detach()
        do {
            let (token, stream) = try await context.hub.attach(user, as: role, to: id)
            // Presence the audit log does not hold must not count (an escorted session would run
            // commands under an escort nobody can later name): leave at once.
            guard await recorded(.escortAttached, session: id, ["role": .string(role.rawValue), "target": .string(target.name)]) else {
                await context.hub.detach(token, from: id)
                await say("The audit log could not record your presence, so you are not attached.")
                return
            }
            attached = (token, id, role)
            await say("Attached to \(summary.engineer.name) on \(target.name) as \(role.rawValue). \(summary.engineer.displayName): \(summary.engineer.profile).")
            watchTask = Task { [weak self] in
                for await event in stream {
                    await self?.show(event)
                }
            }
        } catch {
            await say("\(error)")
        }
    }

    func show(_ event: WatchEvent) async {
        switch event {
        case .output(let bytes):
            await terminal.send(bytes)
            // Program output can draw anything, a fake card included: while a card waits, it is
            // drawn again (on a reset, cleared screen) after the output.
            if waiting != nil, redrawTask == nil {
                redrawTask = Task { [weak self] in
                    try? await Task.sleep(for: Self.redrawDelay)
                    await self?.redraw()
                }
            }
        case .held(let held):
            shown[held.id] = held.cardDigest
            waiting = held
            await say("\r\n" + card(held))
        case .resolved(let id, let outcome):
            if waiting?.id == id { waiting = nil }
            await say("\r\n#\(id) \(outcome).")
        case .notice(let text):
            await say("\r\n\(DisguisedText.visible(text))")
        case .ended(let reason):
            waiting = nil
            await say("\r\nThe session ended (\(reason)).")
            attached = nil
        }
    }

    /// Draws the waiting card again after the session's output.
    func redraw() async {
        redrawTask = nil
        guard let held = waiting, !closed else { return }
        await terminal.send(Array(Self.resetScreen.utf8))
        await say("(The session printed output while #\(held.id) waits; its card again:)\r\n" + card(held))
        await prompt()
    }

    /// The held command as an escort needs it: the command with the risky part marked, what it
    /// means in plain words, the risk, the ATT&CK techniques with their names, what to type.
    func card(_ held: HeldCommand) -> String {
        let a = held.analysis
        var lines = ["==== HELD #\(held.id): \(held.engineer) on \(held.target) — \(a.risk.rawValue.uppercased()) RISK ===="]
        // The command as it really is: control characters, bidi overrides, zero-width and
        // look-alike letters shown and named, so the text cannot redraw or disguise the card.
        let disguise = DisguisedText(held.command)
        lines.append("  Command: \(disguise.visible.replacingOccurrences(of: "\n", with: "\n           "))")
        for warning in disguise.warnings { lines.append("  !! \(warning)") }
        if !held.command.contains("\n"), !disguise.isDisguised {
            // One mark per character, under any character with a risky byte.
            let risky = held.riskyBytes
            var offset = 0
            let line = String(held.command.map { c -> Character in
                let n = c.utf8.count
                defer { offset += n }
                return risky[offset..<offset + n].contains(true) ? "^" : " "
            })
            if line.contains("^") { lines.append("           \(line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))") }
        }
        lines.append("  What it means: \(DisguisedText.visible(a.summary))")
        for e in a.explanation.prefix(6) { lines.append("    - \(DisguisedText.visible(e))") }
        for f in a.findings where f.risk >= .medium {
            lines.append("    ! [\(f.risk.rawValue)] \(DisguisedText.visible(f.reason))")
        }
        if !a.techniques.isEmpty {
            let named = a.techniques.map { t in context.analyser.catalogue.techniqueName(t).map { "\(t) \($0)" } ?? t }
            lines.append("  ATT&CK: \(named.joined(separator: "; "))")
        }
        for r in held.reasons { lines.append("  Policy: \(DisguisedText.visible(r))") }
        lines.append(held.needsReviewer ? "  Needs: an escort AND a technical reviewer." : "  Needs: an escort.")
        lines.append(held.needsConfirmation
            ? "  Type: approve \(held.id)   then   confirm \(held.id)   or   refuse REASON"
            : "  Type: approve \(held.id)   or   refuse REASON")
        return lines.joined(separator: "\r\n")
    }

    /// `approve N`, and for a high or critical hold the `confirm N` that must follow it.
    func approve(_ which: String, confirmed: Bool) async {
        guard let attached else { await say("Attach to a session first (watch N)."); return }
        guard let n = Int(which.trimmingCharacters(in: CharacterSet(charactersIn: "# "))) else {
            await say(confirmed ? "Confirm which command? confirm N (its number on the card)." : "Approve which command? approve N (its number on the card).")
            return
        }
        let held = await context.hub.summary(attached.session)?.held
        if confirmed, confirming != n {
            await say("Nothing to confirm: type approve \(n) first.")
            return
        }
        do {
            try decisions.check(held: held, holdID: n, digest: shown[n], approve: true, confirmation: confirmed ? String(n) : nil, now: Date())
        } catch let e as ModerationError {
            if !confirmed, let held, held.id == n, held.needsConfirmation, shown[n] == held.cardDigest {
                confirming = n
                await say("#\(n) is \(held.analysis.risk.rawValue.uppercased()) risk. Read it again; to approve it type: confirm \(n)")
            } else {
                confirming = nil
                await say(e.description)
            }
            return
        } catch {
            await say("\(error)")
            return
        }
        confirming = nil
        await decide(n, approve: true, reason: nil)
    }

    func decide(approve: Bool, _ reason: String) async {
        guard attached != nil else { await say("Attach to a session first (watch N)."); return }
        // A refusal runs nothing; it still names the card last drawn, so it cannot refuse (and
        // report as read) a command this console never showed.
        guard let n = shown.keys.max() else { await say("No command is waiting for a decision."); return }
        await decide(n, approve: approve, reason: reason)
    }

    func decide(_ hold: Int, approve: Bool, reason: String?) async {
        guard let attached else { return }
        do {
            let result = try await context.hub.decide(attached.token, session: attached.session, holdID: hold, approve: approve, reason: reason)
            decisions.decided(hold, at: Date())
            await say(result)
        } catch {
            await say("\(error)")
        }
    }

    func pause(_ paused: Bool) async {
        guard let attached else { await say("Attach to a session first (watch N)."); return }
        do {
            // Fail closed: a pause takes effect before its record (it only stops commands); a
            // resume only once its record is durable.
            if paused { try await context.hub.setPaused(true, token: attached.token, session: attached.session) }
            guard await recorded(paused ? .sessionPaused : .sessionResumed, session: attached.session, [:]) else {
                await say("The audit log could not record this; the session stays paused.")
                return
            }
            if !paused { try await context.hub.setPaused(false, token: attached.token, session: attached.session) }
        } catch {
            await say("\(error)")
        }
    }

    func endSession(_ reason: String) async {
        guard let attached else { await say("Attach to a session first (watch N)."); return }
        do {
            try await context.hub.end(token: attached.token, session: attached.session, reason: reason.isEmpty ? "ended by the escort" : reason)
        } catch {
            await say("\(error)")
        }
    }

    func detach() async {
        guard let current = attached else { return }
        attached = nil
        waiting = nil
        watchTask?.cancel()
        watchTask = nil
        await context.hub.detach(current.token, from: current.session)
        _ = await recorded(.escortDetached, session: current.session, ["role": .string(current.role.rawValue)])
    }

    func close(status: Int32) async {
        guard !closed else { return }
        await detach()
        closed = true
        await terminal.finish(exitStatus: status)
    }

    // MARK: Helpers

    /// Appends an event and says whether it is durable. Only leaving a session may go on
    /// without its record (it grants nothing); everything that grants something checks.
    func recorded(_ code: AuditEventCode, session: String, _ fields: [String: JSONValue]) async -> Bool {
        (try? await context.audit.append(AuditEvent(code: code, session: session, actor: user.name, fields: fields))) != nil
    }

    func say(_ text: String) async {
        let body = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        await terminal.send(Array((body + "\r\n").utf8))
    }

    func prompt() async {
        let where_ = attached.map { "[\($0.role.rawValue) @ \($0.session)]" } ?? ""
        await terminal.send(Array("escort\(where_)> ".utf8))
    }

    static func excerpt(_ s: String) -> String {
        let one = s.replacingOccurrences(of: "\n", with: " ⏎ ")
        return one.count > 70 ? String(one.prefix(67)) + "…" : one
    }
}
