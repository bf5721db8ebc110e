import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Recording
import Store

/// `escort audit …`: verify, export and prove the audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify, export and prove the tamper-evident audit log.",
        subcommands: [AuditVerifyCommand.self, AuditExportCommand.self, AuditProveCommand.self, AuditStressAppendCommand.self]
    )
}

/// Options naming the log database.
struct AuditDatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The gateway's store: a SQLite file (default: escort.sqlite in the current directory) or postgres://user@host:port/database (see docs/storage.md).")
    var db: String?

    @Option(name: .long, help: "A file holding the PostgreSQL password (else the URL's, else $ESCORT_STORE_PASSWORD).")
    var storePasswordFile: String?

    /// The database path, with the default applied.
    var path: String { db ?? "escort.sqlite" }

    /// Runs `body` on the opened store (which must already hold Escort's schema), then closes it.
    func withStore<T>(_ body: (any EscortStore) async throws -> T) async throws -> T {
        try await StoreLocation(path, passwordFile: storePasswordFile).open(create: false).using(body)
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

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every record, the Merkle tree and every checkpoint signature.",
        discussion: """
            Reads the database (--db, default escort.sqlite) or an export file (--export). \
            Pass the gateway's public key with --key (64 hex digits, base64 of the 32 raw bytes, \
            or a file holding either, such as escort-gateway.key.pub); without it signatures are \
            checked against the key named in the checkpoints, which proves integrity but not origin. \
            Exit status: 0 verified, 1 the log fails verification, 2 the input cannot be read.
            """
    )

    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: .long, help: "Verify an export file instead of the database.")
    var export: String?

    @Option(name: .long, help: "The gateway's Ed25519 public key (hex, base64, or a file holding it).")
    var key: String?

    func validate() throws {
        if export != nil, database.db != nil { throw ValidationError("give either --db or --export, not both") }
    }

    @Option(name: .long, help: "Also check each recording named in the log against its SHA-256 (looked up by file name in this folder).")
    var recordings: String?

    func run() async throws {
        try await reportingErrors {
            let pinned = try key.map(parsePublicKey)
            let result: Result<VerifiedAuditChain, AuditVerificationFailure>
            if let export {
                guard let data = FileManager.default.contents(atPath: export) else {
                    throw AuditError(.badExport, "cannot read \(export)")
                }
                result = AuditVerifier.verify(try AuditExport.parse(Array(data)), pinnedKey: pinned)
            } else {
                result = try await database.withStore { try await $0.verifyAuditLog(pinnedKey: pinned) }
            }
            switch result {
            case .failure(let f):
                printError("FAILED at record \(f.record): \(f.kind.rawValue): \(f.message)")
                throw ExitCode(1)
            case .success(let chain):
                report(chain)
                if let recordings, try !checkRecordings(chain.recordings, in: recordings) { throw ExitCode(1) }
            }
        }
    }

    func report(_ chain: VerifiedAuditChain) {
        print("OK: \(chain.size) records verified (hash chain, Merkle tree, \(chain.checkpoints.count) signed checkpoints).")
        print("Root: \(chain.root.hex) at tree size \(chain.size)")
        if let c = chain.latestCheckpoint {
            let key = Data(c.publicKey).base64EncodedString()
            print("Latest checkpoint: \(c.treeSize) records at \(c.time), signed by \(key)")
        } else {
            print("WARNING: no signed checkpoint: only the hash chain protects these records.")
        }
        if !chain.keyWasPinned {
            print("WARNING: no --key given: signatures were checked against the key named in the log, which proves integrity but not origin.")
        }
        if chain.unsignedRecords > 0 {
            print("NOTE: \(chain.unsignedRecords) record(s) after the last checkpoint are protected by the hash chain only.")
        }
    }

    func checkRecordings(_ refs: [RecordingReference], in folder: String) throws -> Bool {
        var ok = true
        for r in refs {
            let path = folder + "/" + URL(fileURLWithPath: r.path).lastPathComponent
            guard FileManager.default.fileExists(atPath: path) else {
                printError("MISSING recording \(path) (record \(r.sequence))")
                ok = false
                continue
            }
            let digest = try AsciicastWriter.sha256(ofFileAt: path)
            if digest != r.sha256 {
                printError("FAILED recording \(path): its SHA-256 is \(digest) but record \(r.sequence) says \(r.sha256): the file was changed")
                ok = false
            }
        }
        if ok { print("Recordings: \(refs.count) checked, all match the log.") }
        return ok
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

struct AuditProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an inclusion proof for a record against the latest signed checkpoint (JSON)."
    )

    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: .long, help: "The record number (1 is the first record).")
    var record: Int64

    @Option(name: .long, help: "Require the checkpoint to be signed by this public key (hex, base64, or a file holding it).")
    var key: String?

    func run() async throws {
        try await reportingErrors {
            let proof = try await database.withStore { try await $0.auditInclusionProof(sequence: record) }
            let pinned = try key.map(parsePublicKey)
            guard proof.checkpoint.hasValidSignature(pinnedKey: pinned?.bytes) else {
                printError("FAILED: the checkpoint at \(proof.checkpoint.treeSize) records does not carry a valid signature\(pinned == nil ? "" : " by the given key"); run `escort audit verify`")
                throw ExitCode(1)
            }
            print(proof.json.encodedString())
        }
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
    var keyFile: String = "escort-gateway.key"

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
            let key = try GatewaySigningKey.loadOrCreate(path: keyFile)
            var config = AuditLogConfiguration()
            config.checkpointEveryRecords = checkpointEvery
            let log = try await AuditLog.open(store: try await StoreLocation(database.path, passwordFile: database.storePasswordFile).open(create: true).store, key: key, configuration: config)
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
