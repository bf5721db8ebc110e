import ArgumentParser
import AuditLog
import Foundation
import Store
import StoreSQLite

/// `escort-bench audit`: durable append throughput against plain SQLite, and verification speed.
struct AuditBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Appends/s with durability (1, 8, 64 writers) vs plain SQLite inserts; verification records/s."
    )

    @Option(help: "Seconds to run each append measurement.")
    var seconds: Double = 3

    @Option(help: "Concurrent writer counts to measure.")
    var writers: [Int] = [1, 8, 64]

    @Option(help: "Records to build and verify.")
    var verifyRecords: Int = 1_000_000

    @Option(help: "Directory for the benchmark databases (default: a fresh temporary directory).")
    var directory: String?

    func run() async throws {
        do {
            try await measure()
        } catch {
            print("escort-bench: error: \(error)")
            throw ExitCode(2)
        }
    }

    func measure() async throws {
        let dir = directory ?? (FileManager.default.temporaryDirectory.path + "/escort-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let key = GatewaySigningKey()
        let sample = AuditEvent(
            code: .commandForwarded, session: "bench-session-0001", actor: "alice",
            fields: ["command": "systemctl status nginx --no-pager", "target": "web-01", "ticket": "CHG-12345"])
        var state = AuditChainState()
        let payload = try state.append(sample).body

        print("## Audit log\n")
        print("Command: `swift run -c release escort-bench audit` (\(ProcessInfo.processInfo.activeProcessorCount) cores, SQLite WAL + synchronous=FULL, \(Int(seconds)) s per measurement, record ≈ \(payload.count) bytes)\n")
        print("| writers | AuditLog appends/s | plain SQLite inserts/s | ratio |")
        print("|---:|---:|---:|---:|")
        for n in writers {
            let baseline = try SQLitePlainInserts(path: "\(dir)/plain-\(n).sqlite")
            let plain = try await rate(writers: n) { try await baseline.insert(payload) }
            let store = try SQLiteAuditStore(path: "\(dir)/audit-\(n).sqlite")
            let log = try await AuditLog.open(store: store, key: key)
            let audit = try await rate(writers: n) { _ = try await log.append(sample) }
            try await log.close()
            print("| \(n) | \(Int(audit)) | \(Int(plain)) | \(String(format: "%.2f", audit / plain)) |")
        }

        // Verification speed.
        var builder = AuditChainBuilder(key: key)
        for i in 0..<verifyRecords {
            var e = sample
            e.fields["n"] = .integer(Int64(i))
            try builder.append(e)
            if (i + 1) % 1000 == 0 { try builder.checkpoint() }
        }
        let chain = builder.chain
        let clock = ContinuousClock()
        var verified: VerifiedAuditChain?
        let pure = clock.measure { verified = try? AuditVerifier.verify(chain, pinnedKey: key.publicKey).get() }
        guard verified?.size == Int64(verifyRecords) else { throw ValidationError("verification failed on a clean chain") }

        let store = try SQLiteAuditStore(path: "\(dir)/verify.sqlite")
        var offset = 0
        while offset < chain.records.count {
            let end = min(offset + 50_000, chain.records.count)
            let size = Int64(end)
            try await store.appendAudit(
                records: Array(chain.records[offset..<end]),
                checkpoints: chain.checkpoints.filter { $0.treeSize > Int64(offset) && $0.treeSize <= size })
            offset = end
        }
        var readCount = 0
        let readOnly = try await clock.measure { try await store.forEachAuditRecord { _ in readCount += 1 } }
        guard readCount == verifyRecords else { throw ValidationError("read \(readCount) records") }
        // The previous path: each record fed as read, hashed on the verifier's core.
        var sequential = AuditVerifier(checkpoints: try await store.auditCheckpoints(), pinnedKey: key.publicKey)
        let oneCore = try await clock.measure {
            try await store.forEachAuditRecord { sequential.feed($0) }
            guard case .success = sequential.finish() else { throw ValidationError("sequential verification failed") }
        }
        let start = clock.now
        let fromDisk = try await store.verifyAuditLog(pinnedKey: key.publicKey)
        let disk = clock.now - start
        guard case .success = fromDisk else { throw ValidationError("verification from SQLite failed") }

        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("\n| verification (\(verifyRecords) records, \(chain.checkpoints.count) checkpoints, \(cores) cores) | time | records/s |")
        print("|---|---:|---:|")
        print("| in memory (pure verifier, one core) | \(Self.format(pure)) s | \(Int(Double(verifyRecords) / Self.seconds(pure))) |")
        print("| from SQLite, reading only | \(Self.format(readOnly)) s | \(Int(Double(verifyRecords) / Self.seconds(readOnly))) |")
        print("| from SQLite, read then verify record by record (the previous path) | \(Self.format(oneCore)) s | \(Int(Double(verifyRecords) / Self.seconds(oneCore))) |")
        print("| from SQLite (read, hash on the other cores, verify) | \(Self.format(disk)) s | \(Int(Double(verifyRecords) / Self.seconds(disk))) |")

        // A witness round on the same log: the witness holds the checkpoint half-way, the log's
        // newest is at the end. Read the checkpoints and every record (recomputing the leaf
        // hashes), check the newest root, build and check the consistency proof, cosign.
        let witness = GatewaySigningKey()
        let checkpoints = chain.checkpoints.compactMap { try? SignedCheckpoint(stored: $0) }
        let held = try require(checkpoints.first { $0.treeSize == Int64(verifyRecords / 2 / 1000 * 1000) }, "the half-way checkpoint")
        var readView = Duration.zero, decideTime = Duration.zero
        var cosigned: Cosignature?
        let round = try await clock.measure {
            let t0 = clock.now
            let view = try await store.witnessView()
            readView = clock.now - t0
            let t1 = clock.now
            let decided = AuditWitness.decide(held: held, checkpoints: view.checkpoints, leaves: view.leaves, gatewayKey: key.publicKey)
            decideTime = clock.now - t1
            cosigned = try Cosignature.sign(try decided.get(), witnessKey: witness)
        }
        guard let cosigned, cosigned.isValid(), cosigned.checkpoint.treeSize == Int64(verifyRecords) else {
            throw ValidationError("the witness round did not cosign the newest checkpoint")
        }
        print("\n| witness round (\(verifyRecords) records, holds \(held.treeSize), newest \(cosigned.checkpoint.treeSize)) | time |")
        print("|---|---:|")
        print("| read checkpoints and records, recompute leaf hashes | \(Self.format(readView)) s |")
        print("| newest root + consistency proof built and checked | \(Self.format(decideTime)) s |")
        print("| whole round (with the cosignature) | \(Self.format(round)) s |")
    }

    /// `value`, or a benchmark error.
    func require<T>(_ value: T?, _ what: String = "a value") throws -> T {
        guard let value else { throw ValidationError("missing \(what)") }
        return value
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func format(_ d: Duration) -> String { String(format: "%.2f", seconds(d)) }

    /// Runs `writers` concurrent loops of `body` for ``seconds`` and returns completions per second.
    func rate(writers: Int, _ body: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let start = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    var n = 0
                    while ContinuousClock.now < deadline {
                        try await body()
                        n += 1
                    }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        return total == 0 ? 0 : Double(total) / Self.seconds(ContinuousClock.now - start)
    }
}
