import Foundation

extension ExposureReport {
    /// The report as one HTML page (inline CSS and SVG; no JavaScript, no external assets).
    public func html(generatedAt: Date) -> ReportDocument {
        let title = "Contractor exposure report, \(ReportTime.day(period.from)) to \(ReportTime.day(period.to.addingTimeInterval(-1)))"
        var b: [String] = []
        b.append(HTML.provenance(provenance))
        b.append("<p>Period: \(HTML.period(period)) (end excluded). Impact levels: <strong>\(HTML.escape(levels.description))</strong>. Countries of concern (from the policy): <strong>\(HTML.countries(countriesOfConcern))</strong>.</p>")

        // The front page.
        b.append("<h2 id=\"answer\">Contractors with personnel tied to a country of concern on systems at IL4 or above</h2>")
        if concernFindings.isEmpty {
            b.append("<p class=\"answer\" id=\"answer-none\">None. In this period no person who is a citizen or resident of a country of concern, or who was located in or connected from one, touched or tried to touch a system at IL4 or above.</p>")
        } else {
            b.append("<p class=\"answer\">\(concernFindings.count) contractor(s) had personnel who are citizens or residents of a country of concern, or were located in or connected from one, touch or try to touch a system at IL4 or above in this period (refused connections count).</p>")
            b.append(HTML.table(
                ["Contractor", "Personnel", "Ties", "IL4+ systems", "#Attempts", "#Refused connections", "#Sessions", "#Commands run", "#Held", "#Refused commands"],
                concernFindings.map { f in
                    [
                        HTML.escape(f.contractor), f.personnel.map(HTML.escape).joined(separator: "<br>"),
                        f.ties.map(HTML.escape).joined(separator: "<br>"), HTML.escape(f.targets.joined(separator: ", ")),
                        "\(f.counts.attempts)", "\(f.counts.refusedConnections)", "\(f.counts.directSessions + f.counts.escortedSessions)",
                        "\(f.counts.commandsRun)", "\(f.counts.commandsHeld)", "\(f.counts.commandsRefused)",
                    ]
                }))
        }

        b += trainingSectionHTML()

        // Totals and charts.
        b.append("<h2 id=\"totals\">Totals</h2>")
        b.append(HTML.table(
            ["#Contractors", "#People", "#Connection attempts", "#Direct sessions", "#Escorted sessions", "#Refused connections", "#Commands run", "#Held", "#Refused commands", "#Withdrawn", "#Mediated sessions", "#Agentless sessions"],
            [[
                "\(contractors.count)", "\(contractors.reduce(0) { $0 + $1.people.count })", "\(totals.attempts)", "\(totals.directSessions)",
                "\(totals.escortedSessions)", "\(totals.refusedConnections)", "\(totals.commandsRun)", "\(totals.commandsHeld)",
                "\(totals.commandsRefused)", "\(totals.commandsWithdrawn)", "\(totals.mediatedSessions)", "\(totals.agentlessSessions)",
            ]]))
        b.append("<p id=\"execution\">How admitted sessions ran: \(totals.mediatedSessions) mediated under escort-agent, where every program start inside the session is checked against what was decided; \(totals.agentlessSessions) agentless, where the gateway sees only what is typed.</p>")
        b.append(HTML.table(["Risk", "#Commands"], totals.riskProfile.map { [HTML.risk($0.level == "unrated" ? nil : $0.level), "\($0.count)"] }, caption: "Risk profile of every command"))
        b.append(SVGChart.stackedBars(
            title: "Connections per \(bucketSize): direct, escorted, refused", labels: series.map(\.start),
            series: [
                .init(name: "direct", colour: "#2da44e", values: series.map(\.direct)),
                .init(name: "escorted", colour: "#bf8700", values: series.map(\.escorted)),
                .init(name: "refused", colour: "#cf222e", values: series.map(\.refused)),
            ]))
        if !contractors.isEmpty {
            b.append(SVGChart.groupedBars(
                title: "Commands per contractor: run, held, refused", labels: contractors.map(\.name),
                series: [
                    .init(name: "run", colour: "#2da44e", values: contractors.map(\.counts.commandsRun)),
                    .init(name: "held", colour: "#bf8700", values: contractors.map(\.counts.commandsHeld)),
                    .init(name: "refused", colour: "#cf222e", values: contractors.map(\.counts.commandsRefused)),
                ]))
        }

        // By contractor.
        b.append("<h2 id=\"contractors\">By contractor</h2>")
        if contractors.isEmpty { b.append("<p>No connections in this period.</p>") }
        for c in contractors {
            b.append("<h3 class=\"contractor\">\(HTML.escape(c.name))</h3>")
            for p in c.people {
                let ties = p.concernTies.isEmpty ? "" : " <span class=\"bad\">Tied to a country of concern: \(HTML.escape(p.concernTies.joined(separator: "; ")))</span>"
                b.append("<h4 class=\"person\">\(HTML.escape(p.displayName)) (<code>\(HTML.escape(p.name))</code>), employed by \(HTML.escape(p.employer)), under prime contractor \(HTML.escape(c.name))</h4>")
                b.append("<p>Citizenship: \(HTML.countries(p.citizenships)); residence: \(HTML.countries([p.residence])); located at sessions: \(HTML.countries(p.locations))\(ties)</p>")
                for t in p.targets {
                    b.append("<p><strong>\(HTML.escape(t.target))</strong> (\(HTML.escape(t.impactLevel?.rawValue ?? "unknown level"))): \(t.counts.attempts) connection(s), \(t.counts.commandsRun) command(s) run, \(t.counts.commandsHeld) held, \(t.counts.commandsRefused) refused; admitted sessions ran \(t.counts.mediatedSessions) mediated, \(t.counts.agentlessSessions) agentless.</p>")
                    b.append(HTML.table(
                        ["Session", "Time", "Access", "Located", "Escorts", "Commands (outcome, risk)"],
                        t.sessions.map { s in
                            let how: String
                            switch s.decision {
                            case "escorted": how = "escorted" + (s.rule.map { " (\(HTML.escape($0)))" } ?? "")
                            case "direct": how = "direct" + (s.rule.map { " (\(HTML.escape($0)))" } ?? "")
                            default: how = "<span class=\"bad\">refused</span>: " + HTML.escape(s.reasons.last ?? "")
                            }
                            let ran = s.wasAdmitted ? (s.execution.map { ", " + HTML.escape($0) } ?? "") : ""
                            let commands = s.commands.map { c in
                                var line = "<code>\(HTML.escape(c.command))</code> — \(c.outcome.rawValue)"
                                if c.held { line += ", held" }
                                if !c.approvedBy.isEmpty { line += ", approved by \(HTML.escape(c.approvedBy.joined(separator: " and ")))" }
                                if let by = c.refusedBy, c.outcome != .ran { line += " by \(HTML.escape(by))" }
                                return line + ", " + HTML.risk(c.risk)
                            }
                            return [
                                "<code>\(HTML.escape(s.id))</code>", HTML.time(s.time), how + ran,
                                HTML.countries([s.effectiveLocation ?? "unknown"]) + (s.sourceCountry.map { " (address in \(HTML.countries([$0])))" } ?? ""),
                                HTML.escape((s.escorts + s.reviewers.map { "\($0) (reviewer)" }).joined(separator: ", ")),
                                commands.isEmpty ? "none" : commands.joined(separator: "<br>"),
                            ]
                        }))
                }
            }
        }
        let text = HTML.page(title: title, generatedAt: GeneratedAt.html(generatedAt), body: b)
        return ReportDocument(kind: "exposure", format: "html", bytes: Array(text.utf8), generatedAtLine: GeneratedAt.html(generatedAt), provenance: provenance)
    }
}
