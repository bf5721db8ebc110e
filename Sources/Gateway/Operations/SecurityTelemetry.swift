import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers

/// A security-relevant event the operators must see in their log and their metrics, not only in
/// the audit log (which records what happened; this says something needs a person now).
public enum SecurityEvent: String, Sendable, CaseIterable {
    /// A target presented a host key other than the one pinned in the registry.
    case hostKeyMismatch = "host_key_mismatch"
    /// A target could not be reached or would not open a shell.
    case targetUnreachable = "target_unreachable"
    /// The gateway could not read its credential for a target.
    case credentialUnreadable = "credential_unreadable"
    /// Someone was refused access (see `escort_access_refused_total{reason}`).
    case accessRefused = "access_refused"
    /// A session was ended by the gateway or policy rather than by the engineer.
    case sessionEndedByPolicy = "session_ended_by_policy"
    /// A session was ended by an escort.
    case sessionEndedByEscort = "session_ended_by_escort"
    /// The audit log could not record something: the session it was for stops.
    case auditFailure = "audit_failure"
    /// Another node stopped answering and its sessions were ended.
    case nodeDeclaredDead = "node_declared_dead"
    /// The gateway lost its store (counted once per outage).
    case storeUnreachable = "store_unreachable"

    var level: Logger.Level {
        switch self {
        case .hostKeyMismatch, .auditFailure, .credentialUnreadable: .error
        default: .warning
        }
    }
}

/// Why access was refused: the `reason` of `escort_access_refused_total` and of the log line.
public enum AccessRefusal: String, Sendable, CaseIterable {
    /// The key offered is registered to nobody, or to someone else.
    case unknownKey = "unknown_key"
    /// The target named does not exist.
    case noSuchTarget = "no_such_target"
    /// The policy refused (citizenship, location, clearance, ticket, training…).
    case policy
    /// The policy or the registry could not be evaluated: refused, fail closed.
    case policyUnavailable = "policy_unavailable"
    /// The store could not be reached: nobody can be identified.
    case storeUnreachable = "store_unreachable"
}

/// Security events to the operations log (label `escort.security`, warning or above) and to
/// `escort_security_events_total{event}` and `escort_access_refused_total{reason}`.
public enum SecurityTelemetry {
    public static let logLabel = "escort.security"
    static let logger = Logger(label: logLabel)

    /// Counts and logs `event`. `metadata` never holds a secret or a command's text.
    public static func record(_ event: SecurityEvent, _ message: String, _ metadata: Logger.Metadata = [:]) {
        Counter(label: "escort_security_events_total", dimensions: [("event", event.rawValue)]).increment()
        var all = metadata
        all["event"] = "\(event.rawValue)"
        logger.log(level: event.level, "\(message)", metadata: all)
    }

    /// Counts and logs a refusal, with its reason code.
    public static func accessRefused(_ reason: AccessRefusal, person: String, target: String?, detail: String, source: String?) {
        Counter(label: "escort_access_refused_total", dimensions: [("reason", reason.rawValue)]).increment()
        var metadata: Logger.Metadata = ["reason": "\(reason.rawValue)", "person": "\(person)", "detail": "\(detail)"]
        if let target { metadata["target"] = "\(target)" }
        if let source { metadata["source"] = "\(source)" }
        record(.accessRefused, "access refused", metadata)
    }

    /// Makes every counter an alert may watch, at zero, so `increase(…) > 0` fires on the first
    /// event (Prometheus sees no increase in a series that appears with its first event).
    public static func registerAtZero() {
        for event in SecurityEvent.allCases {
            _ = Counter(label: "escort_security_events_total", dimensions: [("event", event.rawValue)])
        }
        for reason in AccessRefusal.allCases {
            _ = Counter(label: "escort_access_refused_total", dimensions: [("reason", reason.rawValue)])
        }
        for operation in ["audit_write", "health_check"] {
            _ = Counter(label: "escort_store_errors_total", dimensions: [("operation", operation)])
        }
        for decision in ["run", "held", "refused", "approved", "refused_by_escort", "withdrawn"] {
            for risk in ["none", "low", "medium", "high", "critical", "unknown"] {
                _ = Counter(label: "escort_commands_total", dimensions: [("decision", decision), ("risk", risk)])
            }
        }
        StoreReachability.shared.publish()
    }
}

/// Whether the gateway reaches its store, as the last query anywhere in the process found.
///
/// A lost store is said once, when it is lost (warning, `store_unreachable` counted), and once
/// when it answers again (notice), however often the callers ask it in between (the cluster link
/// polls four times a second). `escort_store_reachable` is 1 or 0.
public final class StoreReachability: Sendable {
    public static let shared = StoreReachability()

    private let state = NIOLockedValueBox(true)
    private let gauge = Gauge(label: "escort_store_reachable")

    /// What engineers are told while the store is lost.
    public static let engineerMessage = "Escort: the gateway cannot reach its store, so nobody can be identified or audited; no session can start now. Try again later, or tell the gateway's operators."

    public var reachable: Bool { state.withLockedValue { $0 } }

    /// A query failed for `during` (what the gateway was doing).
    public func failed(_ error: any Error, during: String) {
        let changed = state.withLockedValue { reachable in
            defer { reachable = false }
            return reachable
        }
        guard changed else { return }
        gauge.record(0)
        SecurityTelemetry.record(.storeUnreachable, "the gateway cannot reach its store", ["during": "\(during)", "error": "\(error)"])
    }

    /// A query succeeded.
    public func succeeded() {
        let changed = state.withLockedValue { reachable in
            defer { reachable = true }
            return !reachable
        }
        guard changed else { return }
        gauge.record(1)
        SecurityTelemetry.logger.notice("the gateway reaches its store again")
    }

    func publish() { gauge.record(reachable ? 1 : 0) }
}
