import EscortCore
import Foundation
import ShellAnalysis
import Testing
import Training

@Suite("Training scenarios")
struct ScenarioTests {
    @Test func theShippedScenariosAreFiveOrMoreWithTwentyDecisionsEach() throws {
        let lib = try ScenarioLibrary.bundled()
        #expect(lib.scenarios.count >= 5)
        for s in lib.scenarios {
            #expect(s.decisions.count >= 20, "\(s.id)")
            #expect(s.maliciousCount >= 5 && s.routineCount >= 10, "\(s.id)")
        }
        #expect(lib.sets.map(\.name) == ["escort-annual"])
        #expect(try lib.set(named: "escort-annual").validityDays == 365)
        #expect(throws: TrainingError.self) { try lib.set(named: "nope") }
    }

    /// The analyser must give the trainee something to go on in the second round: every planted
    /// malicious command is rated medium risk or above.
    @Test func theAnalyserFlagsEveryPlantedMaliciousCommand() throws {
        let analyser = try Analyser.bundled().get()
        for s in try ScenarioLibrary.bundled().scenarios {
            for d in s.decisions where d.isMalicious {
                let e = AnalyserExplanation(decision: d, analyser: analyser)
                #expect(RiskLevel(rawValue: e.risk).map { $0 >= .medium } == true, "\(s.id)/\(d.id) `\(d.command)` is rated \(e.risk)")
            }
        }
    }

    @Test func aScriptOnTheTargetIsReadByTheAnalyser() throws {
        let analyser = try Analyser.bundled().get()
        let s = try ScenarioLibrary.bundled().scenario(id: "scripts-and-heredocs")
        let fix = try #require(s.decisions.first { $0.command == "sh fix_servers.sh" })
        let e = AnalyserExplanation(decision: fix, analyser: analyser)
        #expect(e.risk == "critical", "\(e)")
    }

    static func file(_ decisions: String, extra: String = "") -> [UInt8] {
        Array("""
            {"format":"escort-training-scenario","version":1,"id":"t1","title":"T","set":"s","summary":"S",
             "target":"db","impact_level":"IL5","validity_days":30\(extra),"decisions":[\(decisions)]}
            """.utf8)
    }

    static let good = #"{"id":"a","context":"c","command":"df -h","expected":"approve","why":"w"},{"id":"b","context":"c","command":"cat /etc/shadow","expected":"refuse","why":"w"}"#

    @Test func aGoodFileParses() throws {
        let s = try TrainingScenario.parse(Self.file(Self.good, extra: #","pass":{"blind_catch_percent":50,"max_median_seconds":30}"#))
        #expect(s.decisions.count == 2 && s.maliciousCount == 1 && s.validityDays == 30 && s.impactLevel == .il5)
        #expect(s.passMark.blindCatchPercent == 50 && s.passMark.explainedCatchPercent == 100 && s.passMark.maxMedianSeconds == 30)
        #expect(s.sha256.count == 64)
    }

    @Test(arguments: [
        (#"{"id":"a","context":"c","expected":"approve","why":"w"},{"id":"b","context":"c","command":"x","expected":"refuse","why":"w"}"#, "", "decisions[0].command: is required"),
        (#"{"id":"a","context":"c","command":"x","expected":"maybe","why":"w"}"#, "", "decisions[0].expected: \"maybe\" is not \"approve\" or \"refuse\""),
        (good + #",{"id":"a","context":"c","command":"x","expected":"refuse","why":"w"}"#, "", "decisions[2].id: \"a\" is used twice"),
        (#"{"id":"a","context":"c","command":"x","expected":"approve","why":"w","colour":"red"}"#, "", "decisions[0].colour: unknown key"),
        (#"{"id":"a","context":"c","command":"x","expected":"approve","why":"w"}"#, "", "at least one command to approve and one to refuse"),
        (good, #","pass":{"blind_catch_percent":120}"#, "pass.blind_catch_percent: must be an integer from 0 to 100"),
        (good, #","validity":3"#, "validity: unknown key"),
    ])
    func malformedFilesNameTheField(_ decisions: String, _ extra: String, _ message: String) throws {
        do {
            _ = try TrainingScenario.parse(Self.file(decisions, extra: extra))
            Issue.record("expected an error containing \(message)")
        } catch {
            #expect(error.code == .malformedScenario)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func notJSONAndMissingFiles() {
        #expect(throws: TrainingError.self) { try TrainingScenario.parse(Array("format = 1".utf8)) }
        do {
            _ = try TrainingScenario.load(path: "/nonexistent/x.json")
        } catch {
            #expect(error.message.contains("cannot read the scenario file /nonexistent/x.json"))
        }
    }
}
