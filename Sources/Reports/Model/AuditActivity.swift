import AuditLog
import EscortCore
import Foundation

/// Everything the reports need from the audit log, read once from verified records: sessions
/// (with their commands and escorts), registry and policy changes, in log order.
public struct AuditActivity: Sendable {
    public var sessions: [SessionActivity]
    /// `registry.changed` records.
    public var registryChanges: [AuditRecord]
    /// `policy.changed` records.
    public var policyChanges: [AuditRecord]
    /// Records per event code.
    public var countsByCode: [String: Int]
    /// The time of the first and the last record read.
    public var firstTime: Date?
    public var lastTime: Date?

    /// Builds the activity from records in sequence order. Records the reports do not use are
    /// only counted.
    public init(records: [AuditRecord]) {
        var sessions: [SessionActivity] = []
        var current: [String: Int] = [:]
        var registry: [AuditRecord] = []
        var policy: [AuditRecord] = []
        var counts: [String: Int] = [:]
        var first: Date?
        var last: Date?
        for r in records {
            counts[r.code, default: 0] += 1
            let time = ReportTime.parse(r.time) ?? Date(timeIntervalSince1970: 0)
            if first == nil { first = time }
            last = time
            let f = r.fields
            switch r.knownCode {
            case .accessDecided?:
                guard let session = r.session else { continue }
                let level = f["impact_level"]?.stringValue.flatMap { ImpactLevel(parsing: $0) }
                sessions.append(SessionActivity(
                    id: session, person: r.actor ?? "unknown", target: f["target"]?.stringValue ?? "unknown", impactLevel: level,
                    time: time, decision: f["decision"]?.stringValue ?? "refused", rule: f["rule"]?.stringValue,
                    reasons: f["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                    tickets: f["tickets"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                    sourceAddress: f["source"]?.stringValue, sourceCountry: f["source_country"]?.stringValue,
                    effectiveLocation: f["effective_location"]?.stringValue, escorts: [], reviewers: [], commands: [],
                    endReason: nil, killedBy: nil, paused: 0))
                current[session] = sessions.count - 1
            case .sessionStarted?:
                if let i = r.session.flatMap({ current[$0] }) { sessions[i].execution = f["execution"]?.stringValue ?? "not recorded" }
            case .escortAttached?:
                guard let i = r.session.flatMap({ current[$0] }), let who = r.actor else { continue }
                if f["role"]?.stringValue == "reviewer" {
                    if !sessions[i].reviewers.contains(who) { sessions[i].reviewers.append(who) }
                } else if !sessions[i].escorts.contains(who) {
                    sessions[i].escorts.append(who)
                }
            case .sessionPaused?:
                if let i = r.session.flatMap({ current[$0] }) { sessions[i].paused += 1 }
            case .sessionKilled?:
                if let i = r.session.flatMap({ current[$0] }) {
                    sessions[i].killedBy = f["by"]?.stringValue ?? r.actor
                    sessions[i].killedAt = time
                    sessions[i].endReason = f["reason"]?.stringValue ?? "killed"
                }
            case .sessionEnded?:
                if let i = r.session.flatMap({ current[$0] }), sessions[i].endReason == nil {
                    sessions[i].endReason = f["reason"]?.stringValue
                }
            case .commandHeld?, .commandForwarded?, .commandRefused?, .commandApproved?, .commandFinished?:
                guard let i = r.session.flatMap({ current[$0] }), let n = f["n"]?.integerValue else { continue }
                Self.apply(r, code: r.knownCode!, number: n, time: time, to: &sessions[i])
            case .registryChanged?:
                registry.append(r)
            case .policyChanged?:
                policy.append(r)
            default:
                continue
            }
        }
        self.sessions = sessions
        registryChanges = registry
        policyChanges = policy
        countsByCode = counts
        firstTime = first
        lastTime = last
    }

    private static func apply(_ r: AuditRecord, code: AuditEventCode, number n: Int64, time: Date, to s: inout SessionActivity) {
        let f = r.fields
        // Command numbers are unique within a session: the first record for a number (held,
        // forwarded, or refused by policy) carries the command; later ones refer to it.
        var i = s.commands.lastIndex { $0.number == n }
        if i == nil {
            guard let command = f["command"]?.stringValue else { return }
            s.commands.append(CommandActivity(
                number: n, command: command, risk: f["risk"]?.stringValue, ruling: f["ruling"]?.stringValue,
                techniques: f["techniques"]?.arrayValue?.compactMap(\.stringValue) ?? [], held: false, approvedBy: [],
                refusedBy: nil, refusalReason: nil, outcome: .undecided, exitStatus: nil, time: time))
            i = s.commands.count - 1
        }
        guard let i else { return }
        switch code {
        case .commandHeld:
            s.commands[i].held = true
        case .commandApproved:
            s.commands[i].approvedBy = f["approved_by"]?.arrayValue?.compactMap(\.stringValue) ?? []
        case .commandRefused:
            let by = f["by"]?.stringValue ?? r.actor ?? "unknown"
            let reason = f["reason"]?.stringValue
            s.commands[i].refusedBy = by
            s.commands[i].refusalReason = reason ?? f["reasons"]?.arrayValue?.compactMap(\.stringValue).last
            s.commands[i].outcome = reason == "withdrawn by the engineer" ? .withdrawn : .refused
        case .commandForwarded:
            s.commands[i].outcome = .ran
        case .commandFinished:
            s.commands[i].exitStatus = f["exit_status"]?.integerValue
        default:
            break
        }
    }
}
