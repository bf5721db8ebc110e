import Foundation

/// The public command-line corpora in `../shared/corpora` (beside the checkout), for benchmarks and
/// cross-checks. Missing corpora give an empty list so callers can skip with a message.
public enum Corpora {
    /// The folder, found from an environment variable or next to the package.
    public static func directory(packageRoot: URL) -> URL? {
        if let env = ProcessInfo.processInfo.environment["ESCORT_CORPORA"] { return URL(fileURLWithPath: env) }
        let candidate = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora")
        return FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
    }

    /// The package root, from a source file path inside it (`#filePath`).
    public static func packageRoot(from filePath: String) -> URL {
        var url = URL(fileURLWithPath: filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// One labelled row.
    public struct Row: Sendable {
        public var corpus: String
        public var command: String
        /// `sh`, `bash`, `powershell` or `cmd`.
        public var shell: String
        /// ATT&CK ids the source gives (techniques, or tactic names for loobins).
        public var labels: [String]
    }

    /// Reads every row of `name` (`atomic.jsonl` …) with its shell and labels.
    public static func rows(_ name: String, in dir: URL) -> [Row] {
        guard let text = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) else { return [] }
        var out: [Row] = []
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            let command = (obj["command"] as? String) ?? (obj["code"] as? String) ?? ""
            var shell = (obj["shell"] as? String) ?? "sh"
            if name == "lolbas.jsonl" || name == "sigma_regression.jsonl" || name == "dosfuscation.jsonl" { shell = (obj["shell"] as? String) ?? "cmd" }
            if name == "tldr_windows.jsonl" {
                shell = command.range(of: #"^[A-Z][a-z]+-[A-Z]"#, options: .regularExpression) != nil ? "powershell" : "cmd"
            }
            if shell == "command_prompt" { shell = "cmd" }
            var labels: [String] = []
            if let t = obj["technique"] as? String { labels.append(t) }
            if let m = obj["mitre"] as? [String] { labels.append(contentsOf: m) }
            if let m = obj["mitre"] as? String { labels.append(m) }
            if let t = obj["tactics"] as? [String] { labels.append(contentsOf: t) }
            out.append(Row(corpus: name, command: command, shell: shell, labels: labels))
        }
        return out
    }

    /// The corpora whose rows are Unix shell command lines.
    public static let unixCorpora = ["atomic.jsonl", "gtfobins.jsonl", "loobins.jsonl", "tldr_benign.jsonl", "nl2bash.jsonl"]
}
