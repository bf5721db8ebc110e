import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Policy

/// `escort person …`: the personnel registry.
struct PersonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person",
        abstract: "Add, change, disable, remove, import and list people (engineers, escorts, reviewers, admins); set web-console passwords.",
        subcommands: [
            PersonAddCommand.self, PersonUpdateCommand.self, PersonAddKeyCommand.self, PersonRevokeKeyCommand.self,
            PersonDisableCommand.self, PersonEnableCommand.self, PersonRemoveCommand.self, PersonImportCommand.self,
            PersonListCommand.self, PersonPasswordCommand.self,
        ]
    )
}

struct PersonAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Register one person.",
        discussion: "Every change is appended to the audit log in the same store (event registry.changed, ESC-3002).")

    @OptionGroup var options: RegistryOptions

    @Option(name: .long, help: "Login name: a-z first, then a-z 0-9 . _ - (at most 32).") var name: String
    @Option(name: .long, help: "Full name.") var displayName: String
    @Option(name: .long, help: "Employer.") var employer: String
    @Option(name: .long, help: "The prime contractor or contract the person works under.") var contractor: String
    @Option(name: .long, help: "A citizenship (ISO 3166-1 alpha-2; repeat for several).") var citizenship: [String] = []
    @Option(name: .long, help: "Country of residence.") var residence: String
    @Option(name: .long, help: "Country where the person is now.") var location: String
    @Option(name: .long, help: "none, public-trust, confidential, secret, top-secret or ts-sci.") var clearance: String
    @Option(name: .long, help: "engineer, escort, reviewer or admin (repeat for several).") var role: [String] = []
    @Option(name: .long, help: "When escort training expires (2027-06-30 means through that day, UTC).") var trainingExpires: String?
    @Option(name: .long, help: "A public key file (.pub); repeat for several.") var keyFile: [String] = []
    @Option(name: .long, help: "A public key line ('ssh-ed25519 AAAA… comment'); repeat for several.") var key: [String] = []

    func run() async throws {
        try await reportingErrors {
            let keys = try readPublicKeys(files: keyFile, lines: key)
            guard !citizenship.isEmpty else {
                throw RegistryError(.invalidField, "give at least one --citizenship", field: "citizenship")
            }
            guard !role.isEmpty else { throw RegistryError(.invalidField, "give at least one --role", field: "role") }
            let person = try Person(
                name: name, displayName: displayName, employer: employer, contractor: contractor,
                citizenships: citizenship.map { try CountryCode(validating: $0) },
                residence: try CountryCode(validating: residence), location: try CountryCode(validating: location),
                clearance: try Clearance(validating: clearance), roles: Set(try role.map { try Role(validating: $0) }),
                escortTrainingExpires: try trainingExpires.map { try parseDate($0, option: "training-expires", endOfDay: true) },
                keys: keys
            ).validated()
            try await options.recordingChange("person.add") { store in
                try await store.addPerson(person)
                return ["person": .object(person.registryJSON)]
            }
            print("Added \(person.name) (\(person.displayName)) with \(person.keys.count) key(s).")
            for k in person.keys { print("  \(k.algorithm) \(k.fingerprint) \(k.comment)") }
        }
    }
}

struct PersonImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Register everyone in a CSV file: all or nothing.",
        discussion: """
            Header: \((PersonCSV.requiredColumns + PersonCSV.optionalColumns).joined(separator: ",")) \
            (the last two may be left out). Lists separate items with ';'. One bad row and nothing \
            is imported; the error names the line and the field. See docs/registry.md.
            """)

    @OptionGroup var options: RegistryOptions

    @Argument(help: "The CSV file.") var file: String

    func run() async throws {
        try await reportingErrors {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw RegistryError(.invalidCSV, "cannot read \(file)")
            }
            let people: [Person]
            do { people = try PersonCSV.parse(String(decoding: data, as: UTF8.self)) } catch let e as RegistryError {
                throw e.prefixed(file)
            }
            try await options.recordingChange("person.import") { store in
                try await store.importPeople(people)
                return ["file": .string(file), "people": .array(people.map { .object($0.registryJSON) })]
            }
            print("Imported \(people.count) people from \(file): \(people.map(\.name).joined(separator: ", ")).")
        }
    }
}

struct PersonListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List everyone registered.",
        discussion: "--format json prints every field needed to re-create each person (public keys as authorized_keys lines), removed people included.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var options: RegistryOptions

    @Option(name: .long, help: "text or json.") var format: Format = .text
    @Flag(name: .long, help: "Also list removed people (text; json always lists them).") var all = false

    func run() async throws {
        try await reportingErrors {
            let people = try await options.withStore { try await $0.people() }
            switch format {
            case .json:
                print(try RegistryFile.encode(people.map(PersonEntry.init)))
            case .text:
                let shown = all ? people : people.filter { $0.removed == nil }
                guard !shown.isEmpty else { return print("No people registered.") }
                print(table(
                    ["NAME", "DISPLAY NAME", "CITIZENSHIP", "RESIDES", "LOCATED", "CLEARANCE", "ROLES", "TRAINING UNTIL", "STATE", "KEYS"],
                    shown.map { p in
                        [
                            p.name, p.displayName, p.citizenships.map(\.code).joined(separator: ","), p.residence.code, p.location.code,
                            p.clearance.rawValue, p.sortedRoles.map(\.rawValue).joined(separator: ","),
                            p.escortTrainingExpires.map(RegistryDate.format) ?? "-",
                            p.removed.map { "removed \(RegistryDate.format($0.at))" } ?? p.disabled.map { "disabled \(RegistryDate.format($0.at))" } ?? "active",
                            p.keys.map(\.fingerprint).joined(separator: " "),
                        ]
                    }))
            }
        }
    }
}
