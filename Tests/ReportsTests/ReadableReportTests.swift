import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Reports
import Testing

/// Reports for people: dates they can read with the zone named (the machine value kept only in
/// `<time datetime>`), and how the admitted sessions ran (mediated or agentless), counted
/// independently from the log's records.
@Suite("Reports: readable times and execution modes")
struct ReadableReportTests {
    /// The text a reader sees: tags (and so their attributes) removed.
    static func visibleText(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
    }

    static func rawTimestamps(_ html: String) -> [String] {
        let text = visibleText(html)
        let regex = try! NSRegularExpression(pattern: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"#)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
    }

    @Test func htmlReportsShowNoRawUTCTimestamps() async throws {
        let s = try await Seeded.make()
        let generated = Date(timeIntervalSince1970: 1_800_000_000)
        let exposure = ExposureReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, levels: .all, countriesOfConcern: Seeded.concern)
            .html(generatedAt: generated).text
        let review = try ReviewReport(evidence: s.evidence, registry: s.registry, period: try Seeded.november, contract: nil, countriesOfConcern: Seeded.concern)
            .html(generatedAt: generated).text
        for (name, html) in [("exposure", exposure), ("review", review)] {
            #expect(Self.rawTimestamps(html).isEmpty, "\(name) shows raw timestamps: \(Self.rawTimestamps(html))")
            // The period and the checkpoint are written for people, zone named; machines read the attribute.
            #expect(html.contains("Period: <time datetime=\"2026-11-01T00:00:00Z\">1 Nov 2026, 00:00 UTC</time> to <time datetime=\"2026-11-15T00:00:00Z\">15 Nov 2026, 00:00 UTC</time>"), "\(name)")
            let checkpoint = try #require(ReportTime.parse(s.evidence.provenance.time))
            #expect(html.contains(ReportTime.readable(checkpoint)), "\(name) lacks the checkpoint's time")
        }
        #expect(ReportTime.readable(try #require(ReportTime.parse("2026-11-02T09:05:59.999Z"))) == "2 Nov 2026, 09:05 UTC")
    }

    @Test func executionModesAreCountedFromSessionStarted() async throws {
        let s = try await Seeded.make()
        let period = try Seeded.november
        // Independently: admitted sessions are those with a session.started record in the period.
        var mediated = 0, agentless = 0
        for r in s.evidence.records where r.code == AuditEventCode.sessionStarted.code {
            guard let t = ReportTime.parse(r.time), period.contains(t) else { continue }
            switch r.fields["execution"]?.stringValue {
            case "mediated": mediated += 1
            case "agentless": agentless += 1
            default: break
            }
        }
        #expect(mediated > 0 && agentless > 0, "the fixture has both modes")
        let r = ExposureReport(evidence: s.evidence, registry: s.registry, period: period, levels: .all, countriesOfConcern: Seeded.concern)
        #expect(r.totals.mediatedSessions == mediated && r.totals.agentlessSessions == agentless)
        #expect(r.totals.mediatedSessions + r.totals.agentlessSessions == r.totals.directSessions + r.totals.escortedSessions)
        let html = r.html(generatedAt: Date()).text
        #expect(html.contains("How admitted sessions ran: \(mediated) mediated under escort-agent"), "\(html)")
        let json = try JSONParser.parse(r.json(generatedAt: Date()).bytes)
        #expect(json["totals"]?["mediated_sessions"]?.integerValue == Int64(mediated), "\(String(describing: json["totals"]))")
        #expect(json["totals"]?["agentless_sessions"]?.integerValue == Int64(agentless))

        let controls = ControlsReport(evidence: s.evidence, registry: s.registry, training: [], policy: ControlsReportTests.policy, period: period)
        let ac17 = try #require(controls.controls.first { $0.id == "ac-17" })
        #expect(ac17.evidence.contains { $0.contains("\(mediated) mediated under escort-agent") && $0.contains("\(agentless) agentless") }, "\(ac17.evidence)")
    }
}
