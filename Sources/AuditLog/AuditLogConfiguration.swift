/// How often the audit log signs checkpoints and how it batches writes.
public struct AuditLogConfiguration: Sendable, Hashable {
    /// Sign a checkpoint whenever the record count reaches a multiple of this. Default 1000.
    public var checkpointEveryRecords: Int64 = 1000
    /// Sign a checkpoint when records have waited this long without one. Default 60 s.
    public var checkpointInterval: Duration = .seconds(60)
    /// The most appends committed in one transaction. Default 4096.
    public var maximumBatch: Int = 4096
    /// How many times one batch may catch up with another writer (read the records it appended,
    /// re-encode after them, try again) before the appends fail with `.storageFailed`. Default 16.
    public var maximumCatchUps: Int = 16

    public init() {}

    /// Checks the values, naming the field that is wrong.
    public func validated() throws(AuditError) -> AuditLogConfiguration {
        guard checkpointEveryRecords >= 1 else {
            throw AuditError(.invalidConfiguration, "checkpointEveryRecords must be at least 1")
        }
        guard checkpointInterval > .zero else { throw AuditError(.invalidConfiguration, "checkpointInterval must be positive") }
        guard maximumBatch >= 1 else { throw AuditError(.invalidConfiguration, "maximumBatch must be at least 1") }
        guard maximumCatchUps >= 0 else { throw AuditError(.invalidConfiguration, "maximumCatchUps must not be negative") }
        return self
    }
}
