import ArgumentParser
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

    func run() throws {
        guard format == "jsonl" else { throw ValidationError("unknown format `\(format)`: only jsonl is supported") }
        guard let defaultDialect = ShellDialect(name: shell) else {
            throw ValidationError("unknown shell `\(shell)`: use sh, bash, powershell or cmd")
        }
        let bundled = Analyser.bundled()
        let analyser = try? bundled.get()
        let loadError: String
        if case .failure(let e) = bundled { loadError = e.description } else { loadError = "" }
        var output = FileHandle.standardOutput
        while let line = readLine(strippingNewline: true) {
            let result = AnalyzeLine.process(line, defaultDialect: defaultDialect, analyser: analyser, loadError: loadError)
            print(result, to: &output)
        }
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}

/// One input line to one output line.
enum AnalyzeLine {
    static func process(_ line: String, defaultDialect: ShellDialect, analyser: Analyser?, loadError: String) -> String {
        guard let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return error("line is not a JSON object") }
        guard let command = object["command"] as? String else { return error("missing string field `command`") }
        var dialect = defaultDialect
        if let s = object["shell"] {
            guard let name = s as? String, let d = ShellDialect(name: name) else {
                return error("unknown `shell` value: use sh, bash, powershell or cmd")
            }
            dialect = d
        }
        let analysis = analyser?.analyse(command, dialect: dialect) ?? Analyser.failClosed(command, reason: loadError)
        return encode(analysis)
    }

    static func error(_ message: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: ["error": message], options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func encode(_ a: Analysis) -> String {
        var object: [String: Any] = [
            "risk": a.risk.rawValue,
            "techniques": a.techniques,
            "tactics": a.tactics,
            "summary": a.summary,
            "findings": a.findings.map { f -> [String: Any] in
                var d: [String: Any] = ["risk": f.risk.rawValue, "reason": f.reason, "range": [f.range.start, f.range.end]]
                d["technique"] = f.technique ?? NSNull()
                return d
            },
            "explanation": a.explanation,
        ]
        if a.status != .complete {
            object["status"] = a.status.rawValue
            if let d = a.diagnostic { object["diagnostic"] = d }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
