import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Reports
import Testing

@Suite("Two-week review")
struct ReviewReportTests {
    @Test func oneContractWhoHadAccessAndOnWhatBasis() async throws {
        let s = try await Seeded.make()
        let r = try ReviewReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, contract: "prime co", countriesOfConcern: Seeded.concern)
        #expect(r.provenance.verified)
        #expect(r.contracts.map(\.name) == ["Prime Co"])
        let c = try #require(r.contracts.first)
        #expect(c.personnel == ["alice", "bob", "priya"])
        #expect(c.targets.map(\.target) == ["db-il5", "web-il4"])
        let db = c.targets[0]
        #expect(db.impactLevel == .il5)
        #expect(db.access.map(\.person) == ["alice", "priya"])
        let alice = db.access[0]
        #expect(alice.directSessions == 1 && alice.escortedSessions == 0 && alice.commandsRun == 2 && alice.escorts == ["bob"])
        #expect(alice.basis.count == 2)
        #expect(alice.basis[0] == "eligible directly under rule \"il5-direct\" (1 session)")
        #expect(alice.basis[1].hasPrefix("ticket T-ALICE001 (CHG-100, granted by root) valid 1 Nov 2026, 00:00 UTC to ") && alice.basis[1].hasSuffix(", used"))
        let priya = db.access[1]
        #expect(priya.basis[0] == "escorted under rule \"il4-il5-escorted\" (1 session)" && priya.escortedSessions == 1 && priya.commandsRun == 1)
        // Both execution modes are counted, against the export's session.started records.
        let started = s.evidence.records.filter { $0.code == "ESC-1001" }
        let mediated = Set(started.filter { $0.fields["execution"] == "mediated" }.compactMap(\.session))
        #expect(alice.mediatedSessions == 1 && priya.mediatedSessions == 1 && mediated == ["S1", "S2"], "\(mediated)")
        let all = try ReviewReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, contract: nil, countriesOfConcern: Seeded.concern)
        let holders = all.contracts.flatMap(\.targets).flatMap(\.access)
        let inPeriod = started.filter { ($0.session.map { ["S1", "S2", "S5", "S7"].contains($0) }) ?? false }
        #expect(holders.reduce(0) { $0 + $1.mediatedSessions } == inPeriod.filter { $0.fields["execution"] == "mediated" }.count)
        #expect(holders.reduce(0) { $0 + $1.agentlessSessions } == inPeriod.filter { $0.fields["execution"] == "agentless" }.count)
        #expect(holders.reduce(0) { $0 + $1.agentlessSessions } == 2)
        // Issue 19: the refused attempts are exceptions too (priya's, by the policy and by the escort).
        #expect(db.exceptions.map(\.kind) == ["approved-hold", "refused-by-policy", "refused-by-escort"], "\(db.exceptions)")
        #expect(db.exceptions[0].kind == "approved-hold" && db.exceptions[0].description.contains("cat /etc/shadow | head -1") && db.exceptions[0].description.hasSuffix("approved by bob"))
        // Checked against the audit export: every command.refused that is not a withdrawal.
        let refusedInLog = s.evidence.records.filter { $0.code == "ESC-2005" && $0.fields["reason"]?.stringValue != "withdrawn by the engineer" }
        #expect(r.contracts.flatMap(\.targets).flatMap(\.exceptions).filter { $0.kind.hasPrefix("refused-") }.count == refusedInLog.count)
        #expect(db.exceptions[1].person == "priya" && db.exceptions[1].description.contains("refused by the policy"), "\(db.exceptions[1])")
        #expect(db.exceptions[2].description.contains("sudo systemctl restart postgresql") && db.exceptions[2].description.contains("refused by bob"), "\(db.exceptions[2])")
        #expect(db.concernRefusals.isEmpty)
        // A ticket held but not used is still access.
        let web = c.targets[1]
        #expect(web.access.map(\.person) == ["alice"] && web.access[0].basis.count == 1)
        #expect(web.access[0].basis.first?.hasSuffix("not used in the period") == true)
        #expect(r.policyChanges.count == 1 && r.policyChanges[0].description.contains("aaaa → bbbb"))
        #expect(!r.policyChanges[0].description.contains("?"))
    }

    @Test func refusedConnectionsFromCountriesOfConcernAndKilledSessions() async throws {
        let s = try await Seeded.make()
        let r = try ReviewReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, contract: "CloudCo", countriesOfConcern: Seeded.concern)
        let c = try #require(r.contracts.first)
        #expect(c.targets.map(\.target) == ["db-il5", "web-il4", "wiki-il2"])
        #expect(c.targets[0].concernRefusals.map(\.id) == ["S3"])
        // wei held a ticket for IL5 but was refused every time: no ticket basis "used", and the
        // ticket granted to a citizen of a country of concern is flagged.
        let wei = try #require(c.targets[0].access.first { $0.person == "wei" })
        #expect(wei.basis.first == "none: every connection was refused", "\(wei.basis)")
        #expect(wei.basis.count == 2 && wei.basis[1].hasPrefix("ticket T-WEI001 (INC-9, granted by root)"), "\(wei.basis)")
        #expect(wei.basis[1].contains("held but every connection was refused") && !wei.basis[1].contains(", used"), "\(wei.basis)")
        #expect(wei.basis[1].contains("FLAGGED: granted for IL5 to a person tied to a country of concern (citizen of CN, resides in CN)"), "\(wei.basis)")
        #expect(c.targets[1].concernRefusals.map(\.id) == ["S4", "S6"])
        #expect(c.targets[1].access.map(\.refusedConnections) == [1, 1])
        #expect(c.targets[1].access[0].basis == ["none: every connection was refused"])
        #expect(c.targets[2].exceptions.map(\.kind) == ["session-killed"])
        #expect(c.targets[2].exceptions[0].description == "session ended by bob: work done")
        // At the time it was ended, not the session's start (the kill record's time).
        let kill = try #require(s.evidence.records.first { $0.code == "ESC-1012" && $0.session == "S5" })
        #expect(ReportTime.format(c.targets[2].exceptions[0].time) == ReportTime.format(try #require(ReportTime.parse(kill.time))))
        #expect(c.targets[2].exceptions[0].time > ReportTime.parse("2026-11-06T12:00:00Z")!)
    }

    @Test func allContractsAndUnknownOnes() async throws {
        let s = try await Seeded.make()
        let period = try Seeded.november
        let all = try ReviewReport(evidence: s.evidence, registry: s.registry, period: period, contract: nil, countriesOfConcern: Seeded.concern)
        #expect(all.contracts.map(\.name) == ["CloudCo", "Gov Services", "Prime Co"])
        do {
            _ = try ReviewReport(evidence: s.evidence, registry: s.registry, period: period, contract: "Nope", countriesOfConcern: Seeded.concern)
            Issue.record("an unknown contract must be an error")
        } catch {
            #expect(error.code == .unknownContract && error.message.contains("CloudCo, Gov Services, Prime Co"))
        }
    }

    @Test func renderedReviewSaysWhetherTheLogVerified() async throws {
        let s = try await Seeded.make()
        let r = try ReviewReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, contract: nil, countriesOfConcern: Seeded.concern)
        let html = r.html(generatedAt: Date(timeIntervalSince1970: 1_800_000_000)).text
        #expect(HTMLStructure.problem(in: html) == nil)
        #expect(html.contains("<strong class=\"ok\" id=\"verified\">yes</strong>"))
        #expect(html.contains("at \(s.evidence.provenance.treeSize) records"))
        #expect(html.components(separatedBy: "<h2 class=\"contract\">").count - 1 == 3)
        let json = r.json(generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        let log = try #require(o["audit_log"] as? [String: Any])
        #expect(log["verified"] as? Bool == true && log["checkpoint_tree_size"] as? Int == Int(s.evidence.provenance.treeSize))
        #expect((o["contracts"] as? [[String: Any]])?.count == 3)
    }

    @Test func periodsAndDates() throws {
        #expect(throws: ReportError.self) { try ReportTime.parseBound("2026-13-01", option: "from", endOfDay: false) }
        #expect(throws: ReportError.self) { try ReportPeriod(from: Date(timeIntervalSince1970: 10), to: Date(timeIntervalSince1970: 5)) }
        let end = try ReportTime.parseBound("2026-11-14", option: "to", endOfDay: true)
        #expect(ReportTime.format(end) == "2026-11-15T00:00:00Z")
        let p = ReportPeriod.lastFourteenDays(before: end)
        #expect(ReportTime.format(p.from) == "2026-11-01T00:00:00Z")
    }
}

@Suite("Report times")
struct ReportTimeTests {
    @Test(arguments: ["2026-11-23T11:26:31.123Z", "2026-11-23T11:26:31Z", "2024-02-29T00:00:00.000Z", "1999-12-31T23:59:59.999Z", "2026-01-01T00:00:00Z"])
    func recordTimesParseLikeTheFormatter(_ text: String) throws {
        let f = ISO8601DateFormatter()
        f.formatOptions = text.count == 24 ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        let expected = try #require(f.date(from: text))
        let fast = try #require(ReportTime.parse(text))
        #expect(abs(fast.timeIntervalSince(expected)) < 0.0005)
    }

    @Test func otherOffsetsStillParse() {
        #expect(ReportTime.parse("2026-11-23T12:26:31+01:00").map(ReportTime.format) == "2026-11-23T11:26:31Z")
        #expect(ReportTime.parse("yesterday") == nil)
    }

    /// Issue 19: the gateway's start record has no old and new SHA-256; the review said "SHA-256 ? → ?".
    @Test func aPolicyRecordIsDescribedByWhatItHolds() async throws {
        let s = try await Seeded.make()
        var evidence = s.evidence!
        let started = try #require(evidence.activity.policyChanges.first)
        var gateway = started
        gateway.actor = "gateway"
        gateway.fields = ["event": "gateway started", "policy": "policy.toml", "countries_of_concern": ["CN", "KP"], "listen": "0.0.0.0:2222"]
        evidence.activity.policyChanges = [gateway]
        let r = try ReviewReport(evidence: evidence, registry: s.registry, period: try Seeded.november, contract: nil, countriesOfConcern: Seeded.concern)
        let text = try #require(r.policyChanges.first?.description)
        #expect(!text.contains("?"), "\(text)")
        #expect(text == "gateway started by gateway: policy policy.toml; countries of concern CN (China), KP (North Korea)", "\(text)")
    }
}
