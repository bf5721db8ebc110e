import Foundation
import Logging

/// A swift-log handler writing one line per message, as a JSON object or in logfmt: `time`
/// (ISO 8601, UTC, milliseconds), `level`, `label`, `message`, then the metadata.
///
/// Bootstrapped once by the executable (`LoggingSystem.bootstrap`); libraries only make `Logger`s.
public struct StructuredLogHandler: LogHandler {
    /// The line format.
    public enum Format: String, Sendable, CaseIterable {
        case json
        case logfmt
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: Format
    let write: @Sendable (String) -> Void

    /// A handler writing lines through `write` (by default, to standard error).
    public init(label: String, format: Format, level: Logger.Level, write: @escaping @Sendable (String) -> Void = StructuredLogHandler.standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        write(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: all, format: format))
    }

    /// One formatted line (with its newline).
    public static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, format: Format) -> String {
        var fields: [(String, String)] = [
            ("time", timestamp(time)), ("level", level.rawValue), ("label", label), ("message", message),
        ]
        let reserved = Set(fields.map(\.0))
        for key in metadata.keys.sorted() {
            fields.append((reserved.contains(key) ? "meta_\(key)" : key, flatten(metadata[key]!)))
        }
        switch format {
        case .json:
            return "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}\n"
        case .logfmt:
            return fields.map { "\(logfmtKey($0.0))=\(logfmtValue($0.1))" }.joined(separator: " ") + "\n"
        }
    }

    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let a): "[" + a.map(flatten).joined(separator: ",") + "]"
        case .dictionary(let d): "{" + d.keys.sorted().map { "\($0)=\(flatten(d[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    static func timestamp(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(ms % 1000))
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029:
                out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func logfmtKey(_ s: String) -> String {
        String(s.unicodeScalars.map { $0 == " " || $0 == "=" || $0 == "\"" || $0.value < 0x21 ? "_" : Character($0) })
    }

    static func logfmtValue(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "=" && $0 != "\"" && $0 != "\\" && $0.value != 0x7F }
        return plain ? s : jsonString(s)
    }

    /// Writes a line to standard error in one `write(2)` (lines from several threads never interleave).
    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
