import EscortTesting
import Foundation
import ShellAnalysis

/// Commands per second and MB/s, Escort against bashlex and shfmt on the same input.
struct SpeedReport {
    let analyser: Analyser
    let dir: URL
    let baselines: Bool

    func run() throws {
        var lines: [String] = []
        for name in Corpora.unixCorpora {
            for row in Corpora.rows(name, in: dir) where (row.shell == "sh" || row.shell == "bash") && !row.command.contains("\n") {
                if case .success = ShellParser.parse(row.command) { lines.append(row.command) }
            }
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("escort-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        // Escort: every line parsed and analysed, three passes, per-command latency recorded.
        var latencies: [Double] = []
        latencies.reserveCapacity(lines.count * 3)
        let clock = ContinuousClock()
        let total = clock.measure {
            for _ in 0..<3 {
                for line in lines {
                    let t0 = clock.now
                    _ = analyser.analyse(line)
                    latencies.append(Double((clock.now - t0).components.attoseconds) / 1e9 + Double((clock.now - t0).components.seconds) * 1e9)
                }
            }
        }
        let escortAnalyseRate = Double(lines.count * 3) / total.seconds
        var parseOnly = clock.measure { for _ in 0..<3 { for line in lines { _ = ShellParser.parse(line) } } }
        let escortParseRate = Double(lines.count * 3) / parseOnly.seconds
        latencies.sort()
        let p50 = latencies[latencies.count / 2] / 1e3
        let p99 = latencies[Int(Double(latencies.count) * 0.99)] / 1e3

        // A large script: the same lines, one after another.
        var script = lines.joined(separator: "\n") + "\n"
        if baselines, let fixed = try shfmtAcceptable(script, work: work) { script = fixed }
        let bytes = Double(script.utf8.count)
        var parseTimes: [Double] = []
        for _ in 0..<5 { parseOnly = clock.measure { _ = ShellParser.parse(script) }; parseTimes.append(parseOnly.seconds) }
        let escortMBs = bytes / 1e6 / parseTimes.min()!
        let analyseScript = clock.measure { _ = analyser.analyse(script) }

        print("## Speed\n")
        print("Input: \(lines.count) single-line commands from the Unix corpora that Escort parses; as one script, \(String(format: "%.2f", bytes / 1e6)) MB.\n")
        print("| measure | Escort | baseline | ratio |")
        print("|---|---:|---:|---:|")
        var bashlexRate: Double? = nil
        var shfmtMBs: Double? = nil
        if baselines {
            bashlexRate = try bashlex(lines, work: work)
            shfmtMBs = try shfmt(script, work: work)
        }
        func row(_ label: String, _ ours: Double, _ base: Double?, _ unit: String, _ baseName: String) {
            let b = base.map { String(format: "%.0f %@ (%@)", $0, unit, baseName) } ?? "not measured"
            let r = base.map { String(format: "%.1f×", ours / $0) } ?? "–"
            print("| \(label) | \(String(format: "%.0f", ours)) \(unit) | \(b) | \(r) |")
        }
        row("parse, commands/s", escortParseRate, bashlexRate, "cmd/s", "bashlex parse")
        row("parse + full analysis, commands/s", escortAnalyseRate, bashlexRate, "cmd/s", "bashlex parse")
        row("parse a large script, MB/s", escortMBs, shfmtMBs, "MB/s", "shfmt")
        if let processRate = try analyzeProcess(lines, work: work) {
            row("`escort analyze --format jsonl`, whole process, commands/s", processRate, bashlexRate, "cmd/s", "bashlex parse")
        }
        print("\nFull analysis of the large script as one input: \(String(format: "%.2f", analyseScript.seconds)) s.")
        print("Latency of one command line (parse + analysis): p50 \(String(format: "%.1f", p50)) µs, p99 \(String(format: "%.1f", p99)) µs (aim: p99 under 1 ms).\n")
        MutatedLinesReport(analyser: analyser, lines: lines).run()
    }

    /// Commands per second through `escort analyze --format jsonl` as a whole process (start-up,
    /// reading JSON, analysis, writing JSON), the `escort` built beside this bench; nil when it
    /// is not there.
    func analyzeProcess(_ lines: [String], work: URL) throws -> Double? {
        guard let escort = Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("escort"),
            FileManager.default.isExecutableFile(atPath: escort.path) else { return nil }
        var input = ""
        for line in lines {
            let data = try JSONSerialization.data(withJSONObject: ["command": line, "shell": "sh"])
            input += String(decoding: data, as: UTF8.self) + "\n"
        }
        let file = work.appendingPathComponent("analyze-input.jsonl")
        try input.write(to: file, atomically: true, encoding: .utf8)
        var best = Double.infinity
        for _ in 0..<3 {
            let p = Process()
            p.executableURL = escort
            p.arguments = ["analyze", "--format", "jsonl"]
            p.standardInput = try FileHandle(forReadingFrom: file)
            p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            let t = ContinuousClock().measure {
                try? p.run()
                p.waitUntilExit()
            }
            guard p.terminationStatus == 0 else { return nil }
            best = min(best, Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18)
        }
        return Double(lines.count) / best
    }

    /// Drops lines shfmt rejects, so both parsers read the same script.
    func shfmtAcceptable(_ script: String, work: URL) throws -> String? {
        guard let shfmt = which("shfmt") else { return nil }
        var lines = script.components(separatedBy: "\n")
        for _ in 0..<200 {
            let file = work.appendingPathComponent("big.sh")
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            let (status, _, err) = try runProcess(shfmt, ["-ln", "bash", file.path])
            if status == 0 { return lines.joined(separator: "\n") }
            // "big.sh:LINE:COL: message"
            let parts = err.split(separator: ":")
            guard parts.count > 2, let n = Int(parts[1]), n >= 1, n <= lines.count else { return nil }
            lines.remove(at: n - 1)
        }
        return nil
    }

    func shfmt(_ script: String, work: URL) throws -> Double? {
        guard let shfmt = which("shfmt") else { print("(shfmt not installed: apt-get install shfmt)"); return nil }
        let file = work.appendingPathComponent("big.sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        var best = Double.infinity
        let clock = ContinuousClock()
        // shfmt's output goes to /dev/null: reading it back through a pipe would time this
        // process's reading, not shfmt's parsing (it made shfmt's figure vary from 6 to 28 MB/s).
        for _ in 0..<9 {
            let d = try clock.measure { _ = try runProcess(shfmt, ["-ln", "bash", file.path], discardingOutput: true) }
            best = min(best, d.seconds)
        }
        // Start-up cost of the process, measured on an empty file, is subtracted.
        let empty = work.appendingPathComponent("empty.sh")
        try "".write(to: empty, atomically: true, encoding: .utf8)
        var startup = Double.infinity
        for _ in 0..<9 {
            let d = try clock.measure { _ = try runProcess(shfmt, ["-ln", "bash", empty.path], discardingOutput: true) }
            startup = min(startup, d.seconds)
        }
        return Double(script.utf8.count) / 1e6 / max(1e-6, best - startup)
    }

    func bashlex(_ lines: [String], work: URL) throws -> Double? {
        let venv = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".venv")
        let python = venv.appendingPathComponent("bin/python3").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("(bashlex not installed: python3 -m venv .venv && .venv/bin/pip install bashlex)")
            return nil
        }
        let input = work.appendingPathComponent("lines.json")
        try JSONSerialization.data(withJSONObject: lines).write(to: input)
        let code = """
        import json, sys, time, bashlex
        lines = json.load(open(sys.argv[1]))
        best = None
        for _ in range(3):
            t = time.perf_counter()
            for l in lines:
                try: bashlex.parse(l)
                except Exception: pass
            d = time.perf_counter() - t
            best = d if best is None else min(best, d)
        print(len(lines) / best)
        """
        let (status, out, err) = try runProcess(python, ["-c", code, input.path])
        guard status == 0, let rate = Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            print("(bashlex failed: \(err.prefix(200)))")
            return nil
        }
        return rate
    }

    func which(_ name: String) -> String? {
        for d in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(d)/\(name)") {
            return "\(d)/\(name)"
        }
        return nil
    }

    /// Runs a program to its end; its output is returned, or sent to /dev/null when `discardingOutput`.
    func runProcess(_ path: String, _ args: [String], discardingOutput: Bool = false) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if discardingOutput {
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            return (p.terminationStatus, "", "")
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
