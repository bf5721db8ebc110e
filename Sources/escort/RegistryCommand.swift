import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Store

/// `escort registry export|import`: a whole registry moved between stores (SQLite to
/// PostgreSQL, one site to another).
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Export a whole registry to a file, or import one into an empty store.",
        subcommands: [RegistryExportCommand.self, RegistryImportCommand.self])
}

/// Everything a store's registry holds, console credentials included.
func registryContents(_ store: any EscortStore) async throws -> RegistryContents {
    let people = try await store.people()
    var credentials: [ConsoleCredential] = []
    for p in people {
        if let c = try await store.credential(for: p.name) { credentials.append(c) }
    }
    return RegistryContents(
        people: people, targets: try await store.targets(), tickets: try await store.tickets(person: nil, target: nil),
        credentials: credentials)
}

struct RegistryExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the whole registry as JSON (people with public keys, targets, tickets, console accounts).",
        discussion: """
            The file holds web-console password hashes and TOTP secrets: keep it as you keep the \
            store (it is written with mode 0600 with -o). Target private keys are named by path \
            only; copy them to the new gateway separately. Nothing is recorded in the audit log.
            """)

    @OptionGroup var options: RegistryOptions
    @Option(name: [.short, .long], help: "Write to this file (mode 0600) instead of standard output.") var output: String?
    @Flag(name: .long, help: "Leave web-console credentials out.") var noCredentials = false

    func run() async throws {
        try await reportingErrors {
            var contents = try await options.withStore { try await registryContents($0) }
            if noCredentials { contents.credentials = [] }
            let text = try RegistryFile.encode(RegistryFile(contents, exportedAt: Date())) + "\n"
            guard let output else { return print(text, terminator: "") }
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw RegistryError(.invalidField, "cannot write \(output)", field: "output")
            }
            FileHandle.standardError.write(Data("Exported \(contents.people.count) people, \(contents.targets.count) targets, \(contents.tickets.count) tickets, \(contents.credentials.count) console accounts to \(output).\n".utf8))
        }
    }
}

struct RegistryImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Load an exported registry into an empty store: all or nothing.",
        discussion: """
            Refused if the store already holds any person, target or ticket (an import never \
            merges); one bad entry and nothing is imported, the error naming it. Recorded as \
            registry.changed (action registry.import) with every person and target and the \
            file's SHA-256.
            """)

    @OptionGroup var options: RegistryOptions
    @Argument(help: "The file `escort registry export` wrote.") var file: String

    func run() async throws {
        try await reportingErrors {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw RegistryError(.invalidField, "cannot read \(file)", field: "file")
            }
            let contents: RegistryContents
            do {
                contents = try RegistryFile.decoder.decode(RegistryFile.self, from: data).contents()
            } catch let e as RegistryError {
                throw e.prefixed(file)
            } catch let e as DecodingError {
                throw RegistryError(.invalidField, "\(file): not a registry export (\(Self.describe(e)))", field: "file")
            }
            let digest = AuditDigest.sha256Hex([UInt8](data))
            try await options.recordingChange("registry.import") { store in
                try await store.importRegistry(contents)
                return [
                    "file": .string(file), "file_sha256": .string(digest),
                    "people": .array(contents.people.map { .object($0.registryJSON) }),
                    "targets": .array(contents.targets.map { .object($0.registryJSON) }),
                    "tickets": .integer(Int64(contents.tickets.count)), "console_accounts": .integer(Int64(contents.credentials.count)),
                ]
            }
            print("Imported \(contents.people.count) people, \(contents.targets.count) targets, \(contents.tickets.count) tickets, \(contents.credentials.count) console accounts from \(file).")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch e {
        case .keyNotFound(let key, let c): return "\(path(c)).\(key.stringValue) is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
