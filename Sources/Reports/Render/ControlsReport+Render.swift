import AuditLog
import EscortCore
import Foundation

extension ControlsReport {
    /// The OSCAL version the assessment results declare.
    public static let oscalVersion = "1.1.2"

    /// A name-based UUID (version 5 layout over SHA-256 of `name`): the same report gets the same
    /// UUIDs, so the document is reproducible.
    static func uuid(_ name: String) -> String {
        var b = Array(AuditDigest.sha256(Array(("escort-oscal:" + name).utf8)).prefix(16))
        b[6] = (b[6] & 0x0F) | 0x50
        b[8] = (b[8] & 0x3F) | 0x80
        let h = Hex.encode(b)
        let s = Array(h)
        return String(s[0..<8]) + "-" + String(s[8..<12]) + "-" + String(s[12..<16]) + "-" + String(s[16..<20]) + "-" + String(s[20..<32])
    }

    /// OSCAL assessment results (JSON, OSCAL 1.1.2): one result, one observation and one
    /// finding per control. `last-modified` (the generation time) is the only line that changes.
    public func oscal(generatedAt: Date) -> ReportDocument {
        let seed = "\(provenance.treeSize):\(provenance.root):\(ReportTime.format(start)):\(ReportTime.format(asOf))"
        let ns = "https://escort.invalid/ns/oscal"
        func prop(_ name: String, _ value: String) -> JSONValue {
            .object(["name": .string(name), "ns": .string(ns), "value": .string(value)])
        }
        var observations: [JSONValue] = []
        var findings: [JSONValue] = []
        for c in controls {
            let obs = Self.uuid("\(seed):observation:\(c.id)")
            var evidenceList = c.evidence.map { JSONValue.object(["description": .string($0)]) }
            if evidenceList.isEmpty { evidenceList = [.object(["description": "No records of this kind in the period."])] }
            observations.append(.object([
                "uuid": .string(obs),
                "title": .string("\(c.label) \(c.title): evidence from the Escort audit log"),
                "description": .string(c.implementation),
                "methods": ["TEST", "EXAMINE"],
                "collected": .string(provenance.time),
                "relevant-evidence": .array(evidenceList),
            ]))
            var finding: [String: JSONValue] = [
                "uuid": .string(Self.uuid("\(seed):finding:\(c.id)")),
                "title": .string("\(c.label) \(c.title)"),
                "description": .string(c.satisfied ? "The evidence shows \(c.label) implemented and operating in the period." : "Not satisfied: \(c.gap ?? "see the observation")."),
                "target": .object([
                    "type": "objective-id", "target-id": .string("\(c.id)_obj"),
                    "status": .object(["state": .string(c.satisfied ? "satisfied" : "not-satisfied")]),
                ]),
                "related-observations": .array([.object(["observation-uuid": .string(obs)])]),
            ]
            if let gap = c.gap { finding["remarks"] = .string(gap) }
            findings.append(.object(finding))
        }
        let value: JSONValue = .object([
            "assessment-results": .object([
                "uuid": .string(Self.uuid("\(seed):assessment-results")),
                "metadata": .object([
                    "title": "Escort: evidence for NIST SP 800-53 Rev. 5 controls",
                    "last-modified": .string(ReportTime.format(generatedAt)),
                    "version": .string("checkpoint-\(provenance.treeSize)"),
                    "oscal-version": .string(Self.oscalVersion),
                    "props": .array([
                        prop("audit-checkpoint-tree-size", String(provenance.treeSize)),
                        prop("audit-checkpoint-root", provenance.root),
                        prop("audit-log-verified", provenance.verified ? "true" : "false"),
                        prop("policy-sha256", policy.sha256),
                    ]),
                ]),
                "import-ap": .object(["href": "#escort-continuous-assessment"]),
                "results": .array([
                    .object([
                        "uuid": .string(Self.uuid("\(seed):result")),
                        "title": "Escort automated control evidence",
                        "description": .string("Derived from audit records 1–\(provenance.treeSize) (signed checkpoint of \(provenance.time)), the personnel and target registries and the policy file. \(provenance.statement)"),
                        "start": .string(ReportTime.format(start)),
                        "end": .string(ReportTime.format(asOf)),
                        "reviewed-controls": .object([
                            "control-selections": .array([
                                .object(["include-controls": .array(controls.map { .object(["control-id": .string($0.id)]) })]),
                            ]),
                        ]),
                        "observations": .array(observations),
                        "findings": .array(findings),
                    ]),
                ]),
            ]),
        ])
        let line = "      \"last-modified\": \(JSONValue.string(ReportTime.format(generatedAt)).encodedString()),"
        return ReportDocument(kind: "controls", format: "oscal", bytes: Array(PrettyJSON.render(value).utf8), generatedAtLine: line, provenance: provenance)
    }

    /// The same evidence as a page a person reads.
    public func html(generatedAt: Date) -> ReportDocument {
        var b: [String] = []
        b.append(HTML.provenance(provenance))
        b.append("<p>Evidence from \(HTML.time(start)) to \(HTML.time(asOf)). Policy SHA-256 <code>\(HTML.escape(policy.sha256))</code>; countries of concern: \(HTML.countries(policy.countriesOfConcern)).</p>")
        let satisfied = controls.filter(\.satisfied).count
        b.append("<p class=\"answer\">\(satisfied) of \(controls.count) controls satisfied by the evidence.</p>")
        b.append(HTML.table(
            ["Control", "Title", "Status"],
            controls.map { c in
                ["<a href=\"#\(c.id)\">\(c.label)</a>", HTML.escape(c.title), c.satisfied ? "<span class=\"ok\">satisfied</span>" : "<span class=\"bad\">not satisfied</span>"]
            }))
        for c in controls {
            b.append("<h2 id=\"\(c.id)\">\(c.label) \(HTML.escape(c.title))</h2>")
            b.append("<p>\(HTML.escape(c.implementation))</p>")
            b.append("<ul>" + c.evidence.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>")
            if let gap = c.gap { b.append("<p class=\"bad\">Not satisfied: \(HTML.escape(gap))</p>") }
        }
        let line = GeneratedAt.html(generatedAt)
        return ReportDocument(
            kind: "controls", format: "html",
            bytes: Array(HTML.page(title: "Escort: evidence for NIST SP 800-53 controls", generatedAt: line, body: b).utf8),
            generatedAtLine: line, provenance: provenance)
    }
}
