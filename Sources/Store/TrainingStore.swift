import EscortCore
import Foundation

/// One completed escort-training run as stored: the columns a query needs, and the whole
/// result as JSON (``body``) for whoever presents it (the CLI, the web console).
public struct StoredTrainingResult: Sendable, Hashable {
    /// A unique id for the run (e.g. `TR-` and a UUID).
    public var id: String
    /// The trainee's login name.
    public var person: String
    /// The scenario's id.
    public var scenario: String
    /// The scenario set the scenario belongs to.
    public var scenarioSet: String
    /// Lower-case hex SHA-256 of the scenario file the trainee answered.
    public var scenarioSHA256: String
    public var startedAt: Date
    public var finishedAt: Date
    /// Whether the run met the scenario's pass mark.
    public var passed: Bool
    /// The full result as JSON (see `Training`'s `TrainingResult`).
    public var body: String

    public init(
        id: String, person: String, scenario: String, scenarioSet: String, scenarioSHA256: String,
        startedAt: Date, finishedAt: Date, passed: Bool, body: String
    ) {
        self.id = id
        self.person = person
        self.scenario = scenario
        self.scenarioSet = scenarioSet
        self.scenarioSHA256 = scenarioSHA256
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.passed = passed
        self.body = body
    }
}

/// Escort-training results, per person.
///
/// Passing training is what the policy's `requires_training` checks, through the person's
/// ``Person/escortTrainingExpires``: ``recordTrainingResult(_:escortTrainingExpires:)`` stores a
/// result and, in the same transaction, moves that date.
public protocol TrainingStore: Sendable {
    /// Stores a result. With `escortTrainingExpires`, also sets the person's escort-training
    /// expiry to that date when it is later than the one stored (a pass never shortens training).
    ///
    /// - Returns: the person as stored afterwards.
    /// - Throws: ``StoreError`` `.missing` if the person is not registered, `.duplicate` if the id is taken.
    @discardableResult
    func recordTrainingResult(_ result: StoredTrainingResult, escortTrainingExpires: Date?) async throws -> Person

    /// Results, oldest first; only one person's if `person` is given.
    func trainingResults(person: String?) async throws -> [StoredTrainingResult]
}
