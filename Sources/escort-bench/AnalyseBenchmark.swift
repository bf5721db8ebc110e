import ArgumentParser
import EscortTesting
import Foundation
import ShellAnalysis

/// `escort-bench analyse`: the analyser's quality over the public corpora, and its speed against
/// bashlex (PyPI) and shfmt (Debian) measured in the same run on the same input.
struct AnalyseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyse",
        abstract: "Quality over ../shared/corpora and speed against bashlex and shfmt.")

    @Option(help: "Folder of the corpora (default: ../shared/corpora beside the package).")
    var corpora: String?

    @Flag(help: "Skip the comparison with bashlex and shfmt.")
    var noBaselines = false

    @Flag(help: "Measure quality only, not speed.")
    var qualityOnly = false

    @Option(help: "Analyse this one command (with --shell) and print the findings, instead of the benchmark.")
    var command: String?

    @Option(help: "The dialect of --command: sh, bash, powershell or cmd.")
    var shell = "sh"

    @Option(help: "Also write one JSON line per corpus row (corpus, labels, risk, techniques, command) to this file.")
    var rows: String?

    @Flag(help: "List every red-team row that misses (attack below high or without its tactic, routine above low).")
    var misses = false

    func run() throws {
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        guard let dir = corpora.map({ URL(fileURLWithPath: $0) }) ?? Corpora.directory(packageRoot: root) else {
            throw ValidationError("corpora not found: pass --corpora DIR")
        }
        let analyser: Analyser
        switch Analyser.bundled() {
        case .success(let a): analyser = a
        case .failure(let e): throw ValidationError(e.description)
        }
        if let command {
            let a = analyser.analyse(command, dialect: ShellDialect(name: shell) ?? .sh)
            print("\(a.risk.rawValue) \(a.techniques.joined(separator: " "))")
            for f in a.findings { print("  \(f.risk.rawValue) \(f.technique ?? "-") \(f.reason)") }
            return
        }
        print("# Analyser benchmark\n")
        print("Produced by `swift run -c release escort-bench analyse` on \(ProcessInfo.processInfo.activeProcessorCount) cores.\n")
        QualityReport(analyser: analyser, dir: dir, rowsFile: rows.map { URL(fileURLWithPath: $0) }).run()
        RedTeamReport(analyser: analyser, dir: dir, verbose: misses).run()
        if qualityOnly { return }
        try SpeedReport(analyser: analyser, dir: dir, baselines: !noBaselines).run()
    }
}

/// Shares of rows at each risk level, per corpus and per tactic.
struct QualityReport {
    let analyser: Analyser
    let dir: URL
    /// Where to write one line per row, for looking at what the analyser made of each.
    var rowsFile: URL? = nil

    static let attack = ["atomic.jsonl", "gtfobins.jsonl", "lolbas.jsonl", "loobins.jsonl", "sigma_regression.jsonl", "dosfuscation.jsonl"]
    static let benign = ["tldr_benign.jsonl", "nl2bash.jsonl", "tldr_windows.jsonl"]

    func run() {
        var dump: [String] = []
        defer { if let rowsFile { try? (dump.joined(separator: "\n") + "\n").write(to: rowsFile, atomically: true, encoding: .utf8) } }
        print("## Quality\n")
        print("Share of rows at each risk level (`≥med` and `≥high` are cumulative).\n")
        print("| corpus | rows | none | low | medium | high | critical | ≥med | ≥high | expected tactic found |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        var attackTotal = 0, attackMed = 0, attackHigh = 0
        var byTactic: [String: [RiskLevel: Int]] = [:]
        for name in Self.attack + Self.benign {
            let rows = Corpora.rows(name, in: dir)
            guard !rows.isEmpty else { continue }
            var counts: [RiskLevel: Int] = [:]
            var labelled = 0, tacticHits = 0
            for row in rows {
                let dialect = ShellDialect(name: row.shell) ?? .sh
                let a = analyser.analyse(row.command, dialect: dialect)
                counts[a.risk, default: 0] += 1
                if rowsFile != nil {
                    let line: [String: Any] = [
                        "corpus": name, "labels": row.labels, "risk": a.risk.rawValue, "techniques": a.techniques, "command": row.command,
                    ]
                    if let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) {
                        dump.append(String(decoding: data, as: UTF8.self))
                    }
                }
                let expected = Set(row.labels.flatMap { expectedTactics($0) })
                if !expected.isEmpty {
                    labelled += 1
                    if !expected.isDisjoint(with: a.tactics) { tacticHits += 1 }
                    if name == "atomic.jsonl" {
                        for t in expected { byTactic[t, default: [:]][a.risk, default: 0] += 1 }
                    }
                }
            }
            let n = rows.count
            let med = (counts[.medium] ?? 0) + (counts[.high] ?? 0) + (counts[.critical] ?? 0)
            let high = (counts[.high] ?? 0) + (counts[.critical] ?? 0)
            if ["atomic.jsonl", "gtfobins.jsonl", "lolbas.jsonl"].contains(name) {
                attackTotal += n; attackMed += med; attackHigh += high
            }
            let cells = RiskLevel.allCases.map { pct(counts[$0] ?? 0, n) }
            let tactic = labelled > 0 ? pct(tacticHits, labelled) : "–"
            print("| \(name) | \(n) | \(cells.joined(separator: " | ")) | \(pct(med, n)) | \(pct(high, n)) | \(tactic) |")
        }
        print("\nAttack rows (Atomic Red Team + GTFOBins + LOLBAS): \(attackTotal); at medium or above: \(pct(attackMed, attackTotal)) (aim ≥ 90%); at high or above: \(pct(attackHigh, attackTotal)) (aim ≥ 75%).\n")
        print("### Atomic Red Team by tactic\n")
        print("| tactic | rows | none | low | medium | high | critical |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for (tactic, counts) in byTactic.sorted(by: { $0.key < $1.key }) {
            let n = counts.values.reduce(0, +)
            let name = analyser.catalogue.tactics[tactic] ?? tactic
            print("| \(tactic) \(name) | \(n) | \(RiskLevel.allCases.map { pct(counts[$0] ?? 0, n) }.joined(separator: " | ")) |")
        }
        print("")
    }

    /// Tactics expected for a label: an ATT&CK technique id, or a tactic name (loobins).
    func expectedTactics(_ label: String) -> [String] {
        if label.hasPrefix("T") {
            return analyser.catalogue.tactics(of: label)
        }
        let lower = label.lowercased().replacingOccurrences(of: "_", with: " ")
        return analyser.catalogue.tactics.filter { $0.value.lowercased() == lower }.map(\.key)
    }

    func pct(_ a: Int, _ n: Int) -> String { n == 0 ? "–" : String(format: "%.1f%%", Double(a) * 100 / Double(n)) }
}
