/// Why a report could not be made, with a stable code and a message a person can act on.
public struct ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes. They never change meaning once released.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A date or period that cannot be read, or that ends before it starts.
        case badPeriod = "RPT-001"
        /// No contract (contractor) by that name.
        case unknownContract = "RPT-002"
        /// No signed checkpoint covers the records the report needs.
        case noCheckpoint = "RPT-003"
        /// An impact-level filter that cannot be read.
        case badImpactLevel = "RPT-004"
        /// The audit log cannot be read (a record that does not decode).
        case unreadableLog = "RPT-005"
        /// A format this report does not come in.
        case badFormat = "RPT-006"
        /// The report file cannot be written.
        case cannotWrite = "RPT-007"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
