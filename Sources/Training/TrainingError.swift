/// Bad training input or an unfinished run, with a stable code and a message that names the
/// file and the field.
public struct TrainingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes. They never change meaning once released.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A scenario file that cannot be read or does not follow the format.
        case malformedScenario = "TRN-001"
        /// No scenario with that id or file.
        case unknownScenario = "TRN-002"
        /// No scenario set with that name.
        case unknownSet = "TRN-003"
        /// The trainee is not in the personnel registry.
        case unknownPerson = "TRN-004"
        /// The answers stopped before every decision was made; nothing is recorded.
        case incomplete = "TRN-005"
        /// An answer given out of turn or for a run that is over.
        case badAnswer = "TRN-006"
        /// A finished run's result could not be recorded (the audit log or the store failed): it
        /// earns no credit.
        case notRecorded = "TRN-007"
        /// A run answered faster than a person can read and decide (see ``TrainingPlausibility``):
        /// recorded as refused, stored nowhere, no credit.
        case implausible = "TRN-008"
    }

    public var code: Code
    public var message: String
    /// The field that was wrong (e.g. `decisions[3].expected`), when there is one.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
