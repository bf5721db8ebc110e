import EscortCore
import Foundation

extension ExposureReport {
    /// The CSV columns: one row per connection attempt (session).
    public static let csvColumns = [
        "contractor", "person", "display_name", "employer", "citizenships", "residence", "location", "source_country",
        "concern_ties", "target", "impact_level", "session", "time", "access", "rule", "escorts", "reviewers",
        "commands_run", "commands_held", "commands_refused", "commands_withdrawn", "risk_none", "risk_low", "risk_medium",
        "risk_high", "risk_critical", "checkpoint_size", "checkpoint_root", "verified",
    ]

    /// One row per connection attempt. CSV has no generated-at line: the file is fully reproducible,
    /// and every row names the checkpoint its figures come from.
    public func csv() -> ReportDocument {
        var lines = [Self.csvColumns.joined(separator: ",")]
        for c in contractors {
            for p in c.people {
                for t in p.targets {
                    for s in t.sessions {
                        var counts = ExposureCounts()
                        counts.add(s)
                        let row: [String] = [
                            c.name, p.name, p.displayName, p.employer, p.citizenships.joined(separator: ";"), p.residence,
                            s.effectiveLocation ?? "", s.sourceCountry ?? "",
                            s.concernTies.joined(separator: ";"),
                            t.target, t.impactLevel?.rawValue ?? "", s.id, ReportTime.format(s.time), s.decision, s.rule ?? "",
                            s.escorts.joined(separator: ";"), s.reviewers.joined(separator: ";"),
                            "\(counts.commandsRun)", "\(counts.commandsHeld)", "\(counts.commandsRefused)", "\(counts.commandsWithdrawn)",
                            "\(counts.risk["none"] ?? 0)", "\(counts.risk["low"] ?? 0)", "\(counts.risk["medium"] ?? 0)",
                            "\(counts.risk["high"] ?? 0)", "\(counts.risk["critical"] ?? 0)",
                            "\(provenance.treeSize)", provenance.root, provenance.verified ? "true" : "false",
                        ]
                        lines.append(row.map(Self.csvField).joined(separator: ","))
                    }
                }
            }
        }
        return ReportDocument(kind: "exposure", format: "csv", bytes: Array((lines.joined(separator: "\r\n") + "\r\n").utf8), generatedAtLine: nil, provenance: provenance)
    }

    /// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is prefixed with `'` so that a spreadsheet
    /// never runs a command line as a formula.
    static func csvField(_ s: String) -> String {
        var v = s
        if let f = v.first, "=+-@".contains(f) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The report as JSON (sorted keys; `generated_at` on a line of its own).
    public func json(generatedAt: Date) -> ReportDocument {
        func counts(_ c: ExposureCounts) -> JSONValue {
            .object([
                "attempts": .integer(Int64(c.attempts)), "direct_sessions": .integer(Int64(c.directSessions)),
                "escorted_sessions": .integer(Int64(c.escortedSessions)), "refused_connections": .integer(Int64(c.refusedConnections)),
                "commands_run": .integer(Int64(c.commandsRun)), "commands_held": .integer(Int64(c.commandsHeld)),
                "commands_refused": .integer(Int64(c.commandsRefused)), "commands_withdrawn": .integer(Int64(c.commandsWithdrawn)),
                "mediated_sessions": .integer(Int64(c.mediatedSessions)), "agentless_sessions": .integer(Int64(c.agentlessSessions)),
                "risk": .object(Dictionary(uniqueKeysWithValues: c.riskProfile.map { ($0.level, JSONValue.integer(Int64($0.count))) })),
            ])
        }
        func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
        func session(_ s: SessionActivity) -> JSONValue {
            .object([
                "id": .string(s.id), "time": .string(ReportTime.format(s.time)), "access": .string(s.decision),
                "execution": s.execution.map { .string($0) } ?? .null,
                "rule": s.rule.map { .string($0) } ?? .null, "reasons": strings(s.reasons), "tickets": strings(s.tickets),
                "location": s.effectiveLocation.map { .string($0) } ?? .null, "source_country": s.sourceCountry.map { .string($0) } ?? .null,
                "escorts": strings(s.escorts), "reviewers": strings(s.reviewers),
                "commands": .array(s.commands.map { c in
                    .object([
                        "n": .integer(c.number), "command": .string(c.command), "risk": c.risk.map { .string($0) } ?? .null,
                        "ruling": c.ruling.map { .string($0) } ?? .null, "held": .bool(c.held), "approved_by": strings(c.approvedBy),
                        "refused_by": c.refusedBy.map { .string($0) } ?? .null, "outcome": .string(c.outcome.rawValue),
                        "exit_status": c.exitStatus.map { .integer($0) } ?? .null,
                    ])
                }),
            ])
        }
        let value: JSONValue = .object([
            "report": "exposure",
            "generated_at": .string(ReportTime.format(generatedAt)),
            "period": .object(["from": .string(ReportTime.format(period.from)), "to": .string(ReportTime.format(period.to))]),
            "impact_levels": .string(levels.description),
            "countries_of_concern": strings(countriesOfConcern),
            "checkpoint": .object([
                "tree_size": .integer(provenance.treeSize), "root": .string(provenance.root), "time": .string(provenance.time),
                "key": .string(provenance.key), "verified": .bool(provenance.verified), "verification": .string(provenance.verification),
            ]),
            "concern_findings": .array(concernFindings.map { f in
                .object([
                    "contractor": .string(f.contractor), "people": strings(f.people), "personnel": strings(f.personnel), "ties": strings(f.ties),
                    "targets": strings(f.targets), "counts": counts(f.counts),
                ])
            }),
            "escort_training": .array(escortTraining.map { e in
                func date(_ d: Date?) -> JSONValue { d.map { .string(ReportTime.format($0)) } ?? .null }
                func percent(_ p: Int?) -> JSONValue { p.map { .integer(Int64($0)) } ?? .null }
                return .object([
                    "name": .string(e.name), "display_name": .string(e.displayName), "employer": .string(e.employer),
                    "contractor": .string(e.contractor), "standing": .string(e.standing.rawValue),
                    "registry_training_expires": date(e.registryExpires), "training_earned_until": date(e.training.earnedUntil),
                    "sets_passed": strings(e.training.setsPassed), "last_pass": date(e.training.lastPass),
                    "passes": .array(e.training.passes.map { p in
                        .object([
                            "scenario": .string(p.scenario), "set": .string(p.set), "time": .string(ReportTime.format(p.time)),
                            "catches": .integer(Int64(p.catches)), "malicious": .integer(Int64(p.malicious)),
                            "false_alarms": .integer(Int64(p.falseAlarms)), "routine": .integer(Int64(p.routine)),
                        ])
                    }),
                    "catch_percent": percent(e.training.catchPercent), "false_alarm_percent": percent(e.training.falseAlarmPercent),
                    "runs_refused_as_too_fast": .integer(Int64(e.training.refusedRuns)), "sessions_watched": .integer(Int64(e.sessionsWatched)),
                    "approved": .integer(Int64(e.approved)), "refused": .integer(Int64(e.refused)), "approved_risky": strings(e.approvedRisky),
                ])
            }),
            "totals": counts(totals),
            "series": .object([
                "bucket": .string(bucketSize),
                "buckets": .array(series.map { .object(["start": .string($0.start), "direct": .integer(Int64($0.direct)), "escorted": .integer(Int64($0.escorted)), "refused": .integer(Int64($0.refused))]) }),
            ]),
            "contractors": .array(contractors.map { c in
                .object([
                    "name": .string(c.name), "counts": counts(c.counts),
                    "people": .array(c.people.map { p in
                        .object([
                            "name": .string(p.name), "display_name": .string(p.displayName), "employer": .string(p.employer),
                            "citizenships": strings(p.citizenships), "residence": .string(p.residence), "locations": strings(p.locations),
                            "concern_ties": strings(p.concernTies), "counts": counts(p.counts),
                            "targets": .array(p.targets.map { t in
                                .object([
                                    "name": .string(t.target), "impact_level": t.impactLevel.map { .string($0.rawValue) } ?? .null,
                                    "counts": counts(t.counts), "sessions": .array(t.sessions.map(session)),
                                ])
                            }),
                        ])
                    }),
                ])
            }),
        ])
        let text = PrettyJSON.render(value)
        let line = "  \"generated_at\": \(JSONValue.string(ReportTime.format(generatedAt)).encodedString()),"
        return ReportDocument(kind: "exposure", format: "json", bytes: Array(text.utf8), generatedAtLine: line, provenance: provenance)
    }
}
