#if canImport(Glibc)
import Glibc
#endif
import Agent
import ArgumentParser
import EscortTesting
import Foundation

/// `escort-agent`'s added cost per program start: the same shell loops and a small C build run
/// under the agent (every exec stopped by the kernel, reported, answered, traced through the
/// exec and checked) and directly by bash, in the same run. The answers here are immediate: this
/// measures the mechanism, not the gateway's analysis or its audit append.
struct AgentBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "escort-agent vs direct bash: cost per mediated exec (p50/p99), a 1,000-exec loop, a small build.")

    @Option(help: "Execs per timed loop.")
    var execs: Int = 1000

    @Option(help: "Rounds of 50 execs for the per-exec distribution.")
    var rounds: Int = 40

    func run() async throws {
        guard let agentPath = BuiltProduct.path("escort-agent") ?? Optional(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("escort-agent").path),
              FileManager.default.isExecutableFile(atPath: agentPath) else {
            print("escort-bench: error: escort-agent is not built beside escort-bench")
            throw ExitCode(2)
        }
        let dir = TemporaryDirectory(prefix: "escort-bench-agent")
        try writeProject(dir.path)
        let agent = try AgentDriver(path: agentPath, directory: dir.path)
        defer { agent.stop() }
        print("# escort-agent: cost of exec-time mediation (\(ProcessInfo.processInfo.activeProcessorCount) cores)\n")
        let loop = "for i in $(seq \(execs)); do /bin/true; done"
        let direct = try timeDirect(loop, in: dir.path)
        let mediated = try agent.time(loop)
        print("| measure | direct | under escort-agent | added |")
        print("|---|---|---|---|")
        print(String(format: "| %d-exec shell loop | %.1f ms | %.1f ms | %.1f µs per exec (%.2f×) |", execs, direct * 1000, mediated * 1000,
                     (mediated - direct) / Double(execs) * 1e6, mediated / direct))
        var added: [Double] = []
        for _ in 0..<rounds {
            let small = "for i in $(seq 50); do /bin/true; done"
            let d = try timeDirect(small, in: dir.path)
            let m = try agent.time(small)
            added.append((m - d) / 50 * 1e6)
        }
        added.sort()
        let p50 = added[added.count / 2]
        let p99 = added[min(added.count - 1, Int(Double(added.count) * 0.99))]
        print(String(format: "| added per exec, over %d rounds of 50 | – | – | p50 %.1f µs, p99 %.1f µs |", rounds, p50, p99))
        let build = "make -s -C \(dir.path)/proj clean all"
        let bd = try timeDirect(build, in: dir.path)
        let bm = try agent.time(build)
        print(String(format: "| small C build (make, 4 files) | %.1f ms | %.1f ms | %.2f× |", bd * 1000, bm * 1000, bm / bd))
        print("\n\(agent.execsSeen) execs mediated in all.")
    }

    func writeProject(_ root: String) throws {
        let proj = root + "/proj"
        try FileManager.default.createDirectory(atPath: proj, withIntermediateDirectories: true)
        for i in 1...3 {
            try "int f\(i)(int x) { return x * \(i); }\n".write(toFile: "\(proj)/f\(i).c", atomically: true, encoding: .utf8)
        }
        try "int f1(int);int f2(int);int f3(int);\nint main(void) { return f1(1) + f2(2) + f3(3) - 14; }\n".write(toFile: "\(proj)/main.c", atomically: true, encoding: .utf8)
        try "all: app\napp: main.o f1.o f2.o f3.o\n\tcc -o app $^\n%.o: %.c\n\tcc -O1 -c $<\nclean:\n\trm -f app *.o\n".write(toFile: "\(proj)/Makefile", atomically: true, encoding: .utf8)
    }

    func timeDirect(_ command: String, in dir: String) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["--noprofile", "--norc", "-c", command]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        let start = ContinuousClock.now
        try p.run()
        p.waitUntilExit()
        return (ContinuousClock.now - start).seconds
    }
}

/// A minimal gateway side of the agent protocol that allows every exec at once.
final class AgentDriver {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    var decoder = AgentFrameDecoder()
    var pending: [AgentFrame] = []
    var number = 0
    var execsSeen = 0

    init(path: String, directory: String) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["session", "--cwd", directory]
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": directory, "TERM": "dumb", "LANG": "C.UTF-8"]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        _ = try wait { if case .finished = $0 { return true }; return false }
    }

    func send(_ m: AgentMessage) throws {
        try input.fileHandleForWriting.write(contentsOf: m.frame.encoded)
    }

    /// Reads messages, answering every exec with "allow", until `done` says so.
    func wait(_ done: (AgentMessage) -> Bool) throws -> AgentMessage {
        while true {
            while !pending.isEmpty {
                let m = try AgentMessage(frame: pending.removeFirst())
                if case .exec(let r) = m {
                    execsSeen += 1
                    try send(.decision(id: r.id, allow: true, reason: "bench"))
                    continue
                }
                if case .failure(let text) = m { throw TestSetupError("agent: \(text)") }
                if done(m) { return m }
            }
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { throw TestSetupError("the agent ended") }
            pending += try decoder.feed(data)
        }
    }

    /// Seconds from handing the shell `command` to its end.
    func time(_ command: String) throws -> Double {
        number += 1
        let n = number
        let start = ContinuousClock.now
        try send(.run(number: n, command: command))
        _ = try wait { if case .finished(let k, _, _) = $0 { return k == n }; return false }
        return (ContinuousClock.now - start).seconds
    }

    func stop() {
        try? send(.stop)
        process.waitUntilExit()
    }
}
