import EscortTesting
import Foundation
import ShellAnalysis
import Testing

/// Feeds the corpora's Unix command lines to `bash -n` and to the parser, and compares which
/// ones are valid. Runs when bash and the corpora are present (both are in CI).
@Suite struct BashCrossCheckTests {
    @Test func parserAgreesWithBashOnTheCorpora() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else {
            print("skipped: /bin/bash not found")
            return
        }
        let root = Corpora.packageRoot(from: #filePath)
        guard let dir = Corpora.directory(packageRoot: root) else {
            print("skipped: ../shared/corpora not found")
            return
        }
        var commands: [String] = []
        for name in Corpora.unixCorpora {
            for row in Corpora.rows(name, in: dir) where row.shell == "sh" || row.shell == "bash" {
                commands.append(row.command)
            }
        }
        #expect(commands.count > 10_000)
        let verdicts = try BashOracle.check(commands)
        var agree = 0
        var disagreements: [(String, Bool, String)] = []
        for (command, bashValid) in zip(commands, verdicts) {
            let parsed = ShellParser.parse(command)
            let ours: Bool
            var why = ""
            switch parsed {
            case .success: ours = true
            case .failure(let f):
                ours = false
                why = f.description
            }
            if ours == bashValid { agree += 1 } else { disagreements.append((command, bashValid, why)) }
        }
        let rate = Double(agree) / Double(commands.count)
        print("bash -n agreement: \(agree)/\(commands.count) = \(String(format: "%.2f", rate * 100))%")
        for (c, b, why) in disagreements.prefix(15) {
            print("  disagree (bash says \(b ? "valid" : "invalid")): \(c.prefix(120).replacingOccurrences(of: "\n", with: "⏎")) \(why)")
        }
        #expect(rate > 0.99)
    }
}

/// Asks real bash whether each command is syntactically valid.
enum BashOracle {
    static func check(_ commands: [String]) throws -> [Bool] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("escort-bash-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("commands")
        var data = Data()
        for c in commands {
            data.append(Data(c.utf8))
            data.append(0)
        }
        try data.write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", #"while IFS= read -r -d '' c; do bash -n -c "$c" </dev/null >/dev/null 2>&1; echo $?; done"#]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let codes = String(decoding: out, as: UTF8.self).split(separator: "\n")
        guard codes.count == commands.count else {
            throw OracleError(message: "bash answered \(codes.count) times for \(commands.count) commands")
        }
        return codes.map { $0 == "0" }
    }

    struct OracleError: Error { var message: String }
}
