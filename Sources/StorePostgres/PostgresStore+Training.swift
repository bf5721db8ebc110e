import EscortCore
import Foundation
import PostgresNIO
import Store

extension PostgresStore: TrainingStore {
    /// Stores a result and moves the person's training date, in one transaction holding the
    /// person's row (`FOR UPDATE`), so two gateways recording at once never lose a date.
    @discardableResult
    public func recordTrainingResult(_ result: StoredTrainingResult, escortTrainingExpires: Date?) async throws -> Person {
        let r = result
        let logger = logger
        return try await transaction { c in
            guard let row = try await c.rows("SELECT body FROM person WHERE name = \(r.person) FOR UPDATE", logger).first else {
                throw StoreError.noPerson(r.person)
            }
            if try await c.exists("SELECT 1 FROM training_result WHERE id = \(r.id)", logger) {
                throw StoreError.trainingResultExists(r.id)
            }
            try await c.query(
                """
                INSERT INTO training_result
                (id, person, scenario, scenario_set, scenario_sha256, started_at, finished_at, passed, body)
                VALUES (\(r.id), \(r.person), \(r.scenario), \(r.scenarioSet), \(r.scenarioSHA256),
                    \(r.startedAt.timeIntervalSince1970), \(r.finishedAt.timeIntervalSince1970), \(r.passed), \(r.body))
                """, logger: logger)
            var person = try Self.person(row)
            if let until = escortTrainingExpires, person.escortTrainingExpires.map({ $0 < until }) ?? true {
                person.escortTrainingExpires = until
                try await c.query(
                    "UPDATE person SET body = \(try StoredJSON.encode(person)) WHERE name = \(person.name)", logger: logger)
            }
            return person
        }
    }

    public func trainingResults(person: String?) async throws -> [StoredTrainingResult] {
        try await rows(
            """
            SELECT id, person, scenario, scenario_set, scenario_sha256, started_at, finished_at, passed, body
            FROM training_result WHERE (\(person)::text IS NULL OR person = \(person)) ORDER BY finished_at, id COLLATE "C"
            """
        ).map { row in
            let (id, person, scenario, set, sha, started, finished, passed, body) =
                try decoded(row, (String, String, String, String, String, Double, Double, Bool, String).self)
            return StoredTrainingResult(
                id: id, person: person, scenario: scenario, scenarioSet: set, scenarioSHA256: sha,
                startedAt: Date(timeIntervalSince1970: started), finishedAt: Date(timeIntervalSince1970: finished),
                passed: passed, body: body)
        }
    }
}
