import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Recording
import Store

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every record, the Merkle tree and every checkpoint signature.",
        discussion: """
            Reads the store (--store, default escort.sqlite) or an export file (--export). \
            Pass the gateway's public key with --key (64 hex digits, base64 of the 32 raw bytes, \
            or a file holding either, such as gateway.key.pub); without it signatures are \
            checked against the key named in the checkpoints, which proves integrity but not origin. \
            A cluster whose nodes sign with their own keys is verified with --trust ROOT.pub instead: \
            each checkpoint must be signed by a key the root certified in the log for that time, and \
            one that is not is named (checkpoint, key fingerprint, node). \
            With --key, a log without checkpoints, more than --max-unsigned records after the last \
            one, or a checkpoint held outside the log that it no longer has (the signer's kept \
            checkpoint, --signer-checkpoint; a witness's cosignature, --witness) fail verification. \
            Exit status: 0 verified, 1 the log fails verification, 2 the input cannot be read.
            """
    )

    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: .long, help: "Verify an export file instead of the store.")
    var export: String?

    @Option(name: .long, help: "The gateway's Ed25519 public key (hex, base64, or a file holding it).")
    var key: String?

    @Option(name: .long, help: "A trust root's public key (ROOT.pub, from `escort audit trust init`): accept checkpoints from exactly the node keys it certified in the log, for their windows. Repeatable (a root being rotated); instead of --key.")
    var trust: [String] = []

    @Option(name: .long, help: "A witness's cosignature file (written by `escort audit witness`): the log must hold and extend every checkpoint in it. Repeatable.")
    var witness: [String] = []

    @Option(name: .long, help: "Accept cosignatures only from this witness public key (hex, base64, or a file). Repeatable; default: the key in each cosignature.")
    var witnessKey: [String] = []

    @Option(name: .long, help: "The signer's kept checkpoint (KEY.checkpoint, beside the signing key): the log must hold and extend it (default with a SQLite store: gateway.key.checkpoint beside it, if present).")
    var signerCheckpoint: String?

    @Option(name: .long, help: "With --key: the most records allowed after the last signed checkpoint (default 1000).")
    var maxUnsigned: Int64 = 1000

    @Option(name: .long, help: "Also check each recording named in the log against its SHA-256, looked up by file name in this folder. Repeatable (one folder per node): a recording must be in one of them.")
    var recordings: [String] = []

    @Option(name: .long, help: "Check the RFC 3161 timestamp tokens in the log (audit.timestamped) against this CA certificate file (PEM), not only their imprints.")
    var tsaCert: String?

    @Option(name: .long, help: "With --tsa-cert: the TSA's own certificate (PEM), if its tokens do not carry it.")
    var tsaUntrusted: String?

    func validate() throws {
        if export != nil, database.given { throw ValidationError("give either --store or --export, not both") }
        if key != nil, !trust.isEmpty { throw ValidationError("give either --key (one gateway key) or --trust (a trust root), not both") }
        if maxUnsigned < 0 { throw ValidationError("--max-unsigned must not be negative") }
    }

    func run() async throws {
        try await reportingErrors {
            let pinned = try key.map(parsePublicKey)
            let roots = try trust.map(parsePublicKey)
            let trusted = roots.isEmpty ? nil : AuditTrust(roots: roots)
            var requirements = pinned == nil && trusted == nil ? AuditRequirements.none : AuditRequirements(maximumUnsigned: maxUnsigned)
            requirements.vouched = try vouched(pinned)
            let result: Result<VerifiedAuditChain, AuditVerificationFailure>
            if let export {
                guard let data = FileManager.default.contents(atPath: export) else {
                    throw AuditError(.badExport, "cannot read \(export)")
                }
                result = AuditVerifier.verify(try AuditExport.parse(Array(data)), pinnedKey: pinned, requirements: requirements, trust: trusted)
            } else {
                result = try await database.withStore { try await $0.verifyAuditLog(pinnedKey: pinned, requirements: requirements, trust: trusted) }
            }
            switch result {
            case .failure(let f):
                printError("FAILED at record \(f.record): \(f.kind.rawValue): \(f.message)")
                throw ExitCode(1)
            case .success(let chain):
                report(chain, vouched: requirements.vouched)
                if !recordings.isEmpty, try !checkRecordings(chain.recordings, in: recordings) { throw ExitCode(1) }
                if !checkTimestamps(chain) { throw ExitCode(1) }
            }
        }
    }

    /// The checkpoints held outside the log: the signer's kept one and every witness's.
    private func vouched(_ pinned: GatewayPublicKey?) throws -> [AuditRequirements.Vouched] {
        var out: [AuditRequirements.Vouched] = []
        var keptPath = signerCheckpoint
        if keptPath == nil, export == nil, !database.path.contains("://") {
            let beside = StoreLocation.baseDirectory(of: database.path).appendingPathComponent("gateway.key.checkpoint").path
            if FileManager.default.fileExists(atPath: beside) { keptPath = beside }
        }
        if let keptPath {
            guard let kept = try SignerCheckpointFile(path: keptPath).load() else {
                throw AuditError(.badKey, "there is no kept checkpoint at \(keptPath)")
            }
            try requireSigned(kept, pinned, what: "the signer's kept checkpoint \(keptPath)")
            out.append(.init(kept, holder: "the signer (\(keptPath))"))
        }
        let pinnedWitnesses = try witnessKey.map(parsePublicKey)
        for file in witness {
            guard let data = FileManager.default.contents(atPath: file) else { throw AuditError(.badExport, "cannot read \(file)") }
            let cosignatures: [Cosignature]
            do throws(AuditError) { cosignatures = try Cosignature.parseFile(Array(data)) } catch {
                throw AuditError(error.code, "\(file): \(error.message)")
            }
            if cosignatures.isEmpty { throw AuditError(.badExport, "\(file) holds no cosignature") }
            for c in cosignatures {
                let who = "witness \(c.witnessKey.hex.prefix(16))… (\(file))"
                if !pinnedWitnesses.isEmpty, !pinnedWitnesses.contains(where: { $0.bytes == c.witness }) {
                    printError("FAILED: \(file) holds a cosignature by \(c.witnessKey), not a witness given with --witness-key")
                    throw ExitCode(1)
                }
                guard c.isValid() else {
                    printError("FAILED: badSignature: the cosignature by \(who) on the checkpoint at \(c.checkpoint.treeSize) records is invalid")
                    throw ExitCode(1)
                }
                try requireSigned(c.checkpoint, pinned, what: "the checkpoint \(who) cosigned")
                out.append(.init(c.checkpoint, holder: who))
            }
        }
        return out
    }

    private func requireSigned(_ c: SignedCheckpoint, _ pinned: GatewayPublicKey?, what: String) throws {
        guard c.hasValidSignature(pinnedKey: pinned?.bytes) else {
            printError("FAILED: badSignature: \(what) (\(c.treeSize) records) does not carry a valid signature\(pinned == nil ? "" : " by the given key")")
            throw ExitCode(1)
        }
    }

    func report(_ chain: VerifiedAuditChain, vouched: [AuditRequirements.Vouched]) {
        print("OK: \(chain.size) records verified (hash chain, Merkle tree, \(chain.checkpoints.count) signed checkpoints).")
        print("Root: \(chain.root.hex) at tree size \(chain.size)")
        if let c = chain.latestCheckpoint {
            let key = Data(c.publicKey).base64EncodedString()
            print("Latest checkpoint: \(c.treeSize) records at \(c.time), signed by \(key)")
        } else {
            print("WARNING: no signed checkpoint: only the hash chain protects these records.")
        }
        if !trust.isEmpty {
            for s in chain.signers {
                print("Signer: \(s.name ?? "?") (\(s.key.fingerprint)) signed \(s.checkpoints) checkpoint(s), tree sizes \(s.firstTreeSize)–\(s.lastTreeSize), certified by the trust root for those times.")
            }
        }
        for v in vouched {
            print("Held outside the log: \(v.holder) holds the checkpoint at \(v.checkpoint.treeSize) records; the log holds and extends it.")
        }
        if !chain.keyWasPinned, chain.signers.count > 1 {
            print("NOTE: \(chain.signers.count) different keys signed checkpoints (\(chain.signers.map(\.key.fingerprint).joined(separator: ", "))); verify with --trust ROOT.pub to check each was certified.")
        }
        if !chain.keyWasPinned {
            print("WARNING: no --key given: signatures were checked against the key named in the log, which proves integrity but not origin.")
        }
        if chain.unsignedRecords > 0 {
            print("NOTE: \(chain.unsignedRecords) record(s) after the last checkpoint are protected by the hash chain only.")
        }
    }

    /// Each timestamp token: recorded for a checkpoint the log holds, its imprint that checkpoint's
    /// line's SHA-256 (read from the token itself), and with --tsa-cert signed by a TSA that CA vouches for.
    func checkTimestamps(_ chain: VerifiedAuditChain) -> Bool {
        if chain.timestamps.isEmpty {
            if tsaCert != nil {
                printError("FAILED: --tsa-cert given but the log holds no timestamp token (audit.timestamped)")
                return false
            }
            return true
        }
        var ok = true
        for t in chain.timestamps {
            do {
                guard let c = chain.checkpoints.last(where: { $0.treeSize == t.treeSize }) else {
                    throw AuditError(.timestampFailed, "it is for a checkpoint at \(t.treeSize) records that the log does not hold")
                }
                let imprint = Timestamps.imprint(c)
                guard t.checkpointSHA256 == imprint else {
                    throw AuditError(.timestampFailed, "it names imprint \(t.checkpointSHA256), but the checkpoint at \(t.treeSize) records hashes to \(imprint)")
                }
                guard let token = Data(base64Encoded: t.token) else { throw AuditError(.timestampFailed, "its token is not base64") }
                let read = try Timestamps.read(token: token)
                guard read.imprint == imprint else {
                    throw AuditError(.timestampFailed, "the token timestamps \(read.imprint), not the checkpoint at \(t.treeSize) records (\(imprint))")
                }
                if let tsaCert { try Timestamps.verify(token: token, imprint: imprint, caFile: tsaCert, untrusted: tsaUntrusted) }
                print("Timestamp: the checkpoint at \(t.treeSize) records (\(c.time)) was timestamped by \(t.tsa) at \(read.time)\(tsaCert == nil ? " (imprint checked; give --tsa-cert to check the TSA's signature)" : ", verified against \(tsaCert!)").")
            } catch {
                printError("FAILED timestamp (record \(t.sequence)): \(error)")
                ok = false
            }
        }
        return ok
    }

    func checkRecordings(_ refs: [RecordingReference], in folders: [String]) throws -> Bool {
        var ok = true
        for r in refs {
            let name = URL(fileURLWithPath: r.path).lastPathComponent
            let candidates = folders.map { $0 + "/" + name }
            guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                printError("MISSING recording \(name) (record \(r.sequence)): in none of \(folders.joined(separator: ", "))")
                ok = false
                continue
            }
            let present = candidates.filter { FileManager.default.fileExists(atPath: $0) }
            let digest = try AsciicastWriter.sha256(ofFileAt: path)
            if digest != r.sha256, try !present.dropFirst().contains(where: { try AsciicastWriter.sha256(ofFileAt: $0) == r.sha256 }) {
                printError("FAILED recording \(path): its SHA-256 is \(digest) but record \(r.sequence) says \(r.sha256): the file was changed")
                ok = false
            }
        }
        if ok { print("Recordings: \(refs.count) checked in \(folders.count) folder(s), all match the log.") }
        return ok
    }
}
