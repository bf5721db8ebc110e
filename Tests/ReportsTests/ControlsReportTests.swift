import EscortCore
import EscortTesting
import Foundation
import Reports
import Store
import Testing

/// Where the OSCAL validation tools are (installed by scripts/setup.sh).
enum OSCALTools {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let python = root + "/.venv-tools/bin/python3"
    static let schema = root + "/.venv-tools/oscal/oscal_complete_schema-1.2.3.json"
    static let script = root + "/scripts/validate-oscal.py"
    static var pythonInstalled: Bool { ChildProcess.which("python3") != nil }
}

@Suite("Control evidence")
struct ControlsReportTests {
    static let policy = PolicyFacts(
        sha256: String(repeating: "ab", count: 32), countriesOfConcern: ["CN", "IR", "KP", "RU"], locationEnforcedFrom: "IL4",
        accessRules: 9, escortRules: 2, reviewerRules: 2, forwardingRefused: true)

    func report(_ s: Seeded, training: [StoredTrainingResult] = []) throws -> ControlsReport {
        ControlsReport(evidence: s.evidence, registry: s.registry, training: training, policy: Self.policy, period: try Seeded.november)
    }

    @Test func evidenceFiguresAndStatuses() async throws {
        let s = try await Seeded.make()
        let r = try report(s)
        #expect(r.controls.map(\.id) == ControlsReport.controlIDs)
        func control(_ id: String) throws -> ControlEvidence { try #require(r.controls.first { $0.id == id }) }
        #expect(try control("ac-3").evidence[0] == "7 connection attempts from 2026-11-01T00:00:00Z to 2026-11-15T00:00:00Z: 1 direct, 3 escorted, 3 refused by policy.")
        #expect(try control("ac-3").evidence[1] == "8 commands: 5 run, 3 held for a person, 2 refused.")
        #expect(try control("ac-3").satisfied)
        #expect(try control("ac-5").evidence[0] == "Approvals of a person's own commands: 0.")
        #expect(try control("ps-3").satisfied && control("ps-3").evidence[0].hasPrefix("1 registered people"))
        #expect(try control("au-9").satisfied && control("au-9").evidence[0].contains("verified"))
        #expect(try control("at-3").satisfied && control("at-3").evidence[0].hasPrefix("1 of 1 escorts"))
        #expect(try control("ps-7").evidence == [
            "CloudCo: 2 people, 4 connection attempts, 1 commands run.",
            "Gov Services: 1 people, 1 connection attempts, 1 commands run.",
            "Prime Co: 3 people, 2 connection attempts, 3 commands run.",
        ])
    }

    @Test func expiredEscortTrainingIsAGap() async throws {
        let s = try await Seeded.make()
        var registry = s.registry!
        registry.people["bob"]?.escortTrainingExpires = ReportTime.parse("2026-11-10T00:00:00Z")
        let r = ControlsReport(evidence: s.evidence, registry: registry, training: [], policy: Self.policy, period: try Seeded.november)
        let at3 = try #require(r.controls.first { $0.id == "at-3" })
        #expect(!at3.satisfied && at3.gap?.contains("1 escort(s) without unexpired training") == true)
        #expect(r.oscal(generatedAt: Date()).text.contains("\"state\": \"not-satisfied\""))
    }

    @Test func oscalIsReproducibleButForLastModified() async throws {
        let s = try await Seeded.make()
        let r = try report(s)
        let a = r.oscal(generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let b = r.oscal(generatedAt: Date(timeIntervalSince1970: 1_900_000_000))
        #expect(a.body == b.body && a.bytes != b.bytes)
        #expect(a.text.components(separatedBy: "\n").filter { $0.contains("last-modified") } == [a.generatedAtLine!])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(a.bytes)) as? [String: Any])
        let ar = try #require(o["assessment-results"] as? [String: Any])
        #expect((ar["metadata"] as? [String: Any])?["oscal-version"] as? String == "1.1.2")
        let results = try #require(ar["results"] as? [[String: Any]])
        #expect((results.first?["findings"] as? [Any])?.count == ControlsReport.controlIDs.count)
        let html = r.html(generatedAt: Date()).text
        #expect(HTMLStructure.problem(in: html) == nil)
        #expect(html.contains("<h2 id=\"ac-2\">AC-2 Account Management</h2>") && html.contains("16 of 16 controls satisfied"))
    }

    @Test(.enabled(if: OSCALTools.pythonInstalled, "python3 is not installed, so the OSCAL schema cannot be checked here (CI installs it)"))
    func oscalValidatesAgainstTheOfficialSchema() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: OSCALTools.python), "run `bash scripts/setup.sh` to install the OSCAL validation tools (.venv-tools)")
        #expect(FileManager.default.fileExists(atPath: OSCALTools.schema), "run `bash scripts/setup.sh` to fetch the OSCAL schema")
        let s = try await Seeded.make()
        var registry = s.registry!
        registry.people["bob"]?.escortTrainingExpires = nil   // a not-satisfied finding too
        for r in [try report(s), ControlsReport(evidence: s.evidence, registry: registry, training: [], policy: Self.policy, period: nil)] {
            let path = s.dir.file("ar-\(r.controls.filter(\.satisfied).count).json")
            try Data(r.oscal(generatedAt: Date()).bytes).write(to: URL(fileURLWithPath: path))
            let v = try await ChildProcess.run(OSCALTools.python, [OSCALTools.script, OSCALTools.schema, path])
            #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
            #expect(v.stdout.hasPrefix("valid:"))
        }
        // The validator does reject a broken document.
        let bad = s.dir.file("bad.json")
        try #"{"assessment-results":{"uuid":"not-a-uuid"}}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let v = try await ChildProcess.run(OSCALTools.python, [OSCALTools.script, OSCALTools.schema, bad])
        #expect(v.status == 1 && v.stdout.contains("INVALID"))
    }

    /// Issue 19: AT-3 read "satisfied: 3 of 3 escorts hold unexpired training" when no training
    /// result was ever recorded; a date an admin set is not training.
    @Test func aTrainingDateSetByAnAdminIsNotTraining() async throws {
        let s = try await Seeded.make()
        var registry = s.registry!
        registry.people["rita"] = Person(
            name: "rita", displayName: "Rita Ames", employer: "Acme", contractor: "Prime Co", citizenships: [CountryCode("US")],
            residence: CountryCode("US"), location: CountryCode("US"), clearance: .secret, roles: [.escort],
            escortTrainingExpires: ReportTime.parse("2027-12-31T00:00:00Z"))
        let r = ControlsReport(evidence: s.evidence, registry: registry, training: [], policy: Self.policy, period: try Seeded.november)
        let at3 = try #require(r.controls.first { $0.id == "at-3" })
        #expect(!at3.satisfied)
        #expect(at3.evidence[0].hasPrefix("1 of 2 escorts hold unexpired escort training earned by training results"), "\(at3.evidence)")
        #expect(at3.evidence[1] == "1 escort(s) hold an unexpired escort-training date set by an admin with no training result behind it: rita.")
        #expect(at3.gap == "1 escort(s) without unexpired training earned by a recorded training result (1 of them with only a date set by an admin)")
    }

    /// Issue 19: AU-6 read satisfied on "0 reports" (the runs fell after the chosen checkpoint).
    @Test func auditReviewIsSatisfiedOnlyByRecordedReviews() async throws {
        let s = try await Seeded.make()
        let shown = try report(s).controls.first { $0.id == "au-6" }
        #expect(shown?.satisfied == true)
        #expect(shown?.evidence.first?.hasPrefix("1 reports and 0 verification runs recorded in audit records 1–") == true, "\(shown?.evidence ?? [])")
        var evidence = s.evidence!
        evidence.activity.countsByCode["ESC-4001"] = nil
        let none = ControlsReport(evidence: evidence, registry: s.registry, training: [], policy: Self.policy, period: try Seeded.november)
            .controls.first { $0.id == "au-6" }
        #expect(none?.satisfied == false)
        #expect(none?.gap?.hasPrefix("no report or verification run is recorded up to checkpoint") == true)
    }
}
