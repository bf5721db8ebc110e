import ArgumentParser
import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import Policy
import ShellAnalysis
import Store
import StorePostgres
import StoreSQLite

/// `escort-bench cluster`: commands per second through two gateway nodes sharing one PostgreSQL
/// database, against one node on SQLite (the baseline), the same workload in the same run.
///
/// Each node is a full gateway in this process with its own store connection pool and its own
/// `AuditLog` writer; the two write one hash chain (serialised appends: a writer that loses a
/// sequence number catches up and retries). Clients are the stock OpenSSH client in interactive
/// sessions to a local-shell target, spread evenly over the nodes; each sends `echo` commands one
/// after another (every command is at least three durable audit appends).
struct ClusterBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Commands per second: two gateway nodes on one PostgreSQL against one node on SQLite (and one on PostgreSQL).")

    @Option(help: "Concurrent engineer sessions.")
    var clients = 8

    @Option(help: "Commands each session sends, one after another.")
    var commands = 40

    @Option(help: "Held commands decided across nodes, for the decision latency.")
    var decisions = 200

    func run() async throws {
        do {
            try await measure()
        } catch {
            print("escort-bench: error: \(error)")
            throw ExitCode(2)
        }
    }

    func measure() async throws {
        let dir = TemporaryDirectory(prefix: "escort-bench-cluster")
        let userKey = dir.file("bench_key")
        let line = try SSHTestKeys.make(userKey)
        let key = try SSHPublicKey.parse(authorizedKeysLine: line)

        print("Commands per second, \(clients) sessions × \(commands) commands (echo), local-shell target:")
        let sqlite = try SQLiteStore(path: dir.file("escort.sqlite"))
        try await Self.seed(sqlite, key: key)
        let one = try await Node.start(store: sqlite, dir: dir, name: "sqlite")
        let baseline = try await workload(ports: [one.port], key: userKey)
        await one.close()
        print(String(format: "  1 node,  SQLite       %7.1f commands/s", baseline))

        let server = try await PostgresServer.shared()
        let db = try await server.freshDatabase()
        let config = try PostgresStoreConfiguration(url: "postgres://\(db.user)@\(db.host):\(db.port)/\(db.name)", password: db.password)
        let storeA = try await PostgresStore.open(config)
        let storeB = try await PostgresStore.open(config)
        try await Self.seed(storeA, key: key)
        try await decisionLatency(sqlite: sqlite, postgres: (storeA, storeB))
        let single = try await Node.start(store: storeA, dir: dir, name: "single")
        let onePostgres = try await workload(ports: [single.port], key: userKey)
        await single.close()
        print(String(format: "  1 node,  PostgreSQL   %7.1f commands/s   %.2f× the SQLite node", onePostgres, onePostgres / baseline))
        let a = try await Node.start(store: storeA, dir: dir, name: "a")
        let b = try await Node.start(store: storeB, dir: dir, name: "b")
        let cluster = try await workload(ports: [a.port, b.port], key: userKey)
        await a.close()
        await b.close()
        await storeA.close()
        await storeB.close()
        print(String(format: "  2 nodes, PostgreSQL   %7.1f commands/s   %.2f× the SQLite node", cluster, cluster / baseline))
        print("  (all on this machine's \(ProcessInfo.processInfo.activeProcessorCount) cores: the nodes, PostgreSQL, sshd-less local shells and the ssh clients)")
    }

    /// One gateway node on `store`.
    struct Node {
        var server: GatewayServer
        var log: AuditLog
        var port: Int { server.port }

        static func start(store: some AuditStore & RegistryStore & ModerationStore, dir: TemporaryDirectory, name: String) async throws -> Node {
            let log = try await AuditLog.open(store: store, key: GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key")))
            let engine = PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: .empty)
            var context = GatewayContext(
                analyser: try Analyser.bundled().get(),
                authority: RegistryAuthority(store: store, engine: engine, localHome: dir.file("targets-\(name)")),
                audit: log, hub: ModerationHub(), recordingsDirectory: dir.file("recordings-\(name)"))
            // As `escort serve` runs: present in the store, sharing its sessions with other nodes.
            let presence = NodePresence(node: "bench-\(name)", store: store, audit: log)
            try await presence.start()
            context.presence = presence
            await context.hub.joinCluster(ClusterLink(store: store, node: presence.node, staleAfter: presence.staleAfter))
            let server = try await GatewayServer.start(context: context, hostKey: HostKeyFile.loadOrCreate(path: dir.file("host.key")), host: "127.0.0.1", port: 0)
            return Node(server: server, log: log, hub: context.hub, presence: presence)
        }

        var hub: ModerationHub
        var presence: NodePresence

        func close() async {
            await server.close()
            await hub.leaveCluster()
            await presence.stop()
            _ = try? await log.close()
        }
    }

    static func seed(_ store: some RegistryStore, key: SSHPublicKey) async throws {
        try await store.addPerson(Person(
            name: "bench", displayName: "Bench", employer: "CloudCo", contractor: "CloudCo", citizenships: [CountryCode("US")],
            residence: CountryCode("US"), location: CountryCode("US"), clearance: .secret, roles: [.engineer], keys: [key]))
        try await store.addTarget(Target(name: "local", impactLevel: .il2, owner: "bench", connection: .localShell))
    }

    /// Opens `clients` sessions spread over `ports`, then times every session sending its
    /// commands one after another. Commands per second over the whole run.
    func workload(ports: [Int], key: String) async throws -> Double {
        var sessions: [InteractiveProcess] = []
        defer { for p in sessions { p.terminate() } }
        for c in 0..<clients {
            let p = try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: key, port: ports[c % ports.count], login: "bench+local", tty: true))
            guard await p.waitFor("local:", timeout: 60) else { throw TestSetupError("session \(c) did not open: \(p.output) \(p.errorOutput)") }
            sessions.append(p)
        }
        let commands = self.commands
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in sessions {
                group.addTask {
                    for i in 0..<commands {
                        let token = Array("\(100_000 + i)\r\n".utf8)
                        let mark = p.output.utf8.count
                        p.send("echo $((100000+\(i)))\r")
                        let deadline = ContinuousClock.now + .seconds(30)
                        while !Self.contains(p.output.utf8.dropFirst(mark), token) {
                            guard ContinuousClock.now < deadline else { throw TestSetupError("no output for command \(i): \(p.output.suffix(300))") }
                            try await Task.sleep(for: .microseconds(500))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(clients * commands) / seconds
    }

    static func contains(_ haystack: Substring.UTF8View.SubSequence, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return haystack.firstRange(of: needle) != nil
    }

    // MARK: Decision latency

    /// How long an escort attached through node B waits to see a command held on node A, and how
    /// long until node A applies the escort's decision: on PostgreSQL (woken by NOTIFY), on one
    /// SQLite file (polled), and against the escort attached to node A itself (the baseline).
    func decisionLatency(sqlite: SQLiteStore, postgres: (PostgresStore, PostgresStore)) async throws {
        print("Escort decision latency, \(decisions) held commands each (hold → shown to the escort; decision → applied by the holding node):")
        let local = try await latency(a: sqlite, b: nil, tag: "local")
        print(Self.latencyLine("same node (baseline)", local))
        let pg = try await latency(a: postgres.0, b: postgres.1, tag: "pg")
        print(Self.latencyLine("2 nodes, PostgreSQL", pg))
        let other = try SQLiteStore(path: sqlite.path)
        let lite = try await latency(a: sqlite, b: other, tag: "sqlite")
        print(Self.latencyLine("2 nodes, SQLite (polled)", lite))
    }

    struct Latencies {
        var shown: [Duration] = []
        var applied: [Duration] = []
    }

    static func latencyLine(_ label: String, _ l: Latencies) -> String {
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        func pct(_ xs: [Duration], _ p: Double) -> Double {
            let sorted = xs.sorted()
            return ms(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
        }
        let padded = label.padding(toLength: 26, withPad: " ", startingAt: 0)
        return "  " + padded + String(format: " shown p50 %7.2f ms  p99 %7.2f ms   applied p50 %7.2f ms  p99 %7.2f ms",
                                      pct(l.shown, 0.5), pct(l.shown, 0.99), pct(l.applied, 0.5), pct(l.applied, 0.99))
    }

    /// Node A holds; an escort attached through node B (or through A itself when `b` is nil) decides.
    func latency(a storeA: any ModerationStore, b storeB: (any ModerationStore)?, tag: String) async throws -> Latencies {
        let hubA = ModerationHub()
        let hubB = storeB == nil ? hubA : ModerationHub()
        let nodeA = "\(tag)-a", nodeB = "\(tag)-b"
        try await storeA.heartbeat(node: nodeA)
        await hubA.joinCluster(ClusterLink(store: storeA, node: nodeA, staleAfter: 600))
        if let storeB {
            try await storeB.heartbeat(node: nodeB)
            await hubB.joinCluster(ClusterLink(store: storeB, node: nodeB, staleAfter: 600))
        }
        defer { Task { await hubA.leaveCluster(); await hubB.leaveCluster() } }
        let engineer = GatewayUser(name: "eng", displayName: "Eng", roles: [.engineer], profile: "")
        let escort = GatewayUser(name: "esc", displayName: "Esc", roles: [.escort], profile: "")
        let session = "latency-\(tag)"
        try await storeA.sessionOpened(session, node: nodeA)
        await hubA.register(SessionSummary(id: session, engineer: engineer, target: "t", impactLevel: "IL5", mode: .direct,
                                           started: Date(), escorts: [], paused: false, held: nil), control: NoControl())
        var attached: (UUID, AsyncStream<WatchEvent>)?
        for _ in 0..<100 where attached == nil {
            attached = try? await hubB.attach(escort, as: .escort, to: session)
            if attached == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let (token, stream) = attached else { throw TestSetupError("the escort could not attach through node B") }
        var events = stream.makeAsyncIterator()
        let analysis = Analysis(status: .complete, risk: .high, techniques: [], tactics: [], summary: "bench", findings: [], explanation: [])
        var result = Latencies()
        for i in 0..<decisions {
            let start = ContinuousClock.now
            let decision = Task { await hubA.hold(session: session, command: "cat /etc/shadow #\(i)", analysis: analysis, ruling: .hold, reasons: []) }
            var hold: Int?
            while hold == nil, let e = await events.next() {
                if case .held(let h) = e { hold = h.id }
            }
            guard let hold else { throw TestSetupError("the held command never reached the escort") }
            result.shown.append(ContinuousClock.now - start)
            // Applied: when node A's held command resumes (node B's answer comes after that).
            let decided = ContinuousClock.now
            async let said = hubB.decide(token, session: session, holdID: hold, approve: true, reason: nil)
            guard await decision.value == .approved(by: ["esc"]) else { throw TestSetupError("hold \(i) was not approved") }
            result.applied.append(ContinuousClock.now - decided)
            _ = try await said
        }
        await hubA.unregister(session, reason: "done")
        _ = try await storeA.sessionClosed(session)
        return result
    }

    struct NoControl: SessionControl {
        func terminate(by: String, reason: String) async {}
        func notify(_ message: String) async {}
    }
}
