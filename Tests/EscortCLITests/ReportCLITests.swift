import AuditLog
import EscortCore
import EscortTesting
import Foundation
import StoreSQLite
import Testing

/// `escort report …` on a seeded store, through the built binary.
struct ReportCLI {
    let dir = TemporaryDirectory(prefix: "escort-report-cli")

    static func make() async throws -> ReportCLI {
        let cli = ReportCLI()
        try await ReportFixture.seed(directory: cli.dir.path)
        return cli
    }

    @discardableResult
    func run(_ args: [String], input: String? = nil) async throws -> ProcessResult {
        let path = try #require(BuiltProduct.path("escort"), "build the escort executable first (swift build)")
        return try await ChildProcess.run(path, args, currentDirectory: dir.path, input: input.map { Data($0.utf8) })
    }

    func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: dir.file(name))))
    }

    func records() async throws -> [AuditRecord] {
        let store = try SQLiteAuditStore(path: dir.file("escort.sqlite"), create: false)
        return try await store.auditRecords(from: 1, limit: 10_000).map { try AuditRecord(body: $0.body) }
    }
}

@Suite("escort report")
struct ReportCLITests {
    static let period = ["--from", ReportFixture.from, "--to", ReportFixture.to]

    /// The lines of `a` and `b` that differ.
    static func differing(_ a: [UInt8], _ b: [UInt8]) -> [String] {
        let la = String(decoding: a, as: UTF8.self).components(separatedBy: "\n")
        let lb = String(decoding: b, as: UTF8.self).components(separatedBy: "\n")
        guard la.count == lb.count else { return ["line counts differ: \(la.count) and \(lb.count)"] }
        return zip(la, lb).filter { $0 != $1 }.map(\.0)
    }

    @Test(arguments: [
        (["exposure"] + period + ["--format", "html"], "html"),
        (["exposure"] + period + ["--format", "json", "--impact-level", "IL4+"], "json"),
        (["review", "--all"] + period, "html"),
        (["review", "--contract", "Prime Co", "--format", "json"] + period, "json"),
        (["controls", "--format", "oscal"], "json"),
        (["controls", "--format", "html"] + period, "html"),
    ])
    func twoRunsGiveTheSameBytesButTheGeneratedAtLine(_ args: [String], _ ext: String) async throws {
        let cli = try await ReportCLI.make()
        let a = try await cli.run(["report"] + args + ["--out", "a.\(ext)"])
        #expect(a.status == 0, "\(a.stderr)")
        try await Task.sleep(for: .milliseconds(1100))
        let b = try await cli.run(["report"] + args + ["--out", "b.\(ext)"])
        #expect(b.status == 0, "\(b.stderr)")
        let first = try cli.read("a.\(ext)")
        let second = try cli.read("b.\(ext)")
        let diff = Self.differing(first, second)
        #expect(diff.count == 1, "\(diff)")
        #expect(diff.first.map { $0.contains("Generated at") || $0.contains("generated_at") || $0.contains("last-modified") } == true, "\(diff)")

        // Both runs are in the log, each with the SHA-256 of its body (the file without that line).
        let reports = try await cli.records().filter { $0.code == "ESC-4001" && $0.fields["body_sha256"] != .string(ReportFixture.seededReportSHA256) }
        #expect(reports.count == 2)
        let line = diff.first ?? ""
        let body = String(decoding: first, as: UTF8.self).components(separatedBy: "\n").filter { $0 != line }.joined(separator: "\n")
        #expect(reports[0].fields["body_sha256"] == .string(AuditDigest.sha256Hex(Array(body.utf8))))
        #expect(reports[0].fields["body_sha256"] == reports[1].fields["body_sha256"])
        #expect(reports[0].fields["file_sha256"] == .string(AuditDigest.sha256Hex(first)))
        #expect(reports[0].fields["verified"] == .bool(true))
        #expect(reports[0].fields["output"] == .string("a.\(ext)"))
        await #expect(try cli.run(["audit", "verify", "--db", "escort.sqlite", "--key", "gateway.key.pub"]).status == 0)
    }

    @Test func csvGoesToStandardOutputAndIsFullyReproducible() async throws {
        let cli = try await ReportCLI.make()
        let a = try await cli.run(["report", "exposure", "--format", "csv"] + Self.period)
        let b = try await cli.run(["report", "exposure", "--format", "csv"] + Self.period)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)")
        #expect(a.stdout == b.stdout)
        let rows = try CSV.rows(a.stdout)
        #expect(rows.count == 8 && rows[0].fields.first == "contractor")
        #expect(rows.dropFirst().map { $0.fields[0] } == ["CloudCo", "CloudCo", "CloudCo", "CloudCo", "Gov Services", "Prime Co", "Prime Co"])
    }

    @Test func theFrontPageAnswersTheSenator() async throws {
        let cli = try await ReportCLI.make()
        let r = try await cli.run(["report", "exposure", "--format", "html"] + Self.period)
        #expect(r.status == 0, "\(r.stderr)")
        // The first question's answer ends where the second's (escort training) begins.
        let answer = try #require(r.stdout.components(separatedBy: "<h2 id=\"training\">").first)
        #expect(r.stdout.contains("<h2 id=\"training\">How escorts are trained to detect suspicious activity</h2>"))
        #expect(answer.contains("1 contractor(s) had personnel"))
        #expect(answer.contains("<td>CloudCo</td><td>") && answer.contains(" (ivan), employed by ") && answer.contains(", under prime contractor CloudCo</td><td>ivan: resides in RU<br>wei: citizen of CN<br>wei: located in CN<br>wei: resides in CN</td><td>db-il5, web-il4</td><td class=\"n\">3</td><td class=\"n\">3</td><td class=\"n\">0</td>"))
        #expect(!answer.contains("Prime Co") && !answer.contains("Gov Services"))
    }

    @Test(arguments: [
        (["review", "--contract", "Nope"], "RPT-002: no contract named \"Nope\" (contracts: CloudCo, Gov Services, Prime Co"),
        (["exposure", "--from", "2026-11-31", "--to", "2026-12-01"], "RPT-001: from: cannot read \"2026-11-31\" as a date"),
        (["exposure", "--from", "2026-11-10", "--to", "2026-11-01"], "RPT-001: the period ends"),
        (["exposure", "--from", "2026-11-01", "--to", "2026-11-14", "--impact-level", "IL9"], "RPT-004: impact-level: cannot read \"IL9\""),
        (["exposure", "--from", "2026-11-01", "--to", "2026-11-14", "--checkpoint", "5"], "RPT-003: no signed checkpoint at 5 records"),
        (["review", "--all", "--store", "missing.sqlite"], "no database at missing.sqlite"),
    ])
    func badInputGivesAClearError(_ args: [String], _ message: String) async throws {
        let cli = try await ReportCLI.make()
        let r = try await cli.run(["report"] + args)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(try await cli.records().filter { $0.code == "ESC-4001" && $0.fields["body_sha256"] != .string(ReportFixture.seededReportSHA256) }.isEmpty)
    }

    @Test func aTamperedLogIsWrittenButExitsOne() async throws {
        let cli = try await ReportCLI.make()
        do {
            let store = try SQLiteAuditStore(path: cli.dir.file("escort.sqlite"), create: false)
            try store.executeForTesting(
                "UPDATE audit_record SET body = CAST(replace(CAST(body AS TEXT), 'uptime', 'uptimE') AS BLOB) WHERE CAST(body AS TEXT) LIKE '%\"uptime\"%'")
        }
        let r = try await cli.run(["report", "review", "--all", "--out", "r.html"] + Self.period)
        #expect(r.status == 1)
        #expect(r.stderr.contains("FAILED verification"))
        let html = String(decoding: try cli.read("r.html"), as: UTF8.self)
        #expect(html.contains("<strong class=\"bad\" id=\"verified\">NO</strong>"))
    }
}
