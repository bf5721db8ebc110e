import Agent
import AuditLog
import EscortCore
import ShellAnalysis

/// Exec-time mediation: every program start in a session under escort-agent comes here before
/// it runs. One that is part of the command being run (``ExpectedPrograms``) runs; anything else
/// is analysed on its own and run, held for the escort, or refused, as a typed command would be.
extension EngineerSession: MediatedShellDelegate {
    public func execRequested(_ report: ExecReport) async -> (allow: Bool, reason: String) {
        guard state != .ended, let target else { return (false, "the session has ended") }
        var fields: [String: JSONValue] = [
            "pid": .integer(Int64(report.pid)), "path": .string(report.path), "resolved": .string(report.resolved),
            "sha256": .string(report.sha256), "argv": .array(report.argv.map { .string($0) }), "cwd": .string(report.cwd),
            "parents": .array(report.parents.prefix(4).map { .string(([$0.executable] + $0.argv.prefix(6)).joined(separator: " ")) }),
        ]
        if !report.environment.isEmpty {
            fields["env"] = .object(report.environment.filter { $0.key != "PWD" }.mapValues { .string(String($0.prefix(512))) })
        }
        if case .running = state { fields["n"] = .integer(Int64(commandCount)) } else { fields["n"] = .null }

        // What a shell will read and run without an exec of its own (an rc file, a script).
        var shellCode: [String: String] = [:]
        var unreadable: [String] = []
        for file in ExpectedPrograms.shellFiles(report) {
            let full = file.hasPrefix("/") ? file : report.cwd + "/" + file
            if let bytes = try? await mediated?.readFile(full, limit: context.scriptFetchLimit) {
                shellCode[file] = String(decoding: bytes, as: UTF8.self)
            } else {
                unreadable.append(full)
            }
        }
        if case .running = state, unreadable.isEmpty, let why = expected.covers(report, read: shellCode) {
            fields["basis"] = .string(why)
            guard await audit(.execAllowed, fields) else { return (false, "the audit log is unavailable") }
            return (true, why)
        }

        var analysis = await analyseExec(report)
        for (file, text) in shellCode.sorted(by: { $0.key < $1.key }) {
            var code = await context.analyse(text, target: targetContext)
            if code.risk > analysis.risk {
                code.explanation.insert("\(report.argv.first ?? "The shell") runs the code in \(file):", at: 0)
                analysis = code
            }
        }
        var (ruling, reasons) = context.authority.ruling(for: analysis, mode: mode, target: target)
        // A system program of no more than ordinary risk, started by a program that was allowed
        // (a pager, a compiler's passes, man's formatters), is part of that program's normal work.
        // Shells and interpreters are judged by the code they are handed, as typed commands are.
        if ruling == .hold, analysis.risk <= .medium, analysis.status == .complete, ExpectedPrograms.isSystemProgram(report),
           !ExpectedPrograms.runsCode(report), !report.parents.isEmpty {
            ruling = .run
        }
        if !unreadable.isEmpty {
            ruling = ruling == .run ? .hold : ruling
            reasons.append("The shell would run \(unreadable.joined(separator: ", ")), which Escort could not read.")
        }
        if analysis.opensPrompt {
            ruling = .refuse
            reasons.append("It starts an interactive shell or interpreter prompt inside the session, whose input Escort cannot read line by line.")
        }
        let loaders = ExpectedPrograms.loaderVariables(report)
        if !loaders.isEmpty {
            analysis.risk = max(analysis.risk, .high)
            reasons.append("It is started with \(loaders.joined(separator: ", ")) set, which makes programs load or run other code.")
            if ruling == .run { ruling = .hold }
        }
        if report.sha256.isEmpty, ruling == .run {
            ruling = .hold
            reasons.append("Escort could not read the program file \(report.resolved.isEmpty ? report.path : report.resolved).")
        }
        fields["risk"] = .string(analysis.risk.rawValue)
        fields["summary"] = .string(analysis.summary)
        fields["techniques"] = .array(analysis.techniques.map { .string($0) })
        fields["ruling"] = .string(ruling.rawValue)
        fields["reasons"] = .array(reasons.map { .string($0) })
        switch ruling {
        case .run:
            fields["basis"] = "analysed on its own"
            guard await audit(.execAllowed, fields) else { return (false, "the audit log is unavailable") }
            return (true, "analysed on its own")
        case .refuse:
            fields["by"] = "policy"
            await audit(.execRefused, fields)
            await say("Escort: a program start was refused: \(report.commandLine.prefix(200)) — \(analysis.summary)", inline: false)
            return (false, reasons.first ?? "refused by policy")
        case .hold, .holdWithReview:
            // One decision at a time per session: a program start while another waits is refused.
            if state == .deciding || execHolds > 0 {
                fields["by"] = "gateway"
                fields["reason"] = "another decision is pending in this session"
                await audit(.execRefused, fields)
                return (false, "another decision is pending")
            }
            // Counted at once, before any suspension: a second program start arriving while this one
            // is being recorded must see it (the hub holds one decision per session).
            execHolds += 1
            execWithdrawn = false
            defer {
                execHolds -= 1
                execWithdrawn = false
            }
            guard await audit(.execHeld, fields) else { return (false, "the audit log is unavailable") }
            let parent = report.parents.first.map { ([$0.executable] + $0.argv.dropFirst().prefix(4)).joined(separator: " ") } ?? "?"
            let context = "A program started inside the session (by \(parent)\(commandCount > 0 ? ", while command #\(commandCount) runs" : "")): it is not part of what was approved."
            await say("Escort: a program start is held for an escort: \(report.commandLine.prefix(200))\r\n  \(analysis.summary)", inline: false)
            // Ctrl-C may have come while the hold was being recorded and shown, before the hub had it.
            let decision: HoldDecision = execWithdrawn ? .withdrawn
                : await self.context.hub.hold(session: id, command: report.commandLine, analysis: analysis, ruling: ruling, reasons: [context] + reasons)
            switch decision {
            case .approved(let by):
                guard await audit(.execAllowed, ["pid": .integer(Int64(report.pid)), "approved_by": .array(by.map { .string($0) }), "basis": "approved"], actor: by.first) else {
                    return (false, "the audit log is unavailable")
                }
                return (true, "approved by \(by.joined(separator: " and "))")
            case .refused(let by, let reason):
                await audit(.execRefused, ["pid": .integer(Int64(report.pid)), "by": .string(by), "reason": .string(reason)], actor: by)
                return (false, reason)
            case .withdrawn:
                await audit(.execRefused, ["pid": .integer(Int64(report.pid)), "by": .string(user.name), "reason": "withdrawn by the engineer"])
                return (false, "withdrawn")
            case .sessionEnded:
                return (false, "the session has ended")
            }
        }
    }

    /// The exec as a command the analyser reads: a shell script's own text (it is what runs), or
    /// the argument vector with any script it names given as the target's file.
    func analyseExec(_ r: ExecReport) async -> Analysis {
        if r.isScript, let text = r.text, let interp = r.interpreter {
            let words = interp.split(separator: " ").map(String.init)
            let program = ExpectedPrograms.base(words.first ?? "")
            let effective = program == "env" ? ExpectedPrograms.base(words.dropFirst().first { !$0.hasPrefix("-") } ?? "") : program
            if ExpectedPrograms.shells.contains(effective) {
                let args = r.argv.dropFirst().map(ExecReport.quoted).joined(separator: " ")
                let body = r.textComplete ? text : text + "\n# (the script is longer than Escort read)\n"
                var a = await context.analyse(body, target: targetContext)
                if !r.textComplete { a.risk = max(a.risk, .high) }
                if !args.isEmpty { a.explanation.append("Run with arguments: \(args.prefix(300))") }
                return a
            }
            return await context.analyse((words + [r.path] + r.argv.dropFirst()).map(ExecReport.quoted).joined(separator: " "),
                                            targetFiles: [r.path: text], target: targetContext)
        }
        var line = r.commandLine
        if let first = r.argv.first, ExpectedPrograms.base(first) != ExpectedPrograms.base(r.path) || first.contains("/") != r.path.contains("/") {
            // argv[0] is the program's to choose: the analyser reads the file that runs.
            line = ([r.resolved.isEmpty ? r.path : r.resolved] + r.argv.dropFirst()).map(ExecReport.quoted).joined(separator: " ")
        }
        var a = await context.analyse(line, target: targetContext)
        if !ExpectedPrograms.isSystemProgram(r), !r.isScript {
            a.risk = max(a.risk, .medium)
            a.explanation.append("\(r.resolved.isEmpty ? r.path : r.resolved) is not a system program: someone could have placed it there.")
        }
        return a
    }

    public func execMismatch(id: String, pid: Int32, reason: String) async {
        await audit(.execMismatch, ["exec_id": .string(id), "pid": .integer(Int64(pid)), "reason": .string(reason)])
        await say("Escort: a program was stopped: \(reason).", inline: false)
    }

    public func agentFailed(_ message: String) async {
        guard state != .ended else { return }
        await say("Escort: the target's agent stopped (\(message)); nothing more can run in this session.", inline: false)
        await end(reason: "agent lost: \(message)", status: 1)
    }

    public func shellReady(cwd: String) async {
        directory = cwd
        await shellReady()
    }

    public func shellFinished(number: Int, status: Int32, cwd: String) async {
        directory = cwd
        guard case .running = state, number == commandCount else { return }
        expected = ExpectedPrograms()
        await commandFinished(status: status)
        await afterCommand(status: status)
    }
}
