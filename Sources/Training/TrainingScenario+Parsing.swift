import AuditLog
import EscortCore
import Foundation

extension TrainingScenario {
    /// The value of `format` in every scenario file.
    public static let formatName = "escort-training-scenario"

    /// Reads a scenario file.
    ///
    /// - Throws: ``TrainingError`` `.malformedScenario` naming the file and the field.
    public static func load(path: String) throws(TrainingError) -> TrainingScenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError(.malformedScenario, "cannot read the scenario file \(path)")
        }
        do {
            return try parse(Array(data))
        } catch {
            throw TrainingError(error.code, "\(path): \(error.message)", field: error.field)
        }
    }

    /// Parses the bytes of a scenario file (JSON).
    ///
    /// Every key is checked: an unknown key is an error (a typo never silently becomes a default).
    /// - Throws: ``TrainingError`` `.malformedScenario` naming the field.
    public static func parse(_ bytes: [UInt8]) throws(TrainingError) -> TrainingScenario {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch {
            throw TrainingError(.malformedScenario, "not valid JSON: \(error)")
        }
        var r = try FieldReader(root, path: "")
        guard try r.string("format") == formatName else {
            throw TrainingError(.malformedScenario, "format: must be \"\(formatName)\"", field: "format")
        }
        guard try r.integer("version") == 1 else {
            throw TrainingError(.malformedScenario, "version: only version 1 exists", field: "version")
        }
        let id = try r.name("id")
        let title = try r.string("title")
        let set = try r.name("set")
        let summary = try r.string("summary")
        let target = try r.string("target")
        let levelText = try r.string("impact_level")
        guard let level = ImpactLevel(parsing: levelText) else {
            throw TrainingError(.malformedScenario, "impact_level: \"\(levelText)\" is not IL2, IL4, IL5 or IL6", field: "impact_level")
        }
        let validity = try r.integer("validity_days")
        guard (1...1096).contains(validity) else {
            throw TrainingError(.malformedScenario, "validity_days: must be between 1 and 1096", field: "validity_days")
        }
        var mark = PassMark()
        if let passValue = try r.optional("pass") {
            var p = try FieldReader(passValue, path: "pass.")
            mark.blindCatchPercent = try p.percent("blind_catch_percent") ?? mark.blindCatchPercent
            mark.explainedCatchPercent = try p.percent("explained_catch_percent") ?? mark.explainedCatchPercent
            mark.maxFalseAlarmPercent = try p.percent("max_false_alarm_percent") ?? mark.maxFalseAlarmPercent
            if let m = try p.optional("max_median_seconds") {
                guard let s = m.integerValue, s > 0 else {
                    throw TrainingError(.malformedScenario, "pass.max_median_seconds: must be a positive integer", field: "pass.max_median_seconds")
                }
                mark.maxMedianSeconds = Int(s)
            }
            try p.finish()
        }
        guard let list = try r.required("decisions").arrayValue, !list.isEmpty else {
            throw TrainingError(.malformedScenario, "decisions: must be a non-empty list", field: "decisions")
        }
        var decisions: [TrainingDecision] = []
        var seen = Set<String>()
        for (i, item) in list.enumerated() {
            var d = try FieldReader(item, path: "decisions[\(i)].")
            let did = try d.name("id")
            guard seen.insert(did).inserted else {
                throw TrainingError(.malformedScenario, "decisions[\(i)].id: \"\(did)\" is used twice", field: "decisions[\(i)].id")
            }
            let context = try d.string("context")
            let command = try d.string("command")
            let expectedText = try d.string("expected")
            guard let expected = TrainingAnswer(rawValue: expectedText) else {
                throw TrainingError(
                    .malformedScenario, "decisions[\(i)].expected: \"\(expectedText)\" is not \"approve\" or \"refuse\"",
                    field: "decisions[\(i)].expected")
            }
            let why = try d.string("why")
            var files: [String: String] = [:]
            if let f = try d.optional("files") {
                guard let o = f.objectValue else {
                    throw TrainingError(.malformedScenario, "decisions[\(i)].files: must be an object of path to text", field: "decisions[\(i)].files")
                }
                for (path, text) in o {
                    guard let t = text.stringValue else {
                        throw TrainingError(.malformedScenario, "decisions[\(i)].files.\(path): must be text", field: "decisions[\(i)].files")
                    }
                    files[path] = t
                }
            }
            try d.finish()
            decisions.append(TrainingDecision(id: did, context: context, command: command, files: files, expected: expected, why: why))
        }
        try r.finish()
        let scenario = TrainingScenario(
            id: id, title: title, set: set, summary: summary, target: target, impactLevel: level, validityDays: Int(validity),
            passMark: mark, decisions: decisions, sha256: AuditDigest.sha256Hex(bytes))
        guard scenario.maliciousCount > 0, scenario.routineCount > 0 else {
            throw TrainingError(
                .malformedScenario, "decisions: a scenario needs at least one command to approve and one to refuse",
                field: "decisions")
        }
        return scenario
    }
}

/// Reads the members of one JSON object, remembering which were used.
private struct FieldReader {
    let object: [String: JSONValue]
    let path: String
    var used = Set<String>()

    init(_ value: JSONValue, path: String) throws(TrainingError) {
        guard let o = value.objectValue else {
            let name = path.isEmpty ? "the file" : String(path.dropLast())
            throw TrainingError(.malformedScenario, "\(name): must be a JSON object", field: path.isEmpty ? nil : String(path.dropLast()))
        }
        object = o
        self.path = path
    }

    func fail(_ key: String, _ what: String) -> TrainingError {
        TrainingError(.malformedScenario, "\(path)\(key): \(what)", field: path + key)
    }

    mutating func optional(_ key: String) throws(TrainingError) -> JSONValue? {
        used.insert(key)
        if case .null = object[key] { return nil }
        return object[key]
    }

    mutating func required(_ key: String) throws(TrainingError) -> JSONValue {
        guard let v = try optional(key) else { throw fail(key, "is required") }
        return v
    }

    mutating func string(_ key: String) throws(TrainingError) -> String {
        guard let s = try required(key).stringValue else { throw fail(key, "must be text") }
        guard s.contains(where: { !$0.isWhitespace }) else { throw fail(key, "must not be empty") }
        return s
    }

    /// A name: `a-z`, digits, `.`, `_`, `-`, starting with a letter or digit.
    mutating func name(_ key: String) throws(TrainingError) -> String {
        let s = try string(key)
        let ok = s.count <= 64 && s.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-"
        } && s.first.map { $0.isLetter || $0.isNumber } == true
        guard ok else { throw fail(key, "\"\(s)\" must be lower-case letters, digits, '.', '_' or '-' (at most 64)") }
        return s
    }

    mutating func integer(_ key: String) throws(TrainingError) -> Int64 {
        guard let n = try required(key).integerValue else { throw fail(key, "must be an integer") }
        return n
    }

    mutating func percent(_ key: String) throws(TrainingError) -> Int? {
        guard let v = try optional(key) else { return nil }
        guard let n = v.integerValue, (0...100).contains(n) else { throw fail(key, "must be an integer from 0 to 100") }
        return Int(n)
    }

    func finish() throws(TrainingError) {
        if let extra = object.keys.filter({ !used.contains($0) }).sorted().first {
            throw TrainingError(.malformedScenario, "\(path)\(extra): unknown key", field: path + extra)
        }
    }
}
