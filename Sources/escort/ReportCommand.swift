import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Policy
import Reports
import Store

/// `escort report …`: reports for reviewers, from the audit log and the registries.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Contractor exposure, the two-week review, and NIST SP 800-53 control evidence.",
        discussion: """
            Every report is derived from audit records up to one signed checkpoint (named in the \
            report), verified first; the same store gives the same bytes except the generated-at line. \
            Each run is recorded in the audit log (report.generated, ESC-4001, with the report's SHA-256). \
            Exit status: 0 written, 1 written but the audit log failed verification, 2 an error. See docs/reports.md.
            """,
        subcommands: [ExposureReportCommand.self, ReviewReportCommand.self, ControlsReportCommand.self])
}

/// Options every report takes.
struct ReportOptions: ParsableArguments {
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var policy: PolicyOptions

    @Option(name: .long, help: "Write the report to this file (default: standard output).")
    var out: String?

    @Option(name: .long, help: "Check checkpoint signatures against this gateway public key (hex, base64 or a file; default: the public half of --signing-key).")
    var key: String?

    @Option(name: .long, help: "A cluster's trust root (ROOT.pub): check each checkpoint's signer against the node keys it certified, instead of --key. Repeatable.")
    var trust: [String] = []

    @Option(name: .long, help: "Use the signed checkpoint at this tree size (default: the earliest covering the period).")
    var checkpoint: Int64?

    /// The policy's countries of concern and its facts.
    func policyFacts() throws -> (Set<CountryCode>, PolicyFacts) {
        let engine = try policy.engine()
        let text: String
        if let path = policy.policy {
            guard let data = FileManager.default.contents(atPath: path) else { throw PolicyError(.unreadable, "cannot read the policy file \(path)") }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = try PolicyDocument.bundledDefaultText()
        }
        let d = engine.document
        let facts = PolicyFacts(
            sha256: AuditDigest.sha256Hex(Array(text.utf8)), countriesOfConcern: d.countriesOfConcern.map(\.code).sorted(),
            locationEnforcedFrom: d.locationEnforcedFrom.rawValue, accessRules: d.accessRules.count, escortRules: d.escortRules.count,
            reviewerRules: d.reviewerRules.count, forwardingRefused: !d.allowPortForwarding && !d.allowAgentForwarding && !d.allowSubsystems)
        return (d.countriesOfConcern, facts)
    }

    /// Opens the store and the log, signs a checkpoint over what is there, loads the verified
    /// evidence, lets `build` render the report, writes it, records `report.generated` and closes
    /// the log. Exits 1 if the log failed verification.
    func generate(
        through: Date?, parameters: [String: AuditValue],
        build: (ReportEvidence, RegistrySnapshot, any EscortStore) async throws -> ReportDocument
    ) async throws {
        let document = try await registry.location().open(create: false).using { store in
            try await generate(store, through: through, parameters: parameters, build: build)
        }
        if out != nil {
            printError("escort: wrote \(document.kind) report (\(document.format), \(document.bytes.count) bytes, body SHA-256 \(document.bodySHA256)) from audit checkpoint \(document.provenance.treeSize)")
        }
        if !document.provenance.verified {
            printError("escort: the audit log FAILED verification (\(document.provenance.verification)); the report says so")
            throw ExitCode(1)
        }
    }

    private func generate(
        _ store: any EscortStore, through: Date?, parameters: [String: AuditValue],
        build: (ReportEvidence, RegistrySnapshot, any EscortStore) async throws -> ReportDocument
    ) async throws -> ReportDocument {
        let signing: GatewaySigningKey
        do { signing = try GatewaySigningKey.load(path: try registry.signingKeyPath()) } catch let error as AuditError {
            throw AuditError(
                .badKey,
                "\(error.message): a report signs a checkpoint and checks the log with the gateway's key (give it with --signing-key)")
        }
        let pinned = try key.map(parsePublicKey) ?? signing.publicKey
        let log = try await AuditLog.open(store: store, key: signing)
        let document: ReportDocument
        do {
            try await log.checkpoint()
            let roots = try trust.map(parsePublicKey)
            let evidence = try await ReportEvidence.load(
                store: store, through: through, pinnedKey: pinned, treeSize: checkpoint, trust: roots.isEmpty ? nil : AuditTrust(roots: roots))
            let snapshot = try await RegistrySnapshot.load(from: store)
            document = try await build(evidence, snapshot, store)
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(document.bytes)) else {
                    throw ReportError(.cannotWrite, "cannot write \(out)")
                }
            } else {
                FileHandle.standardOutput.write(Data(document.bytes))
            }
            _ = try await log.append(document.auditEvent(actor: registry.actorName, parameters: parameters, output: out))
        } catch {
            _ = try? await log.close()
            throw error
        }
        try await log.close()
        return document
    }
}

/// Reads `--from`/`--to`.
func reportPeriod(from: String?, to: String?, defaultFourteenDays: Bool) throws -> ReportPeriod {
    let now = Date()
    if from == nil, to == nil, defaultFourteenDays { return ReportPeriod.lastFourteenDays(before: now) }
    let end = try to.map { try ReportTime.parseBound($0, option: "to", endOfDay: true) } ?? now
    let start = try from.map { try ReportTime.parseBound($0, option: "from", endOfDay: false) } ?? end.addingTimeInterval(-14 * 86_400)
    return try ReportPeriod(from: start, to: end)
}

struct ExposureReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exposure",
        abstract: "Contractor exposure: by contractor, person, target and session, with the senator's answer on the front page.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case html, csv, json }

    @OptionGroup var options: ReportOptions
    @Option(name: .long, help: "First day (2026-11-01) or time (RFC 3339) of the period.") var from: String
    @Option(name: .long, help: "Last day (included) or end time (excluded) of the period.") var to: String
    @Option(name: .long, help: "Impact levels: IL2, IL4, IL5, IL6, IL4+ (that level and above) or all.") var impactLevel: String = "all"
    @Option(name: .long, help: "html, csv or json.") var format: Format = .html

    func run() async throws {
        try await reportingErrors {
            let period = try reportPeriod(from: from, to: to, defaultFourteenDays: false)
            let levels = try ImpactLevelFilter(parsing: impactLevel)
            let (concern, _) = try options.policyFacts()
            let parameters: [String: AuditValue] = [
                "from": .string(ReportTime.format(period.from)), "to": .string(ReportTime.format(period.to)),
                "impact_level": .string(levels.description),
            ]
            try await options.generate(through: period.to, parameters: parameters) { evidence, registry, _ in
                let report = ExposureReport(evidence: evidence, registry: registry, period: period, levels: levels, countriesOfConcern: concern)
                switch format {
                case .html: return report.html(generatedAt: Date())
                case .csv: return report.csv()
                case .json: return report.json(generatedAt: Date())
                }
            }
        }
    }
}

struct ReviewReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "The two-week review per contract and target: who had access and on what basis, exceptions, refusals, verification.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case html, json }

    @OptionGroup var options: ReportOptions
    @Option(name: .long, help: "The contract (the contractor people are registered under).") var contract: String?
    @Flag(name: .long, help: "Every contract.") var all = false
    @Option(name: .long, help: "First day or time of the period (default: 14 days before --to).") var from: String?
    @Option(name: .long, help: "Last day (included) or end time (default: now).") var to: String?
    @Option(name: .long, help: "html or json.") var format: Format = .html

    func validate() throws {
        if (contract == nil) == !all { throw ValidationError("give either --contract NAME or --all") }
    }

    func run() async throws {
        try await reportingErrors {
            let period = try reportPeriod(from: from, to: to, defaultFourteenDays: true)
            let (concern, _) = try options.policyFacts()
            let parameters: [String: AuditValue] = [
                "from": .string(ReportTime.format(period.from)), "to": .string(ReportTime.format(period.to)),
                "contract": contract.map { .string($0) } ?? "all",
            ]
            try await options.generate(through: period.to, parameters: parameters) { evidence, registry, _ in
                let report = try ReviewReport(evidence: evidence, registry: registry, period: period, contract: contract, countriesOfConcern: concern)
                switch format {
                case .html: return report.html(generatedAt: Date())
                case .json: return report.json(generatedAt: Date())
                }
            }
        }
    }
}

struct ControlsReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controls",
        abstract: "Evidence for the NIST SP 800-53 controls Escort implements: OSCAL assessment results or HTML.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case oscal, html }

    @OptionGroup var options: ReportOptions
    @Option(name: .long, help: "First day or time of the evidence period (default: the first record).") var from: String?
    @Option(name: .long, help: "Last day (included) or end time (default: the checkpoint's time).") var to: String?
    @Option(name: .long, help: "oscal (assessment-results JSON, OSCAL 1.1.2) or html.") var format: Format = .oscal

    func run() async throws {
        try await reportingErrors {
            let period: ReportPeriod? = from == nil && to == nil ? nil : try reportPeriod(from: from, to: to, defaultFourteenDays: false)
            let (_, facts) = try options.policyFacts()
            var parameters: [String: AuditValue] = ["format": .string(format.rawValue)]
            if let period { parameters["from"] = .string(ReportTime.format(period.from)); parameters["to"] = .string(ReportTime.format(period.to)) }
            try await options.generate(through: period?.to, parameters: parameters) { evidence, registry, store in
                let training = try await store.trainingResults(person: nil)
                let report = ControlsReport(evidence: evidence, registry: registry, training: training, policy: facts, period: period)
                switch format {
                case .oscal: return report.oscal(generatedAt: Date())
                case .html: return report.html(generatedAt: Date())
                }
            }
        }
    }
}
