import EscortCore
import Foundation
import Store

/// The behaviour every ``TrainingStore`` backend must have (the store must also be a
/// ``RegistryStore``: results belong to registered people). Each check takes a fresh store.
public enum TrainingStoreConformance {
    public typealias Backend = any TrainingStore & RegistryStore

    /// Every check, by name.
    public static let checks: [(String, @Sendable (Backend) async throws -> Void)] = [
        ("results are stored and read back per person, oldest first", storeAndRead),
        ("a pass moves the training date later, never earlier", neverShortens),
        ("unknown people and duplicate ids are refused, and nothing changes", refusals),
    ]

    static func result(_ id: String, person: String, at seconds: Double, passed: Bool = true) -> StoredTrainingResult {
        StoredTrainingResult(
            id: id, person: person, scenario: "web-maintenance", scenarioSet: "escort-annual",
            scenarioSHA256: String(repeating: "a", count: 64), startedAt: Date(timeIntervalSince1970: seconds - 600),
            finishedAt: Date(timeIntervalSince1970: seconds), passed: passed, body: #"{"id":"\#(id)"}"#)
    }

    static func check(_ condition: Bool, _ message: String) throws {
        if !condition { throw ConformanceFailure(message: message) }
    }

    static func storeAndRead(_ store: Backend) async throws {
        try await store.addPerson(RegistryStoreConformance.person("amy"))
        try await store.addPerson(RegistryStoreConformance.person("ben"))
        try await store.recordTrainingResult(result("TR-2", person: "amy", at: 2_000), escortTrainingExpires: nil)
        try await store.recordTrainingResult(result("TR-1", person: "amy", at: 1_000, passed: false), escortTrainingExpires: nil)
        try await store.recordTrainingResult(result("TR-3", person: "ben", at: 1_500), escortTrainingExpires: nil)
        let amy = try await store.trainingResults(person: "amy")
        try check(amy.map(\.id) == ["TR-1", "TR-2"], "amy's results oldest first, got \(amy.map(\.id))")
        try check(amy[0] == result("TR-1", person: "amy", at: 1_000, passed: false), "a result reads back as written: \(amy[0])")
        let all = try await store.trainingResults(person: nil)
        try check(all.map(\.id) == ["TR-1", "TR-3", "TR-2"], "everyone's results oldest first, got \(all.map(\.id))")
    }

    static func neverShortens(_ store: Backend) async throws {
        try await store.addPerson(RegistryStoreConformance.person("amy"))
        let stored = try await store.person(named: "amy")?.escortTrainingExpires
        let later = Date(timeIntervalSince1970: 2_000_000_000)
        let p = try await store.recordTrainingResult(result("TR-1", person: "amy", at: 1_000), escortTrainingExpires: later)
        try check(p.escortTrainingExpires == later, "a later date is stored (was \(String(describing: stored)))")
        try check(try await store.person(named: "amy")?.escortTrainingExpires == later, "the registry holds the later date")
        let q = try await store.recordTrainingResult(result("TR-2", person: "amy", at: 2_000), escortTrainingExpires: Date(timeIntervalSince1970: 1_000))
        try check(q.escortTrainingExpires == later, "an earlier date never replaces a later one")
    }

    static func refusals(_ store: Backend) async throws {
        try await store.addPerson(RegistryStoreConformance.person("amy"))
        for (what, r) in [("an unknown person", result("TR-9", person: "nobody", at: 1)), ("a duplicate id", result("TR-1", person: "amy", at: 2))] {
            if what == "a duplicate id" { try await store.recordTrainingResult(result("TR-1", person: "amy", at: 1), escortTrainingExpires: nil) }
            do {
                try await store.recordTrainingResult(r, escortTrainingExpires: Date(timeIntervalSince1970: 2_100_000_000))
                throw ConformanceFailure(message: "\(what) must be refused")
            } catch let e as StoreError {
                try check(e.code == (what == "a duplicate id" ? .duplicate : .missing), "\(what): wrong code \(e.code)")
            }
        }
        try check(try await store.trainingResults(person: nil).count == 1, "refused results are not stored")
        try check(try await store.person(named: "amy")?.escortTrainingExpires == Date(timeIntervalSince1970: 1_900_000_000), "a refused result changes no date")
    }
}
