import Logging
import Metrics

/// The audit log's metrics (swift-metrics; the executable picks the backend) and its log lines.
///
/// - `escort_audit_append_seconds` (timer): from ``AuditLog/append(_:)`` to the record being durable (or failing).
/// - `escort_store_errors_total{operation}` (counter): writes the store refused.
enum AuditTelemetry {
    static let logger = Logger(label: "escort.audit")
    static let appendTimer = Metrics.Timer(label: "escort_audit_append_seconds")
    static let storeErrors = Counter(label: "escort_store_errors_total", dimensions: [("operation", "audit_write")])

    static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
