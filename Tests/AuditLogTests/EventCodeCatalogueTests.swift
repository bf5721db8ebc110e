import AuditLog
import Foundation
import Testing

@Suite("Event code catalogue")
struct EventCodeCatalogueTests {
    @Test func codesAndNamesAreUnique() {
        let all = AuditEventCode.allCases
        #expect(Set(all.map(\.code)).count == all.count)
        #expect(Set(all.map(\.name)).count == all.count)
        for c in all {
            #expect(c.code.hasPrefix("ESC-") && c.code.count == 8, "\(c)")
            #expect(AuditEventCode(code: c.code) == c)
        }
    }

    @Test func docsListEveryCodeExactly() throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/event-codes.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| ESC-") }
        #expect(rows.count == AuditEventCode.allCases.count)
        for c in AuditEventCode.allCases {
            let row = "| \(c.code) | \(c.name) | \(c.severity.rawValue) | \(c.summary) |"
            #expect(rows.contains { $0 == row }, "docs/event-codes.md lacks: \(row)")
        }
    }
}
