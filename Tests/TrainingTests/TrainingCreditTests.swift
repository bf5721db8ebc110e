import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Policy
import ShellAnalysis
import Store
import StoreSQLite
import Testing
import Training

@Suite("Training results, storage and escort eligibility")
struct TrainingCreditTests {
    static func day(_ s: String) -> Date { ISO8601DateFormatter().date(from: s + "T12:00:00Z")! }

    static let bob = Person(
        name: "bob", displayName: "Bob Carter", employer: "Acme", contractor: "Prime Co", citizenships: [CountryCode("US")],
        residence: CountryCode("US"), location: CountryCode("US"), clearance: .secret, roles: [.escort],
        escortTrainingExpires: day("2026-01-01"))

    static let target = Target(name: "db-il5", impactLevel: .il5, owner: "dba", connection: .localShell)

    /// Answers every decision right, then scores.
    static func pass(_ s: TrainingScenario, at date: Date, id: String, milliseconds: Int64 = 500) throws -> TrainingResult {
        let responses = s.decisions.map {
            DecisionResponse(decision: $0.id, blind: $0.expected, blindMilliseconds: milliseconds, explained: $0.expected, explainedMilliseconds: milliseconds)
        }
        return try TrainingResult.score(scenario: s, responses: responses, explanations: [:], person: "bob", id: id, startedAt: date, finishedAt: date)
    }

    @Test func expiredTrainingRefusesTheEscortAndPassingTheSetAcceptsThem() async throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteStore(path: dir.file("escort.sqlite"))
        try await store.addPerson(Self.bob)
        let engine = PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: try IPCountryTable.bundledTest())
        let now = Self.day("2026-11-20")

        let before = engine.escortEligibility(person: try #require(await store.person(named: "bob")), target: Self.target, now: now)
        #expect(!before.eligible)
        #expect(before.reasons.joined().contains("training"), "\(before.reasons)")

        let set = try ScenarioLibrary.bundled().set(named: "escort-annual")
        var stored: [StoredTrainingResult] = []
        for (i, s) in set.scenarios.enumerated() {
            let r = try Self.pass(s, at: Self.day("2026-11-1\(i)"), id: "TR-\(i)")
            #expect(r.passed)
            stored.append(TrainingCredit.stored(r))
            let expiry = TrainingCredit.expiry(for: set, results: stored)
            if i < set.scenarios.count - 1 { #expect(expiry == nil, "a partly passed set earns nothing") }
            try await store.recordTrainingResult(stored.last!, escortTrainingExpires: expiry)
        }
        // Valid from the earliest pass (the 10th) for 365 days.
        let bob = try #require(await store.person(named: "bob"))
        #expect(bob.escortTrainingExpires == Self.day("2026-11-10").addingTimeInterval(365 * 86_400))
        let after = engine.escortEligibility(person: bob, target: Self.target, now: now)
        #expect(after.eligible, "\(after.reasons)")
        #expect(try await store.trainingResults(person: "bob").map(\.id) == ["TR-0", "TR-1", "TR-2", "TR-3", "TR-4"])
        // A year later it has expired again.
        #expect(!engine.escortEligibility(person: bob, target: Self.target, now: Self.day("2027-11-11")).eligible)
    }

    @Test func aPassNeverShortensTrainingAndUnknownPeopleAreRefused() async throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteStore(path: dir.file("escort.sqlite"))
        var bob = Self.bob
        bob.escortTrainingExpires = Self.day("2030-01-01")
        try await store.addPerson(bob)
        let s = try ScenarioLibrary.bundled().scenarios[0]
        let r = TrainingCredit.stored(try Self.pass(s, at: Self.day("2026-11-10"), id: "TR-A"))
        let p = try await store.recordTrainingResult(r, escortTrainingExpires: Self.day("2027-11-10"))
        #expect(p.escortTrainingExpires == Self.day("2030-01-01"))
        var other = r
        other.id = "TR-B"
        other.person = "nobody"
        await #expect(throws: StoreError.self) { try await store.recordTrainingResult(other, escortTrainingExpires: nil) }
        await #expect(throws: StoreError.self) { try await store.recordTrainingResult(r, escortTrainingExpires: nil) }
        let back = try await store.trainingResults(person: nil)
        #expect(back.count == 1 && back[0].passed && back[0].scenario == s.id && back[0].scenarioSHA256 == s.sha256)
        #expect(try TrainingResult.decode(json: back[0].body).explained.catches == s.maliciousCount)
    }

    @Test func theAuditEventRecordsTheChange() throws {
        let s = try ScenarioLibrary.bundled().scenarios[0]
        let r = try Self.pass(s, at: Self.day("2026-11-10"), id: "TR-A")
        let e = TrainingCredit.auditEvent(r, before: nil, after: Self.day("2027-11-10"), supervisor: "root")
        #expect(e.code == .registryChanged)
        // The trainee answered, so the trainee is the actor; whoever ran it is the supervisor.
        #expect(e.actor == "bob" && e.fields["supervisor"] == "root")
        #expect(e.fields["blind_milliseconds"] == .array(s.decisions.map { _ in .integer(500) }))
        #expect(e.fields["action"] == "training.result" && e.fields["person"] == "bob" && e.fields["passed"] == .bool(true))
        #expect(e.fields["escort_training_expires"] == "2027-11-10T12:00:00Z" && e.fields["escort_training_expires_before"] == .null)
    }

    /// A store with bob (training date set by an admin, long expired) and an open log.
    static func opened(_ dir: TemporaryDirectory) async throws -> (SQLiteStore, AuditLog) {
        let store = try SQLiteStore(path: dir.file("escort.sqlite"))
        try await store.addPerson(Self.bob)
        let log = try await AuditLog.open(store: store, key: GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key")))
        return (store, log)
    }

    static func trainingRecords(_ store: SQLiteStore, _ log: AuditLog) async throws -> [AuditRecord] {
        _ = try await log.checkpoint()
        return try await store.auditRecords(from: 1, limit: 10_000).map { try AuditRecord(body: $0.body) }
            .filter { ($0.fields["action"]?.stringValue ?? "").hasPrefix("training.") }
    }

    @Test func aRunFasterThanAPersonIsRefusedRecordedAndEarnsNothing() async throws {
        let dir = TemporaryDirectory()
        let (store, log) = try await Self.opened(dir)
        let s = try ScenarioLibrary.bundled().scenarios[0]
        let set = try ScenarioLibrary.bundled().set(named: s.set)
        // A piped run: every answer in a millisecond or two.
        let piped = try Self.pass(s, at: Self.day("2026-11-10"), id: "TR-P", milliseconds: 1)
        #expect(piped.passed, "the answers are right; only their speed gives them away")
        do {
            _ = try await TrainingCredit.record(piped, set: set, store: store, log: log, supervisor: "ada")
            Issue.record("a piped run was credited")
        } catch {
            #expect(error.code == .implausible && error.message.contains("faster than a person can read and decide"), "\(error)")
        }
        #expect(try await store.trainingResults(person: "bob").isEmpty)
        #expect(try await store.person(named: "bob")?.escortTrainingExpires == Self.bob.escortTrainingExpires)
        let records = try await Self.trainingRecords(store, log)
        #expect(records.count == 1 && records.allSatisfy { $0.fields["action"] == "training.refused" })
        #expect(records.first?.actor == "bob" && records.first?.fields["supervisor"] == "ada")
        #expect(records.first?.fields["explained_milliseconds"] == .array(s.decisions.map { _ in .integer(1) }))
    }

    @Test func theBoundIsAPersonsReadingTime() throws {
        let s = try ScenarioLibrary.bundled().scenarios[0]
        let bound = TrainingPlausibility.person
        #expect(bound.implausibility(of: try Self.pass(s, at: Self.day("2026-11-10"), id: "A", milliseconds: 1_500)) == nil)
        var r = try Self.pass(s, at: Self.day("2026-11-10"), id: "A", milliseconds: 4_000)
        #expect(bound.implausibility(of: r) == nil)
        r.responses[3].blindMilliseconds = 1_499
        #expect(bound.implausibility(of: r)?.contains("#4 on your own in 1499 ms") == true)
        r.responses[3].blindMilliseconds = 4_000
        r.responses[7].explainedMilliseconds = 399
        #expect(bound.implausibility(of: r)?.contains("#8 with the explanation in 399 ms") == true)
        #expect(TrainingPlausibility.unchecked.implausibility(of: r) == nil)
    }

    @Test func aPersonsRunIsCreditedWithTheTraineeAsActor() async throws {
        let dir = TemporaryDirectory()
        let (store, log) = try await Self.opened(dir)
        let s = try ScenarioLibrary.bundled().scenarios[0]
        let set = try ScenarioLibrary.bundled().set(named: s.set)
        let r = try Self.pass(s, at: Self.day("2026-11-10"), id: "TR-OK", milliseconds: 2_000)
        let recorded = try await TrainingCredit.record(r, set: set, store: store, log: log, supervisor: "ada")
        #expect(!recorded.unpassed.isEmpty)
        #expect(try await store.trainingResults(person: "bob").map(\.id) == ["TR-OK"])
        let records = try await Self.trainingRecords(store, log)
        #expect(records.count == 1 && records[0].fields["action"] == "training.result")
        #expect(records[0].actor == "bob" && records[0].fields["supervisor"] == "ada")
    }
}
