import Foundation
import Logging
import Metrics

/// The gateway's metrics (swift-metrics; the executable chooses the backend) and its operational
/// log lines (swift-log). Never the command text: that belongs to the audit log.
///
/// - `escort_sessions_open` (meter): engineer sessions live on the hub.
/// - `escort_commands_total{decision,risk}` (counter): each decision on a command. A held
///   command counts once as `held` and once with its outcome (`approved`, `refused_by_escort`,
///   `withdrawn`); others count once as `run` or `refused`.
/// - `escort_hold_wait_seconds` (timer): from a hold to its decision.
public enum GatewayTelemetry {
    /// The label of the gateway's logger.
    public static let logLabel = "escort.gateway"
    static let logger = Logger(label: logLabel)

    static let sessionsOpen = Meter(label: "escort_sessions_open")

    /// What became of a command.
    public enum Decision: String, Sendable {
        case run
        case held
        case refused
        case approved
        case refusedByEscort = "refused_by_escort"
        case withdrawn
    }

    /// Counts and logs a decision on a command in `session` (not the command itself).
    public static func command(_ decision: Decision, risk: String, session: String, number: Int? = nil) {
        Counter(label: "escort_commands_total", dimensions: [("decision", decision.rawValue), ("risk", risk)]).increment()
        var metadata: Logger.Metadata = ["session": "\(session)", "decision": "\(decision.rawValue)", "risk": "\(risk)"]
        if let number { metadata["command_number"] = "\(number)" }
        logger.info("command decided", metadata: metadata)
    }

    /// Records how long a held command waited for its decision.
    static func holdWaited(since start: ContinuousClock.Instant) {
        Metrics.Timer(label: "escort_hold_wait_seconds").recordInterval(since: start)
    }

    static func sessionOpened(_ summary: SessionSummary) {
        sessionsOpen.increment()
        logger.info("session opened", metadata: [
            "session": "\(summary.id)", "engineer": "\(summary.engineer.name)", "target": "\(summary.target)",
            "impact_level": "\(summary.impactLevel)", "mode": "\(summary.mode.rawValue)",
        ])
    }

    static func sessionClosed(_ id: String, reason: String) {
        sessionsOpen.decrement()
        logger.info("session closed", metadata: ["session": "\(id)", "reason": "\(reason)"])
    }
}

extension Metrics.Timer {
    /// Records the time since `start`.
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
