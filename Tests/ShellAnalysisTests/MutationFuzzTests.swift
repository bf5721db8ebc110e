import EscortTesting
import Foundation
import ShellAnalysis
import Testing

/// Mutates corpus lines (multi-byte letters, quotes, brackets, deep nesting, long repeats) and
/// reads each mutant in the four languages: sh, PowerShell, cmd and interpreter code (`python3
/// -c`, `perl -e`, `awk`). Every mutant must come back, within a bound, with a verdict that fails
/// closed. A fixed seed and case count run in the normal test run; set `ESCORT_FUZZ_CASES=N` (and
/// `ESCORT_FUZZ_SEED=S`) for longer runs. What a run finds becomes a case in
/// ``FuzzRegressionTests``.
@Suite struct MutationFuzzTests {
    /// xorshift64: the same seed gives the same mutants on every machine.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    }

    static let multiByte = ["⻐", "é", "中", "𝕏", "🙂", "\u{200B}", "\u{FEFF}", "\u{2013}", "\u{2019}", "\u{201C}", "\u{A0}", "ß", "Ω", "\u{301}"]
    static let quotes = ["'", "\"", "`", "\u{2018}", "\u{201D}", "''", "\"\"", "$'", "@'\n", "@\"\n"]
    static let brackets = ["[", "]", "{", "}", "(", ")", "$(", "${", "@(", "@{", "[[", "]]", "((", "))", "<#", "#>", "%", "!", "^"]
    static let openers = ["$(", "(", "{ ", "\"$(", "[", "@(", "${x:-", "`", "& (", "cmd /c ", "sh -c '", "iex ("]

    /// One mutant of `line`.
    static func mutate(_ line: String, _ g: inout Generator) -> String {
        var scalars = Array(line.unicodeScalars)
        let rounds = 1 + g.below(3)
        for _ in 0..<rounds {
            let at = g.below(scalars.count + 1)
            switch g.below(7) {
            case 0: scalars.insert(contentsOf: multiByte[g.below(multiByte.count)].unicodeScalars, at: at)
            case 1: scalars.insert(contentsOf: quotes[g.below(quotes.count)].unicodeScalars, at: at)
            case 2: scalars.insert(contentsOf: brackets[g.below(brackets.count)].unicodeScalars, at: at)
            case 3:
                let opener = openers[g.below(openers.count)]
                let n = 10 + g.below(120)
                scalars.insert(contentsOf: String(repeating: opener, count: n).unicodeScalars, at: at)
            case 4:
                guard !scalars.isEmpty else { continue }
                let from = g.below(scalars.count)
                let piece = scalars[from..<min(scalars.count, from + 1 + g.below(8))]
                let repeated = Array(repeatElement(piece, count: 20 + g.below(400)).joined())
                scalars.insert(contentsOf: repeated, at: at)
            case 5:
                if at < scalars.count { scalars.remove(at: at) }
            default:
                // A multi-byte letter right after a bracket: where type literals and subscripts start.
                scalars.insert(contentsOf: (brackets[g.below(4)] + multiByte[g.below(multiByte.count)]).unicodeScalars, at: at)
            }
        }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }

    static func interpreterLine(_ code: String, _ g: inout Generator) -> String {
        let escaped = code.replacingOccurrences(of: "'", with: "'\\''")
        switch g.below(4) {
        case 0: return "python3 -c 'import os; os.system(\"\(escaped)\")'"
        case 1: return "perl -e 'system(\"\(escaped)\")'"
        case 2: return "awk 'BEGIN { system(\"\(escaped)\") }'"
        default: return "node -e 'require(\"child_process\").execSync(\"\(escaped)\")'"
        }
    }

    struct Corpus {
        var sh: [String] = []
        var powershell: [String] = []
        var cmd: [String] = []
    }

    static func corpus() -> Corpus? {
        guard let dir = Corpora.directory(packageRoot: Corpora.packageRoot(from: #filePath)) else { return nil }
        var c = Corpus()
        for name in ["atomic.jsonl", "gtfobins.jsonl", "lolbas.jsonl", "tldr_windows.jsonl", "ops_redteam_dev.jsonl", "dosfuscation.jsonl", "nl2bash.jsonl"] {
            for row in Corpora.rows(name, in: dir) where row.command.utf8.count < 4000 {
                switch row.shell {
                case "powershell": c.powershell.append(row.command)
                case "cmd": c.cmd.append(row.command)
                default: c.sh.append(row.command)
                }
            }
        }
        return c
    }

    static var cases: Int { ProcessInfo.processInfo.environment["ESCORT_FUZZ_CASES"].flatMap { Int($0) } ?? 1200 }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["ESCORT_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5DEE_CE66_D1CE_4E5B }

    @Test(.enabled(if: corpus() != nil, "needs ../shared/corpora"))
    func mutatedCorpusLinesGiveAVerdictInTimeAndFailClosed() throws {
        let analyser = try Analyser.bundled().get()
        let corpus = try #require(Self.corpus())
        var g = Generator(state: Self.seed)
        var slow: [(String, ShellDialect, Double)] = []
        var worst = 0.0
        var worstLine = ("", ShellDialect.sh)
        let clock = ContinuousClock()
        for n in 0..<Self.cases {
            let dialect: ShellDialect
            let line: String
            switch n % 4 {
            case 0:
                dialect = .sh
                line = Self.mutate(corpus.sh[g.below(corpus.sh.count)], &g)
            case 1:
                dialect = .powershell
                line = Self.mutate(corpus.powershell[g.below(corpus.powershell.count)], &g)
            case 2:
                dialect = .cmd
                line = Self.mutate(corpus.cmd[g.below(corpus.cmd.count)], &g)
            default:
                dialect = .sh
                line = Self.interpreterLine(Self.mutate(corpus.sh[g.below(corpus.sh.count)], &g), &g)
            }
            var a: Analysis?
            let took = clock.measure { a = analyser.analyse(line, dialect: dialect) }
            let ms = Double(took.components.attoseconds) / 1e15 + Double(took.components.seconds) * 1000
            if ms > worst { worst = ms; worstLine = (line, dialect) }
            if ms > 2000 { slow.append((line, dialect, ms)) }
            if let a, a.status != .complete {
                #expect(a.risk >= .high, "`\(line)` (\(dialect)) was not read in full but was judged \(a.risk)")
            }
        }
        #expect(slow.isEmpty, "slow inputs: \(slow.map { "\($0.1) \(Int($0.2)) ms: \($0.0.debugDescription)" })")
        print("MutationFuzzTests: \(Self.cases) mutants, worst \(Int(worst)) ms (\(worstLine.1), \(worstLine.0.utf8.count) bytes: \(String(worstLine.0.prefix(160)).debugDescription))")
    }
}

/// Inputs that fuzzing found to hang or crash the readers, kept as regression tests (as
/// swift-nio-ssh keeps its fuzz results).
@Suite struct FuzzRegressionTests {
    /// Each found input, with the language it was read in.
    static let found: [(String, ShellDialect)] = [
        // A three-byte letter inside a type literal after `catch`: the PowerShell reader looped for ever.
        ("pwsh -c 'catch [⻐x] {}'", .sh),
        ("catch [⻐x] {}", .powershell),
        ("try { x } catch [⻐x], [ⅹ] { y }", .powershell),
        ("catch [1] [2] {}", .powershell),
        ("powershell -c \"catch [⻐]\"", .cmd),
        // A command word of dots: cmd's word splitter rebuilt the word's text for every `.`.
        ("odb" + String(repeating: ".", count: 20000), .cmd),
    ]

    @Test(arguments: found.indices)
    func foundInputIsReadInTime(_ index: Int) throws {
        let analyser = try Analyser.bundled().get()
        let (line, dialect) = Self.found[index]
        let clock = ContinuousClock()
        var a: Analysis?
        let took = clock.measure { a = analyser.analyse(line, dialect: dialect) }
        #expect(took < .seconds(2), "`\(line)` took \(took)")
        if let a, a.status != .complete { #expect(a.risk >= .high) }
    }

    @Test func aSpentStepBudgetFailsClosed() throws {
        let catalogue = try Catalogue.bundled.get()
        let tight = Analyser(catalogue: catalogue, limits: ParserLimits(maxSteps: 20, stepsPerByte: 0))
        let script = Array(repeating: "echo hi", count: 200).joined(separator: "\n")
        for dialect in [ShellDialect.sh, .powershell, .cmd] {
            let a = tight.analyse(dialect == .cmd ? script.replacingOccurrences(of: "\n", with: " & ") : script, dialect: dialect)
            #expect(a.risk >= .high, "\(dialect)")
            #expect(a.status == .tooComplex, "\(dialect)")
            #expect(a.summary.contains("Escort could not finish reading this command"), "\(dialect): \(a.summary)")
        }
        // The default budget reads the same script in full.
        let full = try Analyser.bundled().get().analyse(script)
        #expect(full.status == .complete)
        #expect(full.risk < .high)
    }

    @Test func theDeadlineVerdictIsHighAndSaysSo() {
        let a = Analyser.couldNotFinish("cat /etc/hostname")
        #expect(a.risk == .high)
        #expect(a.status == .tooComplex)
        #expect(a.summary.contains("Escort could not finish reading this command"))
        #expect(a.findings.first?.range == SourceRange(0, 17))
    }
}
