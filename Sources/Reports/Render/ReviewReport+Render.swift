import EscortCore
import Foundation

extension ReviewReport {
    /// The review as one HTML page.
    public func html(generatedAt: Date) -> ReportDocument {
        let scope = contracts.count == 1 ? "contract \(contracts[0].name)" : "all contracts"
        let title = "Two-week review of \(scope), \(ReportTime.day(period.from)) to \(ReportTime.day(period.to.addingTimeInterval(-1)))"
        var b: [String] = []
        b.append("<h2 id=\"verification\">Audit log</h2>")
        b.append(HTML.provenance(provenance))
        b.append("<p>Audit log verified over the period: <strong class=\"\(provenance.verified ? "ok" : "bad")\" id=\"verified\">\(provenance.verified ? "yes" : "NO")</strong>, against the signed checkpoint of \(HTML.time(provenance.time)) at \(provenance.treeSize) records.</p>")
        b.append("<p>Period: \(HTML.period(period)) (end excluded). Countries of concern (from the policy): \(HTML.countries(countriesOfConcern)).</p>")
        if !policyChanges.isEmpty {
            b.append("<h2 id=\"policy-changes\">Policy changes in the period</h2>")
            b.append(HTML.table(["Time", "Change"], policyChanges.map { [HTML.time($0.time), HTML.escape($0.description)] }))
        }
        for c in contracts {
            b.append("<h2 class=\"contract\">Contract: \(HTML.escape(c.name))</h2>")
            b.append("<p>Registered personnel: \(HTML.escape(c.personnel.isEmpty ? "none" : c.personnel.joined(separator: ", "))).</p>")
            if c.targets.isEmpty { b.append("<p>No access to any target in the period (no sessions, no tickets).</p>") }
            for t in c.targets {
                b.append("<h3 class=\"target\">\(HTML.escape(t.target)) (\(HTML.escape(t.impactLevel?.rawValue ?? "unknown level")))</h3>")
                b.append(HTML.table(
                    ["Person", "Citizenship and residence", "Basis", "#Direct", "#Escorted", "#Refused", "#Mediated (escort-agent)", "#Agentless", "#Commands run", "Escorts"],
                    t.access.map { a in
                        [
                            "\(HTML.escape(a.displayName)) (<code>\(HTML.escape(a.person))</code>)", HTML.escape(a.profile),
                            a.basis.map(HTML.escape).joined(separator: "<br>"), "\(a.directSessions)", "\(a.escortedSessions)",
                            "\(a.refusedConnections)", "\(a.mediatedSessions)", "\(a.agentlessSessions)", "\(a.commandsRun)",
                            HTML.escape(a.escorts.joined(separator: ", ")),
                        ]
                    }, caption: "Who had access"))
                if t.exceptions.isEmpty {
                    b.append("<p>Policy exceptions: none.</p>")
                } else {
                    b.append(HTML.table(
                        ["Time", "Kind", "Person", "Session", "What"],
                        t.exceptions.map { e in
                            [HTML.time(e.time), HTML.escape(e.kind), HTML.escape(e.person ?? ""), "<code>\(HTML.escape(e.session ?? ""))</code>", HTML.escape(e.description)]
                        }, caption: "Policy exceptions"))
                }
                if t.concernRefusals.isEmpty {
                    b.append("<p>Refused connections from countries of concern: none.</p>")
                } else {
                    b.append(HTML.table(
                        ["Time", "Person", "Located", "Reason"],
                        t.concernRefusals.map { s in
                            [HTML.time(s.time), HTML.escape(s.person), HTML.countries([s.effectiveLocation ?? "unknown"]), HTML.escape(s.reasons.last ?? "")]
                        }, caption: "Refused connections from countries of concern"))
                }
            }
        }
        let line = GeneratedAt.html(generatedAt)
        return ReportDocument(kind: "review", format: "html", bytes: Array(HTML.page(title: title, generatedAt: line, body: b).utf8), generatedAtLine: line, provenance: provenance)
    }

    /// The review as JSON (sorted keys; `generated_at` on a line of its own).
    public func json(generatedAt: Date) -> ReportDocument {
        func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
        func exception(_ e: PolicyException) -> JSONValue {
            .object([
                "kind": .string(e.kind), "time": .string(ReportTime.format(e.time)), "session": e.session.map { .string($0) } ?? .null,
                "person": e.person.map { .string($0) } ?? .null, "description": .string(e.description),
            ])
        }
        let value: JSONValue = .object([
            "report": "review",
            "generated_at": .string(ReportTime.format(generatedAt)),
            "period": .object(["from": .string(ReportTime.format(period.from)), "to": .string(ReportTime.format(period.to))]),
            "countries_of_concern": strings(countriesOfConcern),
            "audit_log": .object([
                "verified": .bool(provenance.verified), "verification": .string(provenance.verification),
                "checkpoint_tree_size": .integer(provenance.treeSize), "checkpoint_root": .string(provenance.root),
                "checkpoint_time": .string(provenance.time), "checkpoint_key": .string(provenance.key),
            ]),
            "policy_changes": .array(policyChanges.map(exception)),
            "contracts": .array(contracts.map { c in
                .object([
                    "name": .string(c.name), "personnel": strings(c.personnel),
                    "targets": .array(c.targets.map { t in
                        .object([
                            "name": .string(t.target), "impact_level": t.impactLevel.map { .string($0.rawValue) } ?? .null,
                            "access": .array(t.access.map { a in
                                .object([
                                    "person": .string(a.person), "display_name": .string(a.displayName), "profile": .string(a.profile),
                                    "basis": strings(a.basis), "direct_sessions": .integer(Int64(a.directSessions)),
                                    "escorted_sessions": .integer(Int64(a.escortedSessions)),
                                    "refused_connections": .integer(Int64(a.refusedConnections)),
                                    "mediated_sessions": .integer(Int64(a.mediatedSessions)), "agentless_sessions": .integer(Int64(a.agentlessSessions)),
                                    "commands_run": .integer(Int64(a.commandsRun)), "escorts": strings(a.escorts),
                                ])
                            }),
                            "exceptions": .array(t.exceptions.map(exception)),
                            "concern_refusals": .array(t.concernRefusals.map { s in
                                .object([
                                    "session": .string(s.id), "time": .string(ReportTime.format(s.time)), "person": .string(s.person),
                                    "location": s.effectiveLocation.map { .string($0) } ?? .null, "reasons": strings(s.reasons),
                                ])
                            }),
                        ])
                    }),
                ])
            }),
        ])
        let line = "  \"generated_at\": \(JSONValue.string(ReportTime.format(generatedAt)).encodedString()),"
        return ReportDocument(kind: "review", format: "json", bytes: Array(PrettyJSON.render(value).utf8), generatedAtLine: line, provenance: provenance)
    }
}
