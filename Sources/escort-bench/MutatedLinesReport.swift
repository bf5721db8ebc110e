import Foundation
import ShellAnalysis

/// The slowest single line: corpus lines mutated the way the fuzz target mutates them (multi-byte
/// letters, quotes, brackets, deep nesting, long repeats), each analysed once in one of the four
/// languages in turn. Reports p99 and the worst time beside it (aim: worst under 10 ms).
struct MutatedLinesReport {
    let analyser: Analyser
    let lines: [String]
    var count = 100_000
    var seed: UInt64 = 0x5EED_0017

    static let multiByte = ["⻐", "é", "中", "𝕏", "🙂", "\u{200B}", "\u{FEFF}", "\u{2019}", "\u{A0}", "Ω", "\u{301}"]
    static let quotes = ["'", "\"", "`", "\u{2018}", "''", "$'", "@'\n"]
    static let brackets = ["[", "]", "{", "}", "(", ")", "$(", "${", "@(", "@{", "[[", "((", "<#", "%", "^"]
    static let openers = ["$(", "(", "{ ", "\"$(", "[", "@(", "${x:-", "`", "& (", "cmd /c ", "sh -c '", "iex ("]

    func run() {
        guard !lines.isEmpty else { return }
        var state = seed
        func below(_ n: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return n <= 1 ? 0 : Int(state % UInt64(n))
        }
        let dialects: [ShellDialect] = [.sh, .powershell, .cmd, .bash]
        var times: [Double] = []
        times.reserveCapacity(count)
        var worst = (time: 0.0, line: "", dialect: ShellDialect.sh)
        let clock = ContinuousClock()
        for i in 0..<count {
            var scalars = Array(lines[below(lines.count)].unicodeScalars)
            for _ in 0..<(1 + below(3)) {
                let at = below(scalars.count + 1)
                let piece: String
                switch below(6) {
                case 0: piece = Self.multiByte[below(Self.multiByte.count)]
                case 1: piece = Self.quotes[below(Self.quotes.count)]
                case 2: piece = Self.brackets[below(Self.brackets.count)]
                case 3: piece = String(repeating: Self.openers[below(Self.openers.count)], count: 10 + below(120))
                case 4:
                    guard !scalars.isEmpty else { continue }
                    let from = below(scalars.count)
                    var s = String.UnicodeScalarView()
                    s.append(contentsOf: scalars[from..<min(scalars.count, from + 1 + below(8))])
                    piece = String(repeating: String(s), count: 20 + below(400))
                default: piece = Self.brackets[below(4)] + Self.multiByte[below(Self.multiByte.count)]
                }
                scalars.insert(contentsOf: piece.unicodeScalars, at: at)
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            let line = String(view)
            let dialect = dialects[i % dialects.count]
            let t0 = clock.now
            _ = analyser.analyse(line, dialect: dialect)
            let d = clock.now - t0
            let ms = Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15
            times.append(ms)
            if ms > worst.time { worst = (ms, line, dialect) }
        }
        times.sort()
        let p99 = times[Int(Double(times.count) * 0.99)]
        if let path = ProcessInfo.processInfo.environment["ESCORT_BENCH_WORST"] {
            // The slowest line, for looking at it (`ESCORT_BENCH_WORST=FILE`).
            try? worst.line.write(toFile: path, atomically: true, encoding: .utf8)
        }
        print("Mutated lines (\(count), the fuzz target's mutations, four languages in turn): p99 \(String(format: "%.2f", p99)) ms, worst \(String(format: "%.2f", worst.time)) ms (aim: worst under 10 ms; \(worst.dialect.rawValue), \(worst.line.utf8.count) bytes).\n")
    }
}
