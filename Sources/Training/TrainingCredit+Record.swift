import AuditLog
import EscortCore
import Foundation
import Store

/// What recording a training result did.
public struct RecordedTrainingResult: Sendable {
    /// The person's escort-training date before and after.
    public var before: Date?
    public var after: Date?
    /// The scenarios of the set still without a pass (empty once the set is earned).
    public var unpassed: [TrainingScenario]
    /// The audit record of the result.
    public var receipt: AuditReceipt
}

extension TrainingCredit {
    /// Records a finished run, as `escort train` and the web console both do: first the audit
    /// record (`registry.changed`, action `training.result`), then the stored result with the
    /// escort-training date the set now earns.
    ///
    /// The audit record comes first because the store write is what gives credit: nothing is
    /// credited that the log does not hold. If the store write then fails, a second record
    /// (action `training.result.not_stored`) says so, as far as the log still accepts it.
    ///
    /// A run answered faster than `plausibility` allows is not a person answering: it is recorded
    /// as refused (`registry.changed`, action `training.refused`, with every answer's time), stored
    /// nowhere and earns nothing.
    ///
    /// - Parameters:
    ///   - set: the set the result's scenario belongs to.
    ///   - supervisor: who ran or watched the run, when not the trainee alone (the trainee,
    ///     `result.person`, is the record's actor).
    /// - Throws: ``TrainingError`` `.implausible` for a run faster than a person, `.notRecorded`
    ///   saying which step failed (no credit is given), `.unknownPerson` if the person is not registered.
    public static func record(
        _ result: TrainingResult, set: ScenarioSet, store: any RegistryStore & TrainingStore, log: AuditLog, supervisor: String?,
        plausibility: TrainingPlausibility = .person
    ) async throws(TrainingError) -> RecordedTrainingResult {
        let row = stored(result)
        let person: Person?
        let earlier: [StoredTrainingResult]
        do {
            person = try await store.person(named: result.person)
            earlier = try await store.trainingResults(person: result.person)
        } catch {
            throw TrainingError(.notRecorded, "the registry could not be read (\(error)); the result was not recorded and earns no credit")
        }
        guard let person else {
            throw TrainingError(.unknownPerson, "no person named \(result.person); the result was not recorded", field: "person")
        }
        if let why = plausibility.implausibility(of: result) {
            var event = auditEvent(result, before: person.escortTrainingExpires, after: person.escortTrainingExpires, supervisor: supervisor)
            event.fields["action"] = "training.refused"
            event.fields["reason"] = .string(why)
            do { _ = try await log.append(event) } catch {
                throw TrainingError(.implausible, "\(why); the run earns no credit (and the audit log refused its record: \(error))")
            }
            throw TrainingError(.implausible, "\(why); the run is recorded as refused and earns no credit")
        }
        let all = earlier + [row]
        let expiry = result.passed ? TrainingCredit.expiry(for: set, results: all) : nil
        let before = person.escortTrainingExpires
        // The store moves the date only later (see `TrainingStore.recordTrainingResult`).
        let after = [before, expiry].compactMap { $0 }.max()
        let receipt: AuditReceipt
        do {
            receipt = try await log.append(auditEvent(result, before: before, after: after, earned: expiry, supervisor: supervisor))
        } catch {
            throw TrainingError(.notRecorded, "the audit log refused the record (\(error)); the result was not stored and earns no credit")
        }
        do {
            try await store.recordTrainingResult(row, escortTrainingExpires: expiry)
        } catch {
            _ = try? await log.append(AuditEvent(
                code: .registryChanged, actor: result.person,
                fields: [
                    "action": "training.result.not_stored", "person": .string(result.person), "result": .string(result.id),
                    "record": .integer(receipt.sequence), "error": .string("\(error)"),
                ]))
            throw TrainingError(
                .notRecorded,
                "the result could not be stored (\(error)); audit record \(receipt.sequence) names it, but it earns no credit")
        }
        let unpassed = set.scenarios.filter { s in !all.contains { $0.passed && $0.scenario == s.id && $0.scenarioSet == set.name } }
        return RecordedTrainingResult(before: before, after: after, unpassed: unpassed, receipt: receipt)
    }
}
