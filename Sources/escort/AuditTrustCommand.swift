import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Store

/// `escort audit key …`: signing keys made on purpose (a node's, before it first serves).
struct AuditKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Make a checkpoint-signing key, or show a key's fingerprint.",
        subcommands: [AuditKeyNewCommand.self, AuditKeyFingerprintCommand.self])
}

struct AuditKeyNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make a new Ed25519 signing key (mode 0600) with PATH.pub beside it; never replaces a file.")

    @Option(name: .long, help: "Where to write the private key.")
    var out: String

    func run() async throws {
        try await reportingErrors {
            let key = try makeNewKey(at: out)
            print("New signing key \(out) (public key \(out).pub: \(key.publicKey.base64), \(key.publicKey.fingerprint)).")
        }
    }
}

struct AuditKeyFingerprintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Print the SHA256 fingerprint of a public key (hex, base64 or a file holding it).")

    @Argument(help: "The public key (e.g. gateway.key.pub).")
    var key: String

    func run() async throws {
        try await reportingErrors { print(try parsePublicKey(key).fingerprint) }
    }
}

/// Makes a key at `path`, refusing to touch an existing file.
func makeNewKey(at path: String) throws -> GatewaySigningKey {
    if FileManager.default.fileExists(atPath: path) {
        throw AuditError(.badKey, "\(path) already exists: a key is never replaced (move it away first if you mean to retire it)")
    }
    return try GatewaySigningKey.loadOrCreate(path: path)
}

/// `escort audit trust …`: one trust root for a cluster whose nodes each sign with their own key.
struct AuditTrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "A deployment's trust root: certify each node's signing key, so auditors pin one key.",
        discussion: """
            The root key is made once (`init`) and kept offline. `certify` signs a node key's \
            certification for a window; with --out it writes the certification to a file (on the \
            offline machine), else it records it in the log (audit.key_certified, ESC-9010). `add` \
            records a certification file. `escort audit verify --trust ROOT.pub` then accepts \
            exactly the checkpoints signed by certified keys within their windows. See docs/cluster.md.
            """,
        subcommands: [AuditTrustInitCommand.self, AuditTrustCertifyCommand.self, AuditTrustAddCommand.self])
}

struct AuditTrustInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make the deployment's root key (with ROOT.pub for auditors); keep ROOT offline.")

    @Option(name: .long, help: "Where to write the root's private key.")
    var out: String

    func run() async throws {
        try await reportingErrors {
            let key = try makeNewKey(at: out)
            print("New trust root \(out) (public key \(out).pub: \(key.publicKey.base64), \(key.publicKey.fingerprint)).")
            print("Keep \(out) offline; give \(out).pub to auditors (escort audit verify --trust \(out).pub).")
        }
    }
}

/// Options for recording a certification in the log.
struct TrustRecordingOptions: ParsableArguments {
    @OptionGroup var database: AuditDatabaseOptions

    @Option(name: .long, help: "The signing key of the node recording it, which signs the checkpoint after it (default: gateway.key beside a SQLite store; required with PostgreSQL).")
    var signingKey: String?

    @Option(name: .long, help: "Who records it, as written in the log (default: $USER).")
    var actor: String?

    func record(_ c: KeyCertification) async throws {
        let path = try signingKey ?? SigningKeyOpening.defaultPath(forStore: database.path)
        let actorName = actor ?? ProcessInfo.processInfo.environment["USER"] ?? "admin"
        try await StoreLocation(database.path, passwordFile: database.storePasswordFile).open(create: true).using { store in
            let key = try await SigningKeyOpening.key(path: path, explicit: true, store: store)
            let log = try await AuditLog.open(store: store, key: key)
            do {
                let receipt = try await log.append(c.auditEvent(actor: actorName))
                try await log.close()
                print("Recorded the certification of \(c.name) (\(c.nodeKey.fingerprint), \(c.notBefore) to \(c.notAfter)) as record \(receipt.sequence).")
            } catch {
                _ = try? await log.close()
                throw error
            }
        }
    }
}

struct AuditTrustCertifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Certify a node's signing key for a window, with the root key.")

    @Option(name: .long, help: "The root's private key (from `escort audit trust init`).")
    var root: String

    @Option(name: .long, help: "The node's public key (its KEY.pub, hex or base64).")
    var nodeKey: String

    @Option(name: .long, help: "The node's name, as verification reports it.")
    var name: String

    @Option(name: .long, help: "Start of the window (2027-01-01 or ISO 8601; default: now).")
    var notBefore: String?

    @Option(name: .long, help: "End of the window (2027-12-31 means its end, or ISO 8601).")
    var notAfter: String

    @Option(name: .long, help: "Write the certification to this file (for `escort audit trust add`) instead of recording it in the log.")
    var out: String?

    @OptionGroup var recording: TrustRecordingOptions

    func validate() throws {
        if out != nil, recording.database.given { throw ValidationError("give --out (write a file) or --store (record it in the log), not both") }
    }

    func run() async throws {
        try await reportingErrors {
            let rootKey = try GatewaySigningKey.load(path: root)
            let node = try parsePublicKey(nodeKey)
            if node.bytes == rootKey.publicKeyBytes {
                throw AuditError(.badKey, "--node-key is the root's own key: the root stays offline and signs no checkpoints")
            }
            let from = try notBefore.map { try parseDate($0, option: "not-before", endOfDay: false) } ?? Date()
            let until = try parseDate(notAfter, option: "not-after", endOfDay: true)
            let c = try KeyCertification.sign(name: name, key: node, notBefore: from, notAfter: until, root: rootKey)
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(c.line + [0x0A])) else {
                    throw AuditError(.badExport, "cannot write \(out)")
                }
                print("Certified \(name) (\(node.fingerprint)) from \(c.notBefore) to \(c.notAfter) in \(out); record it with `escort audit trust add \(out)`.")
            } else {
                try await recording.record(c)
            }
        }
    }
}

struct AuditTrustAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record a certification file (from `escort audit trust certify --out`) in the log.")

    @Argument(help: "The certification file.")
    var file: String

    @Option(name: .long, help: "Only record it if this root signed it (ROOT.pub; default: any valid root signature).")
    var trust: String?

    @OptionGroup var recording: TrustRecordingOptions

    func run() async throws {
        try await reportingErrors {
            guard let data = FileManager.default.contents(atPath: file) else { throw AuditError(.badExport, "cannot read \(file)") }
            let c = try KeyCertification(line: Array(data))
            let roots = try trust.map { [try parsePublicKey($0)] }
            guard c.isValid(trusted: roots) else {
                throw AuditError(.badKey, "\(file) is not validly signed by \(roots == nil ? "the root it names" : "the root given with --trust")")
            }
            try await recording.record(c)
        }
    }
}
