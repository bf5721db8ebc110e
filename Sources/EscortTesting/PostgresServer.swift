#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A private PostgreSQL server for one test run: `initdb` into a temporary directory, `postgres` on
/// a free loopback port, stopped (and its directory removed) when the test process exits.
///
/// Every test asks ``freshDatabase()`` for a database of its own, so tests stay independent while
/// sharing one server. PostgreSQL refuses to run as root: as root (CI), `initdb` and `postgres`
/// run as the `postgres` system user through `setpriv`, with the directory handed to that user.
/// A machine without PostgreSQL makes the tests fail, saying to run `scripts/setup.sh`.
public final class PostgresServer: Sendable {
    /// The superuser the tests connect as (password authentication over TCP).
    public let user = "escort"
    public let password: String
    public let port: Int
    let pid: pid_t
    let dir: String
    let bin: String

    /// The server for this test run, started on first use.
    public static func shared() async throws -> PostgresServer { try await Starter.shared.server() }

    /// Starts the server once however many tests ask at the same time (the first call's task is
    /// what every later call awaits).
    private actor Starter {
        static let shared = Starter()
        private var starting: Task<PostgresServer, any Error>?

        func server() async throws -> PostgresServer {
            if let starting { return try await starting.value }
            let task = Task {
                let server = try await PostgresServer()
                PostgresServer.stopAtExit(server)
                return server
            }
            starting = task
            return try await task.value
        }
    }

    /// One database for one test: a fresh, empty database on the shared server.
    public struct Database: Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String
        public var name: String
        /// `postgres://user:password@127.0.0.1:port/name`.
        public var url: String { "postgres://\(user):\(password)@\(host):\(port)/\(name)" }
    }

    /// Creates a new empty database and returns where it is.
    public func freshDatabase() async throws -> Database {
        let name = "escort_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "_"))"
        try await psql("CREATE DATABASE \(name)")
        return Database(host: "127.0.0.1", port: port, user: user, password: password, name: name)
    }

    /// Runs one SQL command as the superuser (in database `postgres` unless `database` is given).
    public func psql(_ sql: String, database: String = "postgres") async throws {
        let r = try await ChildProcess.run(
            "\(bin)/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-c", sql],
            environment: ["PGPASSWORD": password])
        guard r.status == 0 else { throw TestSetupError("psql \(sql): \(r.stderr)") }
    }

    /// Runs one query and returns its rows, one line each, columns separated by `|`.
    public func query(_ sql: String, database: String) async throws -> [String] {
        let r = try await ChildProcess.run(
            "\(bin)/psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-c", sql],
            environment: ["PGPASSWORD": password])
        guard r.status == 0 else { throw TestSetupError("psql \(sql): \(r.stderr)") }
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// The directory of PostgreSQL's programs (`initdb`, `postgres`, `psql`) under `root`
    /// (Debian's layout, `root/VERSION/bin`), newest version first.
    public static func binaries(under root: String = "/usr/lib/postgresql") -> String? {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).sorted(by: >).map { "\(root)/\($0)/bin" }.first {
            FileManager.default.isExecutableFile(atPath: "\($0)/postgres") && FileManager.default.isExecutableFile(atPath: "\($0)/initdb")
        }
    }

    /// Starts a server of its own (most tests want ``shared()``) from the PostgreSQL installed
    /// under `root`; stop it with ``stop()``.
    ///
    /// - Throws: ``TestSetupError`` saying to run `scripts/setup.sh` when no PostgreSQL is there.
    public static func start(installedUnder root: String = "/usr/lib/postgresql") async throws -> PostgresServer {
        try await PostgresServer(root: root)
    }

    private init(root: String = "/usr/lib/postgresql") async throws {
        guard let bin = Self.binaries(under: root) else {
            throw TestSetupError("PostgreSQL is not installed (no \(root)/*/bin/postgres): run scripts/setup.sh")
        }
        self.bin = bin
        let dir = FileManager.default.temporaryDirectory.path + "/escort-pg-\(UUID().uuidString.prefix(8))"
        self.dir = dir
        password = UUID().uuidString
        Self.removeOrphans()
        let asRoot = geteuid() == 0
        // As root, everything runs as the postgres user, which must own the directory.
        let prefix = asRoot ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : []
        do {
            try FileManager.default.createDirectory(atPath: dir + "/socket", withIntermediateDirectories: true)
            try (password + "\n").write(toFile: dir + "/password", atomically: true, encoding: .utf8)
            try "\(getpid())\n".write(toFile: dir + "/owner", atomically: true, encoding: .utf8)
            if asRoot {
                guard let pw = getpwnam("postgres") else {
                    throw TestSetupError("running as root needs the postgres system user to run PostgreSQL: run scripts/setup.sh")
                }
                for path in [dir, dir + "/socket", dir + "/password"] { chown(path, pw.pointee.pw_uid, pw.pointee.pw_gid) }
            }
            let command = prefix + [
                "\(bin)/initdb", "-D", dir + "/data", "-U", user, "--pwfile=\(dir)/password", "--auth-local=trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            ]
            let initdb = try await ChildProcess.run(command[0], Array(command.dropFirst()), currentDirectory: dir)
            guard initdb.status == 0 else { throw TestSetupError("initdb failed: \(initdb.stderr)") }
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
        do {
            (pid, port) = try await LoopbackServer.start("postgres", log: dir + "/server.log", stopSignal: SIGQUIT) { port in
                prefix + [
                    "\(bin)/postgres", "-D", dir + "/data", "-k", dir + "/socket", "-p", "\(port)",
                    "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
                ]
            } ready: { port in
                // Ready when postmaster.pid's last line says so (no client needed to ask).
                let status = (try? String(contentsOfFile: dir + "/data/postmaster.pid", encoding: .utf8)) ?? ""
                return status.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) == "ready" && LoopbackServer.accepts(port)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    /// Stops the server now (immediate shutdown: the data is thrown away) and removes its directory.
    public func stop() {
        if kill(pid, SIGQUIT) == 0 {
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Stops servers that earlier test runs left behind when they were killed before their exit
    /// handler ran: a directory whose `owner` process is gone has its postmaster (by the pid in
    /// `postmaster.pid`) stopped and is removed.
    static func removeOrphans() {
        let base = FileManager.default.temporaryDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix("escort-pg-") {
            let dir = base + "/" + name
            guard let text = try? String(contentsOfFile: dir + "/owner", encoding: .utf8),
                let owner = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                kill(owner, 0) != 0, errno == ESRCH
            else { continue }
            let status = (try? String(contentsOfFile: dir + "/data/postmaster.pid", encoding: .utf8)) ?? ""
            if let first = status.split(separator: "\n").first, let postmaster = pid_t(first), postmaster > 1,
                (try? String(contentsOfFile: "/proc/\(postmaster)/comm", encoding: .utf8))?.hasPrefix("postgres") == true {
                kill(postmaster, SIGQUIT)
                // Not our child: wait for it to be gone before removing what it writes to.
                for _ in 0..<100 where kill(postmaster, 0) == 0 { usleep(50_000) }
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    private static let running = RunningServer()

    private static func stopAtExit(_ server: PostgresServer) {
        running.set(server)
        atexit { PostgresServer.running.stopAll() }
    }

    private final class RunningServer: @unchecked Sendable {
        private let lock = NSLock()
        private var server: PostgresServer?
        func set(_ s: PostgresServer) { lock.lock(); server = s; lock.unlock() }
        func stopAll() {
            lock.lock()
            let s = server
            server = nil
            lock.unlock()
            s?.stop()
        }
    }
}
