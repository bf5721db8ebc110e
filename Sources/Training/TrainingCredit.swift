import AuditLog
import EscortCore
import Foundation
import Store

/// How training results become the escort-training date the policy checks.
///
/// Escort keeps one fact for the policy: ``Person/escortTrainingExpires``, which
/// `PolicyEngine.escortEligibility` reads for every `[[escort]]` rule with
/// `requires_training`. A person earns it by passing **every scenario of a set**; it then runs
/// until the earliest of (each scenario's latest pass + the scenario's validity). Passing again
/// moves it later; it never moves earlier (an admin can still set it with the registry).
public enum TrainingCredit {
    /// The expiry the stored results earn for `set`, or nil if some scenario of the set has no pass.
    ///
    /// Passes are matched by scenario id and set (a reworded scenario keeps its id).
    public static func expiry(for set: ScenarioSet, results: [StoredTrainingResult]) -> Date? {
        var earliest: Date?
        for s in set.scenarios {
            let passes = results.filter { $0.passed && $0.scenario == s.id && $0.scenarioSet == set.name }
            guard let last = passes.map(\.finishedAt).max() else { return nil }
            let until = last.addingTimeInterval(Double(s.validityDays) * 86_400)
            earliest = earliest.map { min($0, until) } ?? until
        }
        return earliest
    }

    /// The row to store for a result.
    public static func stored(_ result: TrainingResult) -> StoredTrainingResult {
        StoredTrainingResult(
            id: result.id, person: result.person, scenario: result.scenario, scenarioSet: result.scenarioSet,
            scenarioSHA256: result.scenarioSHA256, startedAt: result.startedAt, finishedAt: result.finishedAt,
            passed: result.passed, body: result.json)
    }

    /// The `registry.changed` event recording a training run and what it did to the person's
    /// escort-training date (action `training.result`).
    ///
    /// The actor is the trainee (the person who answered); `supervisor` is who ran or watched the
    /// run (the admin at the terminal), or nil when the trainee ran it alone (the web console).
    /// Every answer's time is in the record (`blind_milliseconds`, `explained_milliseconds`, in
    /// decision order), so a run's plausibility can be checked from the log alone.
    ///
    /// `escort_training_earned` is the date the training results themselves earn (null when the
    /// set is not yet passed), apart from `escort_training_expires`, which also keeps a later date
    /// an admin set: reports tell a date set by an admin from a training pass by it.
    public static func auditEvent(
        _ result: TrainingResult, before: Date?, after: Date?, earned: Date? = nil, supervisor: String?, time: Date = Date()
    ) -> AuditEvent {
        func date(_ d: Date?) -> JSONValue { d.map { .string(RegistryDate.format($0)) } ?? .null }
        return AuditEvent(
            code: .registryChanged, actor: result.person, time: time,
            fields: [
                "supervisor": supervisor.map { .string($0) } ?? .null, "escort_training_earned": date(earned),
                "blind_milliseconds": .array(result.responses.map { .integer($0.blindMilliseconds) }),
                "explained_milliseconds": .array(result.responses.map { .integer($0.explainedMilliseconds) }),
                "action": "training.result", "person": .string(result.person), "result": .string(result.id),
                "scenario": .string(result.scenario), "set": .string(result.scenarioSet),
                "scenario_sha256": .string(result.scenarioSHA256), "passed": .bool(result.passed),
                "blind_catches": .integer(Int64(result.blind.catches)), "explained_catches": .integer(Int64(result.explained.catches)),
                "malicious": .integer(Int64(result.explained.malicious)),
                "false_alarms": .integer(Int64(result.explained.falseAlarms)), "routine": .integer(Int64(result.explained.routine)),
                "escort_training_expires_before": date(before), "escort_training_expires": date(after),
            ])
    }
}

extension TrainingResult {
    /// The result as JSON (sorted keys, ISO 8601 dates), as stored and as the console reads it.
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return (try? e.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Reads a stored result body.
    public static func decode(json: String) throws(TrainingError) -> TrainingResult {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        do { return try d.decode(TrainingResult.self, from: Data(json.utf8)) } catch {
            throw TrainingError(.malformedScenario, "a stored training result cannot be read: \(error)")
        }
    }
}
