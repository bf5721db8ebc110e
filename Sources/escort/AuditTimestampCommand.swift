import ArgumentParser
import AuditLog
import Crypto
import EscortCore
import Foundation
import Store

/// RFC 3161 timestamps on checkpoints, so "when" is attested by someone other than the signer.
///
/// The message imprint is the SHA-256 of the checkpoint's line
/// (`{"checkpoint":…,"signature":"…"}`, as in an export), so the token binds the gateway's
/// signature too. Requests and tokens are made and read with the `openssl ts` command (Escort
/// has no ASN.1/CMS code of its own; a missing `openssl` is a clear error). The token is recorded
/// in the log (`audit.timestamped`, ESC-9011) and checked by `escort audit verify`.
enum Timestamps {
    static let openssl = ProcessInfo.processInfo.environment["ESCORT_OPENSSL"] ?? "/usr/bin/openssl"

    /// The imprint: SHA-256 of the checkpoint's line, lower-case hex.
    static func imprint(_ c: SignedCheckpoint) -> String {
        Hex.encode(Array(SHA256.hash(data: AuditExport.line(for: c.stored))))
    }

    /// Runs a program, feeding `input`, returning (status, stdout, stderr).
    static func run(_ path: String, _ args: [String], input: Data = Data()) throws -> (Int32, Data, String) {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw AuditError(.timestampFailed, "\(path) is not installed or not executable: RFC 3161 timestamps need `openssl` and witnessing over HTTPS needs `curl` (install them, or name them with ESCORT_OPENSSL / ESCORT_CURL)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        let toChild = stdin.fileHandleForWriting, fromChild = stderr.fileHandleForReading
        let writer = Thread {
            toChild.write(input)
            try? toChild.close()
        }
        writer.start()
        let errBox = ErrorBox()
        let errReader = Thread { errBox.data = fromChild.readDataToEndOfFile() }
        errReader.start()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errBox.done { usleep(1000) }
        return (p.terminationStatus, out, String(decoding: errBox.data, as: UTF8.self))
    }

    final class ErrorBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = Data()
        private var finished = false
        var data: Data {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue; finished = true } }
        }
        var done: Bool { lock.withLock { finished } }
    }

    /// A temporary file holding `data`, removed by the caller.
    static func temporary(_ data: Data, _ suffix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("escort-ts-\(UUID().uuidString)\(suffix)").path
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw AuditError(.timestampFailed, "cannot write \(path)")
        }
        return path
    }

    /// What `openssl ts -reply -token_in -text` says about a token: its imprint and its time.
    static func read(token: Data) throws -> (imprint: String, time: String) {
        let file = try temporary(token, ".tst")
        defer { unlink(file) }
        let (status, out, err) = try run(openssl, ["ts", "-reply", "-in", file, "-token_in", "-text"])
        guard status == 0 else { throw AuditError(.timestampFailed, "the timestamp token cannot be read: \(err.trimmingCharacters(in: .whitespacesAndNewlines))") }
        let text = String(decoding: out, as: UTF8.self)
        var hex = ""
        var inImprint = false
        var time = "?"
        for line in text.split(separator: "\n") {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("Time stamp:") { time = String(l.dropFirst("Time stamp:".count)).trimmingCharacters(in: .whitespaces) }
            if l.hasPrefix("Message data:") { inImprint = true; continue }
            if inImprint {
                // "0000 - 9f 86 d0 81 88 4c 7d 65-9a 2f ea a0 c5 5a d0 15   ...."
                guard let dash = l.range(of: " - ") else { inImprint = false; continue }
                let bytes = l[dash.upperBound...].prefix(47).replacingOccurrences(of: "-", with: " ").split(separator: " ")
                hex += bytes.filter { $0.count == 2 }.joined()
            }
        }
        guard hex.count == 64 else { throw AuditError(.timestampFailed, "the timestamp token holds no SHA-256 message imprint") }
        return (hex.lowercased(), time)
    }

    /// Checks the token's signature and TSA certificate chain against `caFile`, for `imprint`.
    static func verify(token: Data, imprint: String, caFile: String, untrusted: String?) throws {
        let file = try temporary(token, ".tst")
        defer { unlink(file) }
        var args = ["ts", "-verify", "-digest", imprint, "-in", file, "-token_in", "-CAfile", caFile]
        if let untrusted { args += ["-untrusted", untrusted] }
        let (status, out, err) = try run(openssl, args)
        guard status == 0, String(decoding: out, as: UTF8.self).contains("Verification: OK") else {
            throw AuditError(.timestampFailed, "the timestamp token does not verify against \(caFile): \((err + String(decoding: out, as: UTF8.self)).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}

struct AuditTimestampCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timestamp",
        abstract: "Have a time-stamping authority (RFC 3161) timestamp the newest checkpoint, and record its token in the log.",
        discussion: """
            The request's message imprint is the SHA-256 of the checkpoint's line as in an export; \
            the token (audit.timestamped, ESC-9011) is checked by `escort audit verify` (imprint \
            always; the TSA's signature and certificate with --tsa-cert). Uses `openssl ts` for the \
            request and for reading the reply, and `curl` to send it to --tsa.
            """)

    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: .long, help: "The TSA's URL (HTTP POST of application/timestamp-query, with curl).")
    var tsa: String?

    @Option(name: .long, help: "A command that reads a DER timestamp request on standard input and writes the DER response on standard output (run with /bin/sh -c), instead of --tsa.")
    var tsaCommand: String?

    @Option(name: .long, help: "The signing key of the node recording the token (default: gateway.key beside a SQLite store; required with PostgreSQL).")
    var signingKey: String?

    func validate() throws {
        if (tsa == nil) == (tsaCommand == nil) { throw ValidationError("give --tsa URL or --tsa-command CMD") }
    }

    func run() async throws {
        try await reportingErrors {
            let keyPath = try signingKey ?? SigningKeyOpening.defaultPath(forStore: database.path)
            try await database.withStore { store in
                let key = try await SigningKeyOpening.key(path: keyPath, explicit: true, store: store)
                let log = try await AuditLog.open(store: store, key: key)
                do {
                    let signed = try await log.checkpoint()
                    let stored = try await store.auditCheckpoints().compactMap { try? SignedCheckpoint(stored: $0) }.max { $0.treeSize < $1.treeSize }
                    guard let checkpoint = signed ?? stored else {
                        throw AuditError(.notFound, "the log has no checkpoint to timestamp")
                    }
                    let imprint = Timestamps.imprint(checkpoint)
                    let (qs, request, qerr) = try Timestamps.run(Timestamps.openssl, ["ts", "-query", "-digest", imprint, "-sha256", "-cert"])
                    guard qs == 0, !request.isEmpty else { throw AuditError(.timestampFailed, "openssl ts -query failed: \(qerr)") }
                    let response = try ask(request)
                    let responseFile = try Timestamps.temporary(response, ".tsr")
                    defer { unlink(responseFile) }
                    let (ts, token, terr) = try Timestamps.run(Timestamps.openssl, ["ts", "-reply", "-in", responseFile, "-token_out"])
                    guard ts == 0, !token.isEmpty else {
                        throw AuditError(.timestampFailed, "the TSA's response is not a granted timestamp: \(terr.trimmingCharacters(in: .whitespacesAndNewlines))")
                    }
                    let read = try Timestamps.read(token: token)
                    guard read.imprint == imprint else {
                        throw AuditError(.timestampFailed, "the TSA timestamped \(read.imprint), not the checkpoint's \(imprint)")
                    }
                    let r = try await log.append(AuditEvent(code: .checkpointTimestamped, actor: "escort", fields: [
                        "tree_size": .integer(checkpoint.treeSize), "checkpoint_sha256": .string(imprint),
                        "tsa": .string(tsa ?? "command: \(tsaCommand ?? "")"), "tsa_time": .string(read.time),
                        "token": .string(token.base64EncodedString()),
                    ]))
                    _ = try await log.close()
                    print("Timestamped the checkpoint at \(checkpoint.treeSize) records (\(checkpoint.time)): the TSA says \(read.time); token recorded as record \(r.sequence).")
                } catch {
                    _ = try? await log.close()
                    throw error
                }
            }
        }
    }

    private func ask(_ request: Data) throws -> Data {
        let (status, out, err): (Int32, Data, String)
        if let tsaCommand {
            (status, out, err) = try Timestamps.run("/bin/sh", ["-c", tsaCommand], input: request)
        } else {
            (status, out, err) = try Timestamps.run("/usr/bin/curl", [
                "-sS", "--fail", "--max-time", "30", "-H", "Content-Type: application/timestamp-query", "--data-binary", "@-", tsa ?? "",
            ], input: request)
        }
        guard status == 0, !out.isEmpty else { throw AuditError(.timestampFailed, "the TSA did not answer: \(err.trimmingCharacters(in: .whitespacesAndNewlines))") }
        return out
    }
}
