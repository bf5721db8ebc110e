import AuditLog
import EscortCore
import Foundation

/// A rendered report: its bytes, and the one line that changes from run to run (the time it was
/// generated). Everything else is a function of the inputs.
public struct ReportDocument: Sendable, Hashable {
    /// `exposure`, `review` or `controls`.
    public var kind: String
    /// `html`, `csv`, `json` or `oscal`.
    public var format: String
    public var bytes: [UInt8]
    /// The generated-at line exactly as it appears in ``bytes`` (nil if the format has none, as CSV).
    public var generatedAtLine: String?
    public var provenance: ReportProvenance

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The bytes without the generated-at line: the same for the same inputs.
    public var body: [UInt8] {
        guard let line = generatedAtLine else { return bytes }
        return Array(text.split(separator: "\n", omittingEmptySubsequences: false).filter { $0 != line }.joined(separator: "\n").utf8)
    }

    /// Lower-case hex SHA-256 of ``body``: what `report.generated` records.
    public var bodySHA256: String { AuditDigest.sha256Hex(body) }

    /// The `report.generated` (ESC-4001) event recording this report.
    public func auditEvent(actor: String, parameters: [String: JSONValue], output: String?, time: Date = Date()) -> AuditEvent {
        AuditEvent(
            code: .reportGenerated, actor: actor, time: time,
            fields: [
                "report": .string(kind), "format": .string(format), "body_sha256": .string(bodySHA256),
                "file_sha256": .string(AuditDigest.sha256Hex(bytes)), "bytes": .integer(Int64(bytes.count)),
                "checkpoint_size": .integer(provenance.treeSize), "checkpoint_root": .string(provenance.root),
                "verified": .bool(provenance.verified), "parameters": .object(parameters),
                "output": output.map { .string($0) } ?? .null,
            ])
    }
}

/// The line every report carries to say when it was made.
enum GeneratedAt {
    static func html(_ date: Date) -> String { #"<p class="generated">Generated at \#(HTML.time(date)).</p>"# }
}
