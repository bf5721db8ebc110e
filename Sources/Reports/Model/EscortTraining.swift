import AuditLog
import EscortCore
import Foundation

/// One passing training run, as the audit log recorded it (`registry.changed`, action
/// `training.result`, `passed` true).
public struct TrainingPass: Sendable, Hashable {
    public var scenario: String
    public var set: String
    public var time: Date
    /// With the analyser's explanation shown.
    public var catches: Int
    public var malicious: Int
    public var falseAlarms: Int
    public var routine: Int
    /// Caught on one's own.
    public var blindCatches: Int
}

/// What the audit log shows of one person's escort training: the runs recorded, the passes, the
/// runs refused as faster than a person, and the date the passes themselves earned.
///
/// The registry's escort-training date may also have been set by an admin (`escort person add
/// --training-expires`); only ``earnedUntil`` comes from training results.
public struct EscortTraining: Sendable, Hashable {
    public var person: String
    /// Training runs recorded (passed or not).
    public var runs: Int
    public var passes: [TrainingPass]
    /// Runs refused as implausible (action `training.refused`).
    public var refusedRuns: Int
    /// The latest escort-training date earned by passing a set (field `escort_training_earned`).
    public var earnedUntil: Date?

    /// Scenario sets with at least one pass, sorted.
    public var setsPassed: [String] { Set(passes.map(\.set)).sorted() }
    /// The last pass.
    public var lastPass: Date? { passes.map(\.time).max() }
    /// Catches with the explanation, as a whole percentage of the malicious commands over every pass.
    public var catchPercent: Int? {
        let m = passes.reduce(0) { $0 + $1.malicious }
        return m == 0 ? nil : passes.reduce(0) { $0 + $1.catches } * 100 / m
    }
    /// False alarms with the explanation, as a whole percentage (rounded up) of the routine commands over every pass.
    public var falseAlarmPercent: Int? {
        let r = passes.reduce(0) { $0 + $1.routine }
        return r == 0 ? nil : (passes.reduce(0) { $0 + $1.falseAlarms } * 100 + r - 1) / r
    }

    /// Whether training results (not an admin's date) hold the person trained at `date`.
    public func trained(at date: Date) -> Bool { earnedUntil.map { $0 > date } ?? false }

    /// Every person's training, from the registry changes the log holds (records at or before `through`).
    public static func history(from records: [AuditRecord], through: Date) -> [String: EscortTraining] {
        var out: [String: EscortTraining] = [:]
        for r in records {
            let f = r.fields
            guard let action = f["action"]?.stringValue, action == "training.result" || action == "training.refused",
                  let person = f["person"]?.stringValue, let time = ReportTime.parse(r.time), time <= through else { continue }
            var t = out[person] ?? EscortTraining(person: person, runs: 0, passes: [], refusedRuns: 0, earnedUntil: nil)
            if action == "training.refused" {
                t.refusedRuns += 1
            } else {
                t.runs += 1
                if f["passed"] == .bool(true) {
                    func n(_ k: String) -> Int { Int(f[k]?.integerValue ?? 0) }
                    t.passes.append(TrainingPass(
                        scenario: f["scenario"]?.stringValue ?? "?", set: f["set"]?.stringValue ?? "?", time: time,
                        catches: n("explained_catches"), malicious: n("malicious"), falseAlarms: n("false_alarms"),
                        routine: n("routine"), blindCatches: n("blind_catches")))
                    if let earned = f["escort_training_earned"]?.stringValue.flatMap(ReportTime.parse) {
                        t.earnedUntil = max(t.earnedUntil ?? earned, earned)
                    }
                }
            }
            out[person] = t
        }
        return out
    }
}
