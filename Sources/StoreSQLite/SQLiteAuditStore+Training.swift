import EscortCore
import Foundation
import GRDB
import Store

extension SQLiteAuditStore: TrainingStore {
    @discardableResult
    public func recordTrainingResult(_ result: StoredTrainingResult, escortTrainingExpires: Date?) async throws -> Person {
        do {
            return try await pool.write { db in
                guard let body = try String.fetchOne(db, sql: "SELECT body FROM person WHERE name = ?", arguments: [result.person]) else {
                    throw StoreError.noPerson(result.person)
                }
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM training_result WHERE id = ?", arguments: [result.id]) != nil {
                    throw StoreError.trainingResultExists(result.id)
                }
                try db.execute(
                    sql: """
                        INSERT INTO training_result
                        (id, person, scenario, scenario_set, scenario_sha256, started_at, finished_at, passed, body)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        result.id, result.person, result.scenario, result.scenarioSet, result.scenarioSHA256,
                        result.startedAt.timeIntervalSince1970, result.finishedAt.timeIntervalSince1970,
                        result.passed ? 1 : 0, result.body,
                    ])
                var person = try Self.decodePerson(body)
                if let until = escortTrainingExpires, person.escortTrainingExpires.map({ $0 < until }) ?? true {
                    person.escortTrainingExpires = until
                    try db.execute(
                        sql: "UPDATE person SET body = ? WHERE name = ?", arguments: [try Self.encode(person), person.name])
                }
                return person
            }
        } catch {
            throw registryError(error)
        }
    }

    public func trainingResults(person: String?) async throws -> [StoredTrainingResult] {
        do {
            return try await pool.read { db in
                let filter = person == nil ? "" : "WHERE person = ?"
                let arguments: StatementArguments = person.map { [$0] } ?? []
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, person, scenario, scenario_set, scenario_sha256, started_at, finished_at, passed, body
                        FROM training_result \(filter) ORDER BY finished_at, id
                        """,
                    arguments: arguments
                ).map { row in
                    guard let id: String = row["id"], let person: String = row["person"], let scenario: String = row["scenario"],
                        let set: String = row["scenario_set"], let sha: String = row["scenario_sha256"],
                        let started: Double = row["started_at"], let finished: Double = row["finished_at"],
                        let passed: Int64 = row["passed"], let body: String = row["body"]
                    else { throw StoreError(.badRow, "a training_result row has a missing or mistyped column") }
                    return StoredTrainingResult(
                        id: id, person: person, scenario: scenario, scenarioSet: set, scenarioSHA256: sha,
                        startedAt: Date(timeIntervalSince1970: started), finishedAt: Date(timeIntervalSince1970: finished),
                        passed: passed != 0, body: body)
                }
            }
        } catch {
            throw registryError(error)
        }
    }
}
