import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Operations
import Recording
import Store

/// `escort audit …`: verify, export and prove the audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify, export, prove and witness the tamper-evident audit log.",
        subcommands: [
            AuditVerifyCommand.self, AuditExportCommand.self, AuditProveCommand.self, AuditCheckProofCommand.self,
            AuditWitnessCommand.self, AuditStressAppendCommand.self,
        ]
    )
}

/// Options naming the log's store (`--store`, as every other command; `--db` is kept, hidden).
struct AuditDatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The gateway's escort.toml: the store and its password come from it (flags given here win).")
    var config: String?

    @Option(name: .long, help: "The gateway's store: a SQLite file (default: escort.sqlite in the current directory) or postgres://user@host:port/database (see docs/storage.md).")
    var store: String?

    @Option(name: .long, help: .hidden)
    var db: String?

    @Option(name: .long, help: "A file holding the PostgreSQL password (else the URL's, else $ESCORT_STORE_PASSWORD).")
    var storePasswordFile: String?

    /// Whether a store was named (either spelling).
    var given: Bool { store != nil || db != nil }

    /// The store's location, with the default applied.
    var path: String { store ?? db ?? "escort.sqlite" }

    @Option(name: .long, help: "The environment variable holding the PostgreSQL password (default ESCORT_STORE_PASSWORD).")
    var storePasswordEnv: String?

    mutating func validate() throws {
        if store != nil, db != nil { throw ValidationError("give --store (or its old name --db) once") }
        guard let config else { return }
        let file: ServeConfiguration
        do {
            file = try ServeConfiguration.load(path: config)
        } catch {
            throw ValidationError("\(error)")
        }
        if !given { store = file.storeLocation }
        if storePasswordFile == nil, storePasswordEnv == nil {
            storePasswordFile = file.storePasswordFile
            storePasswordEnv = file.storePasswordEnvironmentVariable
        }
    }

    /// The store named, with its password's source.
    func location() throws -> StoreLocation {
        try StoreLocation(path, passwordFile: storePasswordFile, passwordVariable: storePasswordEnv ?? StoreLocation.passwordVariable)
    }

    /// Runs `body` on the opened store (which must already hold Escort's schema), then closes it.
    func withStore<T>(_ body: (any EscortStore) async throws -> T) async throws -> T {
        try await location().open(create: false).using(body)
    }
}

/// Prints `message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs `body`, turning any error into a clear message and exit status 2.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as ExitCode {
        throw e
    } catch {
        printError("escort: error: \(error)")
        throw ExitCode(2)
    }
}

/// Reads a public key given as text or as a file holding it.
func parsePublicKey(_ text: String) throws -> GatewayPublicKey {
    if FileManager.default.fileExists(atPath: text), let data = FileManager.default.contents(atPath: text) {
        return try GatewayPublicKey(parsing: String(decoding: data, as: UTF8.self))
    }
    return try GatewayPublicKey(parsing: text)
}

struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the whole log as JSON lines for an auditor (verify it with `escort audit verify --export FILE`)."
    )

    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: [.short, .long], help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        try await reportingErrors {
            try await database.withStore { store in try await export(store) }
        }
    }

    private func export(_ store: any EscortStore) async throws {
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) , let h = FileHandle(forWritingAtPath: output) else {
                    throw AuditError(.badExport, "cannot create \(output)")
                }
                handle = h
            } else {
                handle = FileHandle.standardOutput
            }
            var buffer: [UInt8] = []
            try await store.exportAuditLog { line in
                buffer.append(contentsOf: line)
                if buffer.count > 1 << 20 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buffer)
            if output != nil { try handle.synchronize(); try handle.close() }
    }
}

/// Appends in a loop and prints each sequence number as soon as `append` returns. Used by the
/// crash test (which kills it with SIGKILL) and handy for load experiments.
struct AuditStressAppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress-append",
        abstract: "Append test events in a loop, printing each durable sequence number.",
        shouldDisplay: false
    )

    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: .long, help: "The signing key file (created if missing).")
    var keyFile: String = "gateway.key"

    @Option(name: .long, help: "Concurrent writers.")
    var writers: Int = 4

    @Option(name: .long, help: "Stop after this many appends per writer (default: never).")
    var count: Int?

    @Option(name: .long, help: "Sign a checkpoint every this many records.")
    var checkpointEvery: Int64 = 25

    @Option(name: .long, help: "Pause this many milliseconds between one writer's appends.")
    var intervalMs: Int = 0

    func run() async throws {
        try await reportingErrors {
            let store = try await database.location().open(create: true).store
            let key = try await SigningKeyOpening.key(path: keyFile, explicit: false, store: store)
            var config = AuditLogConfiguration()
            config.checkpointEveryRecords = checkpointEvery
            let log = try await AuditLog.open(store: store, key: key, configuration: config)
            let limit = count ?? Int.max
            let pause = intervalMs
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<max(1, writers) {
                    group.addTask {
                        var i = 0
                        while i < limit {
                            let r = try await log.append(AuditEvent(
                                code: .commandForwarded, session: "stress-\(w)", actor: "stress",
                                fields: ["command": .string("echo \(i)"), "writer": .integer(Int64(w))]))
                            FileHandle.standardOutput.write(Data("\(r.sequence)\n".utf8))
                            i += 1
                            if pause > 0 { try await Task.sleep(for: .milliseconds(pause)) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await log.close()
        }
    }
}
