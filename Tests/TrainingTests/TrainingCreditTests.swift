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
    static func pass(_ s: TrainingScenario, at date: Date, id: String) throws -> TrainingResult {
        let responses = s.decisions.map { DecisionResponse(decision: $0.id, blind: $0.expected, blindMilliseconds: 500, explained: $0.expected, explainedMilliseconds: 500) }
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
        let e = TrainingCredit.auditEvent(r, before: nil, after: Self.day("2027-11-10"), actor: "root")
        #expect(e.code == .registryChanged)
        #expect(e.fields["action"] == "training.result" && e.fields["person"] == "bob" && e.fields["passed"] == .bool(true))
        #expect(e.fields["escort_training_expires"] == "2027-11-10T12:00:00Z" && e.fields["escort_training_expires_before"] == .null)
    }
}
