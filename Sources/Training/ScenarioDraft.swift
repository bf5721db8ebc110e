import EscortCore
import Foundation

/// A training scenario drafted from a recorded session: its commands, in order, each with the
/// decision the session actually got (ran or approved → approve; refused by policy or by an
/// escort → refuse) and the recorded reason, for a trainer to review, give context and ship.
///
/// The draft is only as right as the decisions that were made: an approved command that should
/// have been refused stays "approve" until the trainer changes it, which is why the file says
/// where each answer came from.
public enum ScenarioDraft {
    /// One audit record of the session: its dotted event name and fields.
    public struct Event: Sendable {
        public var event: String
        public var fields: [String: JSONValue]
        public init(event: String, fields: [String: JSONValue]) {
            self.event = event
            self.fields = fields
        }
    }

    /// The scenario file (pretty JSON) for the session's events, checked by the same parser as
    /// every scenario file.
    ///
    /// - Throws: ``TrainingError`` `.malformedScenario` when the session holds no decided command,
    ///   or not at least one of each answer (a scenario needs both).
    public static func make(session: String, events: [Event], id: String, title: String?, set: String) throws(TrainingError) -> [UInt8] {
        var started: [String: JSONValue] = [:]
        var commands: [Int64: String] = [:]
        var order: [Int64] = []
        var outcome: [Int64: (TrainingAnswer, String)] = [:]
        for e in events {
            let f = e.fields
            if e.event == "session.started" { started = f }
            guard let n = f["n"]?.integerValue else { continue }
            if let c = f["command"]?.stringValue, commands[n] == nil {
                commands[n] = c
                order.append(n)
            }
            switch e.event {
            case "command.forwarded":
                let by = f["approved_by"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let risk = f["risk"]?.stringValue ?? "?"
                outcome[n] = (.approve, by.isEmpty
                    ? "It ran without a hold (risk \(risk)): \(f["summary"]?.stringValue ?? "")"
                    : "Approved by \(by.joined(separator: " and ")) in the recorded session (risk \(risk)).")
            case "command.approved":
                let by = f["approved_by"]?.arrayValue?.compactMap(\.stringValue) ?? []
                outcome[n] = (.approve, "Approved by \(by.joined(separator: " and ")) in the recorded session.")
            case "command.refused":
                let by = f["by"]?.stringValue ?? "?"
                let reason = f["reason"]?.stringValue
                    ?? (f["reasons"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ")).flatMap { $0.isEmpty ? nil : $0 }
                    ?? f["summary"]?.stringValue ?? ""
                // Withdrawn by the engineer or refused for syntax: no decision to learn from.
                if reason == "withdrawn by the engineer" || by == "analyser" { outcome[n] = nil; continue }
                outcome[n] = (.refuse, "Refused by \(by == "policy" ? "the policy" : by) in the recorded session: \(reason)")
            default:
                continue
            }
        }
        let decided = order.filter { outcome[$0] != nil }
        guard !decided.isEmpty else {
            throw TrainingError(.malformedScenario, "session \(session) holds no decided command to train on")
        }
        let decisions: [Any] = decided.map { n in
            let (answer, why) = outcome[n]!
            return [
                "id": String(format: "d%02lld", n), "context": "Command \(n) of session \(session) (add what the engineer said they were doing).",
                "command": commands[n] ?? "", "expected": answer.rawValue, "why": why,
            ] as [String: Any]
        }
        let target = started["target"]?.stringValue ?? "unknown"
        let level = started["impact_level"]?.stringValue ?? "IL4"
        let engineer = started["engineer"]?.stringValue ?? "an engineer"
        let scenario: [String: Any] = [
            "format": "escort-training-scenario", "version": 1, "id": id, "set": set,
            "title": title ?? "Recorded session \(session)",
            "summary": "Drafted from the recorded session \(session): \(engineer) on \(target) (\(level)). Review every answer and add context before use.",
            "target": target, "impact_level": level, "validity_days": 365, "decisions": decisions,
        ]
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: scenario, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw TrainingError(.malformedScenario, "the draft could not be written as JSON: \(error)")
        }
        let bytes = [UInt8](data) + [0x0A]
        _ = try TrainingScenario.parse(bytes)  // the same checks as any shipped scenario (both answers present, names valid)
        return bytes
    }
}
