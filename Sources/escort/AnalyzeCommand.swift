import ArgumentParser
import EscortCore
import Foundation
import ShellAnalysis

/// `escort analyze --format jsonl`: one JSON verdict per JSON input line.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse JSON lines {\"command\": …, \"shell\": …} from standard input, one verdict per line.")

    @Option(name: .long, help: "Output format (only jsonl).")
    var format: String = "jsonl"

    @Option(name: .long, help: "Default shell for lines that do not name one.")
    var shell: String = "sh"

    @OptionGroup(title: "Target context")
    var target: TargetContextOptions

    func run() throws {
        guard format == "jsonl" else { throw ValidationError("unknown format `\(format)`: only jsonl is supported") }
        guard let defaultDialect = ShellDialect(name: shell) else {
            throw ValidationError("unknown shell `\(shell)`: use sh, bash, powershell or cmd")
        }
        let bundled = Analyser.bundled()
        let analyser = try? bundled.get()
        let loadError: String
        if case .failure(let e) = bundled { loadError = e.description } else { loadError = "" }
        // Output is gathered and written in blocks of about 64 KiB, not one write per line.
        let context = target.context
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 17)
        while let line = readLine(strippingNewline: true) {
            AnalyzeLine.process(line, defaultDialect: defaultDialect, analyser: analyser, loadError: loadError, context: context, into: &buffer)
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 16 {
                FileHandle.standardOutput.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { FileHandle.standardOutput.write(Data(buffer)) }
    }
}

/// One input line to one output line, read and written with EscortCore's JSON reader and writer
/// (Foundation's `JSONSerialization` cost ten times the analysis itself). The output is what
/// `JSONSerialization` wrote with sorted keys and unescaped slashes.
enum AnalyzeLine {
    static func process(_ line: String, defaultDialect: ShellDialect, analyser: Analyser?, loadError: String) -> String {
        var out: [UInt8] = []
        process(line, defaultDialect: defaultDialect, analyser: analyser, loadError: loadError, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the verdict on `line` (or an error object) to `out`, without a newline.
    static func process(_ line: String, defaultDialect: ShellDialect, analyser: Analyser?, loadError: String, context: TargetContext = .none, into out: inout [UInt8]) {
        guard case .object(let object)? = try? JSONParser.parse(line.utf8) else { return error("line is not a JSON object", into: &out) }
        guard case .string(let command)? = object["command"] else { return error("missing string field `command`", into: &out) }
        var dialect = defaultDialect
        if let s = object["shell"] {
            guard case .string(let name) = s, let d = ShellDialect(name: name) else {
                return error("unknown `shell` value: use sh, bash, powershell or cmd", into: &out)
            }
            dialect = d
        }
        let analysis = analyser?.analyse(command, dialect: dialect, context: context) ?? Analyser.failClosed(command, reason: loadError)
        encode(analysis, into: &out)
    }

    static func error(_ message: String) -> String {
        var out: [UInt8] = []
        error(message, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func error(_ message: String, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"error":"#.utf8)
        JSONValue.writeString(message, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    static func encode(_ a: Analysis) -> String {
        var out: [UInt8] = []
        encode(a, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes `a` with its keys in sorted order: diagnostic, explanation, findings, risk, status,
    /// summary, tactics, techniques (and in a finding: range, reason, risk, technique).
    static func encode(_ a: Analysis, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        let incomplete = a.status != .complete
        if incomplete, let d = a.diagnostic {
            key("diagnostic", into: &out)
            JSONValue.writeString(d, into: &out)
            out.append(UInt8(ascii: ","))
        }
        key("explanation", into: &out)
        strings(a.explanation, into: &out)
        out.append(contentsOf: #","findings":["#.utf8)
        for (i, f) in a.findings.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"range":["#.utf8)
            out.append(contentsOf: String(f.range.start).utf8)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: String(f.range.end).utf8)
            out.append(contentsOf: #"],"reason":"#.utf8)
            JSONValue.writeString(f.reason, into: &out)
            out.append(contentsOf: #","risk":"#.utf8)
            JSONValue.writeString(f.risk.rawValue, into: &out)
            out.append(contentsOf: #","technique":"#.utf8)
            if let t = f.technique { JSONValue.writeString(t, into: &out) } else { out.append(contentsOf: "null".utf8) }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #"],"risk":"#.utf8)
        JSONValue.writeString(a.risk.rawValue, into: &out)
        if incomplete {
            out.append(contentsOf: #","status":"#.utf8)
            JSONValue.writeString(a.status.rawValue, into: &out)
        }
        out.append(contentsOf: #","summary":"#.utf8)
        JSONValue.writeString(a.summary, into: &out)
        out.append(contentsOf: #","tactics":"#.utf8)
        strings(a.tactics, into: &out)
        out.append(contentsOf: #","techniques":"#.utf8)
        strings(a.techniques, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    private static func key(_ k: String, into out: inout [UInt8]) {
        JSONValue.writeString(k, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    private static func strings(_ list: [String], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, s) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(s, into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}
