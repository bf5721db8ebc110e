import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Store

/// `escort audit witness`: run by someone other than the gateway's operator. Keeps the latest
/// checkpoint it cosigned in its own state file, takes the log's newest signed checkpoint (from
/// the store or an export), checks that it extends the one held (RFC 6962 consistency), cosigns
/// it with the witness's own Ed25519 key and appends the cosignature to a file that
/// `escort audit verify --witness FILE` reads.
struct AuditWitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Cosign the log's newest checkpoint if it extends the last one this witness cosigned.",
        discussion: """
            The first run (no --state file yet) makes the witness's key (--witness-key, with KEY.pub) \
            and cosigns the newest checkpoint; later runs cosign only an extension of the checkpoint \
            held in --state, and report a fork otherwise. Exit status: 0 cosigned (or nothing new), \
            1 the log is not an extension of what this witness holds (a fork or a rollback) or carries \
            no checkpoint signed by --key, 2 the input cannot be read.
            """
    )

    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: .long, help: "Witness an export file instead of the store.")
    var export: String?

    @Option(name: .long, help: "The gateway's Ed25519 public key, the one whose checkpoints this witness cosigns (hex, base64, or a file holding it).")
    var key: String?

    @Option(name: .long, help: "Instead of --key, a cluster's trust root (ROOT.pub): cosign the newest checkpoint of a log that verifies with it (every signer certified for its time). Repeatable; with --store or --export.")
    var trust: [String] = []

    @Option(name: .long, help: "The witness's own signing key (made on the first run, with KEY.pub beside it).")
    var witnessKey: String = "escort-witness.key"

    @Option(name: .long, help: "The witness's state: the last checkpoint it cosigned.")
    var state: String = "escort-witness.state"

    @Option(name: [.short, .long], help: "The cosignature file: each cosignature is appended as one line (give it to `escort audit verify --witness`).")
    var output: String = "escort-witness.cosignatures"

    @Option(name: .long, help: "Witness over the gateway console's HTTPS listener (https://host:port): GET /audit/checkpoint and /audit/consistency?from=N, with curl.")
    var url: String?

    @Option(name: .long, help: "With --url: the CA certificate (PEM) the console's certificate must chain to (default: the system's).")
    var urlCA: String?

    func validate() throws {
        if [export != nil, database.given, url != nil].filter({ $0 }).count > 1 { throw ValidationError("give one of --store, --export or --url") }
        if (key == nil) == trust.isEmpty { throw ValidationError("give --key (one gateway key) or --trust (a cluster's trust root)") }
        if !trust.isEmpty, url != nil { throw ValidationError("--trust needs the log itself (--store or --export): the certifications are records in it") }
    }

    func run() async throws {
        try await reportingErrors {
            let gateway = try key.map(parsePublicKey)
            let roots = try trust.map(parsePublicKey)
            let stateFile = SignerCheckpointFile(path: state)
            let held = try stateFile.load()
            let signer: GatewaySigningKey
            if held == nil, !FileManager.default.fileExists(atPath: witnessKey) {
                signer = try GatewaySigningKey.loadOrCreate(path: witnessKey)
                print("New witness key \(witnessKey) (public key \(signer.publicKey), in \(witnessKey).pub).")
            } else {
                signer = try GatewaySigningKey.load(path: witnessKey)
            }
            if let held, !held.hasValidSignature(pinnedKey: gateway?.bytes) {
                throw AuditError(.badKey, "the checkpoint held in \(state) is not signed by --key: this state belongs to another gateway's log")
            }
            let decided: Result<SignedCheckpoint, AuditWitness.Refusal>
            if let url, let gateway {
                decided = try remote(url, held: held, gateway: gateway)
            } else if !roots.isEmpty {
                // Which key signed the newest checkpoint is for the trust root to say: the log must
                // verify with it first; then the usual checks against the checkpoint held.
                let verified: Result<VerifiedAuditChain, AuditVerificationFailure>
                let trusted = AuditTrust(roots: roots)
                if let export {
                    guard let data = FileManager.default.contents(atPath: export) else { throw AuditError(.badExport, "cannot read \(export)") }
                    verified = AuditVerifier.verify(try AuditExport.parse(Array(data)), pinnedKey: nil, requirements: AuditRequirements.none, trust: trusted)
                } else {
                    verified = try await database.withStore { try await $0.verifyAuditLog(pinnedKey: nil, requirements: AuditRequirements.none, trust: trusted) }
                }
                switch verified {
                case .failure(let f):
                    printError("REFUSED: the log does not verify with the trust root (record \(f.record): \(f.kind.rawValue): \(f.message)); nothing cosigned")
                    throw ExitCode(1)
                case .success(let chain):
                    guard let newest = chain.latestCheckpoint else { decided = .failure(.nothingSigned); break }
                    let (_, leaves) = try await read()
                    decided = AuditWitness.decide(held: held, checkpoints: [newest], leaves: leaves, gatewayKey: try GatewayPublicKey(parsing: Hex.encode(newest.publicKey)))
                }
            } else if let gateway {
                let (checkpoints, leaves) = try await read()
                decided = AuditWitness.decide(held: held, checkpoints: checkpoints, leaves: leaves, gatewayKey: gateway)
            } else {
                throw ValidationError("give --key or --trust")
            }
            switch decided {
            case .failure(let refusal):
                printError("REFUSED: \(refusal); nothing cosigned\(held.map { " (still holding the checkpoint at \($0.treeSize) records, \($0.time))" } ?? "")")
                throw ExitCode(1)
            case .success(let latest):
                if let held, held == latest {
                    print("Nothing new: the newest checkpoint (\(latest.treeSize) records, \(latest.time)) is the one this witness holds.")
                    return
                }
                let cosignature = try Cosignature.sign(latest, witnessKey: signer)
                try append(cosignature.line + [0x0A], to: output)
                try stateFile.save(latest)
                let from = held.map { "consistent with the one held at \($0.treeSize) records" } ?? "the first this witness holds"
                print("Cosigned the checkpoint at \(latest.treeSize) records (\(latest.time), root \(latest.root.hex)), \(from); cosignature appended to \(output).")
            }
        }
    }

    /// Over HTTPS: the newest checkpoint, and (holding one) a consistency proof from it, checked here.
    private func remote(_ base: String, held: SignedCheckpoint?, gateway: GatewayPublicKey) throws -> Result<SignedCheckpoint, AuditWitness.Refusal> {
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        let latest = try SignerCheckpointFile.parse(try get(root + "/audit/checkpoint"))
        guard latest.hasValidSignature(pinnedKey: gateway.bytes), latest.treeSize > 0 else { return .failure(.nothingSigned) }
        guard let held else { return .success(latest) }
        if held == latest { return .success(latest) }
        guard held.treeSize <= latest.treeSize else { return .failure(.rolledBack(held: held.treeSize, latest: latest.treeSize)) }
        let line = try get(root + "/audit/consistency?from=\(held.treeSize)")
        // The newest checkpoint may have moved on between the two requests: the proof's own counts.
        let proven = try SignerCheckpointFile.parse(line)
        guard proven.hasValidSignature(pinnedKey: gateway.bytes), proven.treeSize >= latest.treeSize else { return .failure(.nothingSigned) }
        guard case .array(let items)? = (try? JSONParser.parse(line))?["path"] else {
            throw AuditError(.badExport, "\(root)/audit/consistency did not answer with a proof (no path)")
        }
        let path = items.compactMap { $0.stringValue.flatMap { AuditHash(hex: $0) } }
        guard path.count == items.count,
            MerkleTree.verifyConsistency(oldSize: Int(held.treeSize), oldRoot: held.root, newSize: Int(proven.treeSize), newRoot: proven.root, proof: path)
        else { return .failure(.fork(held: held.treeSize, latest: proven.treeSize)) }
        return .success(proven)
    }

    /// One GET with curl, failing on an HTTP error, the body without its final newline.
    private func get(_ address: String) throws -> [UInt8] {
        var args = ["-sS", "--fail-with-body", "--max-time", "60", "--proto", "=https,http"]
        if let urlCA { args += ["--cacert", urlCA] }
        let (status, out, err) = try Timestamps.run(ProcessInfo.processInfo.environment["ESCORT_CURL"] ?? "/usr/bin/curl", args + [address])
        guard status == 0 else {
            throw AuditError(.badExport, "GET \(address) failed: \(err.trimmingCharacters(in: .whitespacesAndNewlines)) \(String(decoding: out, as: UTF8.self).prefix(300))")
        }
        var bytes = Array(out)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        return bytes
    }

    /// The log's checkpoints and leaf hashes, from the export or the store.
    private func read() async throws -> ([SignedCheckpoint], [AuditHash]) {
        if let export {
            guard let data = FileManager.default.contents(atPath: export) else { throw AuditError(.badExport, "cannot read \(export)") }
            let chain = try AuditExport.parse(Array(data))
            return (chain.checkpoints.compactMap { try? SignedCheckpoint(stored: $0) }, chain.records.map { MerkleTree.leafHash($0.body) })
        }
        return try await database.withStore { try await $0.witnessView() }
    }

    private func append(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw AuditError(.badExport, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw AuditError(.badExport, "cannot write \(path)") }
    }
}
