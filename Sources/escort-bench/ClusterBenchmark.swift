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

        static func start(store: some AuditStore & RegistryStore, dir: TemporaryDirectory, name: String) async throws -> Node {
            let log = try await AuditLog.open(store: store, key: GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key")))
            let engine = PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: .empty)
            let context = GatewayContext(
                analyser: try Analyser.bundled().get(),
                authority: RegistryAuthority(store: store, engine: engine, localHome: dir.file("targets-\(name)")),
                audit: log, hub: ModerationHub(), recordingsDirectory: dir.file("recordings-\(name)"))
            let server = try await GatewayServer.start(context: context, hostKey: HostKeyFile.loadOrCreate(path: dir.file("host.key")), host: "127.0.0.1", port: 0)
            return Node(server: server, log: log)
        }

        func close() async {
            await server.close()
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
}
