import Foundation
import ShellAnalysis

/// The red-team set (`ops_redteam_dev.jsonl`): realistic insider attacks, each with the tactic it
/// should be named with, and routine support commands, labelled `expect: flag|pass`. Reports the
/// share of attacks at high or above, of attacks whose expected tactic is named, and of routine
/// commands kept at low or none; with `verbose`, every row that misses.
struct RedTeamReport {
    let analyser: Analyser
    let dir: URL
    var verbose = false

    static let files = ["ops_redteam_dev.jsonl"]

    func run() {
        for name in Self.files {
            guard let text = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) else { continue }
            var attacks = 0, high = 0, tactic = 0, routine = 0, low = 0
            var misses: [String] = []
            for line in text.split(separator: "\n") {
                guard let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let command = row["command"] as? String, let expect = row["expect"] as? String
                else { continue }
                let dialect = ShellDialect(name: row["shell"] as? String ?? "sh") ?? .sh
                let a = analyser.analyse(command, dialect: dialect)
                let id = row["id"] as? String ?? "?"
                if expect == "flag" {
                    attacks += 1
                    let isHigh = a.risk >= .high
                    let named = (row["tactic"] as? String).map { a.tactics.contains($0) } ?? true
                    if isHigh { high += 1 }
                    if named { tactic += 1 }
                    if !isHigh || !named { misses.append("attack \(id) \(a.risk.rawValue) \(a.tactics) want \(row["tactic"] ?? "-"): \(command.prefix(100))") }
                } else {
                    routine += 1
                    if a.risk <= .low { low += 1 } else { misses.append("routine \(id) \(a.risk.rawValue): \(command.prefix(100)) — \(a.summary.prefix(120))") }
                }
            }
            print("### \(name)\n")
            print("| rows | attacks at high or above | right tactic named | routine at low or none |")
            print("|---:|---:|---:|---:|")
            print("| \(attacks + routine) | \(pct(high, attacks)) (\(high)/\(attacks)) | \(pct(tactic, attacks)) (\(tactic)/\(attacks)) | \(pct(low, routine)) (\(low)/\(routine)) |\n")
            if verbose { for m in misses { print("- \(m)") } }
        }
    }

    func pct(_ a: Int, _ n: Int) -> String { n == 0 ? "–" : String(format: "%.1f%%", Double(a) * 100 / Double(n)) }
}
