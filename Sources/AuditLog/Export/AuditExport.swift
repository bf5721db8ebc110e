import EscortCore
import Store

/// The export format an auditor takes away: JSON lines.
///
/// ```
/// {"format":"escort-audit-export","v":1}
/// {"hash":"<hex>","record":<the record's canonical JSON, byte for byte>}
/// {"checkpoint":<the checkpoint's canonical JSON, byte for byte>,"signature":"<hex>"}
/// ```
/// Each checkpoint line follows the record it ends at. Records and checkpoints are embedded
/// verbatim, so the hashes and signatures can be checked against the bytes in the file.
public enum AuditExport {
    /// The first line.
    public static let header = Array(#"{"format":"escort-audit-export","v":1}"#.utf8)

    /// The line for a record (without the newline).
    public static func line(for r: StoredAuditRecord) -> [UInt8] {
        Array(#"{"hash":""#.utf8) + Array(Hex.encode(r.hash).utf8) + Array(#"","record":"#.utf8) + r.body + [UInt8(ascii: "}")]
    }

    /// The line for a checkpoint (without the newline).
    public static func line(for c: StoredAuditCheckpoint) -> [UInt8] {
        Array(#"{"checkpoint":"#.utf8) + c.body + Array(#","signature":""#.utf8) + Array(Hex.encode(c.signature).utf8) + Array("\"}".utf8)
    }

    /// Reads an export file's bytes into an unverified chain.
    ///
    /// Records are numbered by their position in the file (the first record line is 1).
    /// - Throws: ``AuditError`` (`.badExport`) naming the line that cannot be read.
    public static func parse(_ data: [UInt8]) throws(AuditError) -> AuditChain {
        var records: [StoredAuditRecord] = []
        var checkpoints: [StoredAuditCheckpoint] = []
        var lineNumber = 0
        var start = 0
        var sawHeader = false
        while start < data.count {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.count
            lineNumber += 1
            let line = Array(data[start..<end])
            let complete = end < data.count
            start = end + 1
            if line.isEmpty { continue }
            let members: [JSONParser.Member]
            do {
                members = try JSONParser.members(ofObject: line)
            } catch {
                let hint = complete ? "" : " (the file seems to be cut off)"
                throw AuditError(.badExport, "line \(lineNumber) is not a JSON object: \(error)\(hint)")
            }
            func value(_ key: String) -> [UInt8]? {
                members.first { $0.key == key }.map { Array(line[$0.valueRange]) }
            }
            func hexString(_ key: String) -> [UInt8]? {
                guard let v = value(key), v.count >= 2, v.first == 0x22, v.last == 0x22 else { return nil }
                return Hex.decode(utf8: v.dropFirst().dropLast())
            }
            if !sawHeader {
                guard value("format") == Array(#""escort-audit-export""#.utf8) else {
                    throw AuditError(.badExport, "line \(lineNumber): not an Escort audit export (no format header)")
                }
                guard value("v") == Array("1".utf8) else {
                    throw AuditError(.badExport, "line \(lineNumber): unsupported export version")
                }
                sawHeader = true
            } else if let body = value("record") {
                guard let hash = hexString("hash") else {
                    throw AuditError(.badExport, "line \(lineNumber): record line has no hex \"hash\"")
                }
                records.append(StoredAuditRecord(sequence: Int64(records.count + 1), hash: hash, body: body))
            } else if let body = value("checkpoint") {
                guard let sig = hexString("signature") else {
                    throw AuditError(.badExport, "line \(lineNumber): checkpoint line has no hex \"signature\"")
                }
                let size = (try? JSONParser.parse(body))?["size"]?.integerValue ?? Int64(records.count)
                checkpoints.append(StoredAuditCheckpoint(treeSize: size, body: body, signature: sig))
            } else {
                throw AuditError(.badExport, "line \(lineNumber) is neither a record nor a checkpoint")
            }
        }
        guard sawHeader else { throw AuditError(.badExport, "the file is empty: not an Escort audit export") }
        return AuditChain(records: records, checkpoints: checkpoints)
    }
}
