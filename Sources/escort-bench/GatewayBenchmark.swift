#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import Policy
import ShellAnalysis
import StoreSQLite

/// `escort-bench gateway`: throughput and added latency through the gateway against direct ssh to
/// the same sshd, in the same run; gateway memory per idle session.
struct GatewayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Gateway vs direct ssh: MiB/s of head -c N /dev/zero, Enter-to-output latency, memory per idle session.")

    @Option(help: "Bytes streamed by head -c in the throughput test.")
    var bytes: Int = 1 << 30

    @Option(help: "Commands timed for latency.")
    var rounds: Int = 200

    @Option(help: "Idle sessions opened for the memory measurement.")
    var sessions: Int = 200

    func run() async throws {
        do {
            try await measure()
        } catch {
            print("escort-bench: error: \(error)")
            throw ExitCode(2)
        }
    }

    func measure() async throws {
        let dir = TemporaryDirectory(prefix: "escort-bench-gw")
        let targetKey = dir.file("target_key")
        let sshd = try await SSHDaemon(authorizedKey: try SSHTestKeys.make(targetKey))
        defer { sshd.stop() }
        let userKey = dir.file("bench_key")
        let line = try SSHTestKeys.make(userKey)
        let store = try SQLiteStore(path: dir.file("escort.sqlite"))
        try await store.addPerson(Person(
            name: "bench", displayName: "Bench", employer: "CloudCo", contractor: "CloudCo", citizenships: [CountryCode("US")],
            residence: CountryCode("US"), location: CountryCode("US"), clearance: .secret, roles: [.engineer],
            keys: [try SSHPublicKey.parse(authorizedKeysLine: line)]))
        try await store.addTarget(Target(name: "real", impactLevel: .il2, owner: "bench",
                                         connection: .ssh(host: "127.0.0.1", port: sshd.port, user: sshd.user, keyPath: targetKey),
                                         sshHostKey: sshd.hostKey))
        try await store.addTarget(Target(name: "local", impactLevel: .il2, owner: "bench", connection: .localShell))
        let log = try await AuditLog.open(store: store, key: GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key")))
        let engine = PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: .empty)
        let context = GatewayContext(
            analyser: try Analyser.bundled().get(),
            authority: RegistryAuthority(store: store, engine: engine, localHome: dir.file("targets")),
            audit: log, hub: ModerationHub(), recordingsDirectory: dir.file("recordings"))
        let server = try await GatewayServer.start(context: context, hostKey: HostKeyFile.loadOrCreate(path: dir.file("host.key")), host: "127.0.0.1", port: 0)

        func client(_ key: String, _ port: Int, _ login: String, tty: Bool) -> [String] {
            SSHTestKeys.clientArguments(key: key, port: port, login: login, tty: tty)
        }

        // Throughput: the same command, direct and through the gateway, output counted by wc.
        print("Throughput of head -c \(bytes) /dev/zero (MiB/s, best of 2):")
        let command = "head -c \(bytes) /dev/zero"
        func stream(_ args: [String]) async throws -> Double {
            var best = 0.0
            for _ in 0..<2 {
                let quoted = args.map { "'\($0)'" }.joined(separator: " ")
                let start = Date()
                let r = try await ChildProcess.run("/bin/sh", ["-c", "/usr/bin/ssh \(quoted) | wc -c"])
                let seconds = Date().timeIntervalSince(start)
                guard Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == bytes else {
                    throw TestSetupError("expected \(bytes) bytes, got \(r.stdout) \(r.stderr)")
                }
                best = max(best, Double(bytes) / 1_048_576 / seconds)
            }
            return best
        }
        let direct = try await stream(client(targetKey, sshd.port, sshd.user, tty: false) + ["--", command])
        // The gateway runs every command in a shell on a terminal (PTY) on the target, so it can
        // tell where each command's output ends; the same command by direct ssh on a terminal
        // (`ssh -tt`) shows what the terminal alone costs.
        let directTerminal = try await stream(client(targetKey, sshd.port, sshd.user, tty: true) + ["--", command])
        let gateway = try await stream(client(userKey, server.port, "bench+real", tty: false) + ["--", command])
        print(String(format: "  direct ssh to sshd                  %8.1f MiB/s", direct))
        print(String(format: "  direct ssh on a terminal (ssh -tt)  %8.1f MiB/s   ratio %.2f of direct", directTerminal, directTerminal / direct))
        print(String(format: "  through the gateway                 %8.1f MiB/s   ratio %.2f of direct (aim >= 0.8), %.2f of direct on a terminal",
                     gateway, gateway / direct, gateway / directTerminal))

        // Latency: Enter to the command's output, interactive, direct and through the gateway.
        func latencies(_ args: [String], ready: String) async throws -> [Double] {
            let p = try InteractiveProcess("/usr/bin/ssh", args)
            defer { p.terminate() }
            guard await p.waitFor(ready, timeout: 30) else { throw TestSetupError("no prompt: \(p.output) \(p.errorOutput)") }
            try await Task.sleep(for: .milliseconds(300))
            var out: [Double] = []
            for i in 0..<rounds {
                let token = "\(100_000 + i)"
                let mark = p.output.utf8.count
                let start = DispatchTime.now().uptimeNanoseconds
                p.send("echo $((100000+\(i)))\r")
                while true {
                    let o = p.output.utf8
                    if o.count > mark, String(decoding: o.dropFirst(mark), as: UTF8.self).contains(token + "\r\n") { break }
                    if DispatchTime.now().uptimeNanoseconds - start > 10_000_000_000 { throw TestSetupError("no output for round \(i)") }
                    usleep(100)
                }
                out.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return out.sorted()
        }
        let d = try await latencies(client(targetKey, sshd.port, sshd.user, tty: true) + ["exec bash --noediting --norc --noprofile -i"], ready: "bash-")
        let g = try await latencies(client(userKey, server.port, "bench+real", tty: true), ready: "real:")
        func pct(_ xs: [Double], _ q: Double) -> Double { xs[min(xs.count - 1, Int(Double(xs.count) * q))] }
        print("Latency, Enter to the command's output (ms, \(rounds) commands; each gateway command is one durable audit append):")
        print(String(format: "  direct ssh to sshd     p50 %6.2f  p99 %6.2f", pct(d, 0.5), pct(d, 0.99)))
        print(String(format: "  through the gateway    p50 %6.2f  p99 %6.2f   added at p99 %.2f ms (aim < 5)", pct(g, 0.5), pct(g, 0.99), pct(g, 0.99) - pct(d, 0.99)))

        // Memory: the gateway process's resident size with N idle interactive sessions open.
        func rss() -> Double {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        try await Task.sleep(for: .milliseconds(500))
        let before = rss()
        var open: [InteractiveProcess] = []
        for _ in 0..<sessions {
            let p = try InteractiveProcess("/usr/bin/ssh", client(userKey, server.port, "bench+local", tty: true))
            guard await p.waitFor("local:", timeout: 30) else { throw TestSetupError("session did not open: \(p.errorOutput)") }
            open.append(p)
        }
        try await Task.sleep(for: .seconds(1))
        let after = rss()
        print(String(format: "Memory: gateway RSS %.1f MiB before, %.1f MiB with %d idle sessions: %.0f KiB per session (aim < 1024)",
                     before / 1024, after / 1024, sessions, (after - before) / Double(sessions)))
        for p in open { p.terminate() }
        await server.close()
        _ = try? await log.close()
    }
}
