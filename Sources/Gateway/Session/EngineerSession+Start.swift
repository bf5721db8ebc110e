import AuditLog
import EscortCore
import Foundation
import Recording
import ShellAnalysis

/// Starting a session: the target menu, the access decision, the target's shell.
extension EngineerSession {
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
            StoreReachability.shared.failed(error, during: "reading the target registry")
            await fail("The gateway cannot reach its store, so the target registry cannot be read; access refused. Try again later, or tell the gateway's operators.", status: 1)
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
            StoreReachability.shared.failed(error, during: "reading the target registry")
            await fail("The gateway cannot reach its store, so the target registry cannot be read; access refused. Try again later, or tell the gateway's operators.", status: 1)
            return
        }
        guard let target = found else {
            await audit(.accessDecided, ["target": .string(name), "decision": "refused", "reasons": ["no such target"]])
            SecurityTelemetry.accessRefused(.noSuchTarget, person: user.name, target: name, detail: "no such target", source: source)
            await fail("There is no target called \(name).", status: 1)
            return
        }
        await connect(target)
    }

    func connect(_ target: GatewayTarget) async {
        self.target = target
        let outcome: AccessOutcome
        var refusal = AccessRefusal.policy
        var failure: String?
        do {
            outcome = try await context.authority.access(user: user, target: target, source: source)
        } catch {
            outcome = AccessOutcome(mode: nil, reasons: ["The policy could not be evaluated (the gateway's store or registry did not answer); refused (fail closed)."])
            refusal = .policyUnavailable
            failure = "\(error)"
        }
        if outcome.mode == nil {
            SecurityTelemetry.accessRefused(refusal, person: user.name, target: target.name, detail: failure ?? outcome.reasons.joined(separator: " "), source: source)
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
                StoreReachability.shared.failed(error, during: "registering a session")
                await fail("The gateway cannot reach its store, so the session could not be registered; nothing was run.", status: 1)
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
            TargetFailure.report(error, target: target.name, session: id)
            await fail(TargetFailure.engineerMessage(error, target: target.name), status: 1)
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
            SecurityTelemetry.record(.auditFailure, "a session's recording could not be opened; the session stops", ["session": "\(id)", "error": "\(error)"])
            await fail("The session could not be recorded, so nothing was run. Tell the gateway's operators.", status: 1)
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
        watchRegistry()
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
}
