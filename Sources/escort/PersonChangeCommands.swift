import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Policy
import Store

/// The audit fields of a change to a person: the new version (what reports read as the person
/// from then on) and what changed.
func personChange(_ new: Person, from old: Person) -> [String: AuditValue] {
    let before = old.registryJSON
    let after = new.registryJSON
    let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
    return ["person": .object(after), "changed": .array(changed.map { .string($0) })]
}

struct PersonUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change a person's details; what is not given stays as it is.",
        discussion: """
            A repeated option (--citizenship, --role) replaces the whole list. Open sessions the \
            change no longer allows (a clearance, location or escort training the policy needs) end \
            within seconds. Recorded as registry.changed (action person.update) with the new version.
            """)

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The person's login name.") var name: String
    @Option(name: .long, help: "Full name.") var displayName: String?
    @Option(name: .long, help: "Employer.") var employer: String?
    @Option(name: .long, help: "The prime contractor or contract.") var contractor: String?
    @Option(name: .long, help: "Every citizenship (repeat; replaces the list).") var citizenship: [String] = []
    @Option(name: .long, help: "Country of residence.") var residence: String?
    @Option(name: .long, help: "Country where the person is now.") var location: String?
    @Option(name: .long, help: "none, public-trust, confidential, secret, top-secret or ts-sci.") var clearance: String?
    @Option(name: .long, help: "Every role (repeat; replaces the list).") var role: [String] = []
    @Option(name: .long, help: "When escort training expires (2027-06-30: through that day, UTC).") var trainingExpires: String?
    @Flag(name: .long, help: "Remove the escort-training date.") var noTraining = false

    func validate() throws {
        if trainingExpires != nil && noTraining { throw ValidationError("--training-expires and --no-training contradict each other; give one") }
    }

    func run() async throws {
        try await reportingErrors {
            try await options.recordingChange("person.update", by: change) { store, _ in
                let old = try await livePerson(name, in: store)
                var p = old
                if let displayName { p.displayName = displayName }
                if let employer { p.employer = employer }
                if let contractor { p.contractor = contractor }
                if !citizenship.isEmpty { p.citizenships = try citizenship.map { try CountryCode(validating: $0) } }
                if let residence { p.residence = try CountryCode(validating: residence) }
                if let location { p.location = try CountryCode(validating: location) }
                if let clearance { p.clearance = try Clearance(validating: clearance) }
                if !role.isEmpty { p.roles = Set(try role.map { try Role(validating: $0) }) }
                if let trainingExpires { p.escortTrainingExpires = try parseDate(trainingExpires, option: "training-expires", endOfDay: true) }
                if noTraining { p.escortTrainingExpires = nil }
                guard p != old else { throw RegistryError(.invalidField, "nothing to change: give at least one new value", field: "name") }
                try await store.updatePerson(p)
                print("Updated \(name).")
                return personChange(p, from: old)
            }
        }
    }
}

struct PersonAddKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-key", abstract: "Register another SSH key for a person.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The person's login name.") var name: String
    @Option(name: .long, help: "A public key file (.pub); repeat for several.") var keyFile: [String] = []
    @Option(name: .long, help: "A public key line; repeat for several.") var key: [String] = []

    func run() async throws {
        try await reportingErrors {
            let keys = try readPublicKeys(files: keyFile, lines: key)
            guard !keys.isEmpty else { throw RegistryError(.invalidKey, "give --key-file or --key", field: "key") }
            try await options.recordingChange("person.add_key", by: change) { store, _ in
                let old = try await livePerson(name, in: store)
                var p = old
                for k in keys {
                    if let r = p.revokedKeys.first(where: { $0.key.blob == k.blob }) {
                        throw RegistryError(.invalidKey, "the key \(k.fingerprint) was revoked for \(name) \(r.mark.sentence); make a new key", field: "key")
                    }
                    p.keys.append(k)
                }
                try await store.updatePerson(p)
                for k in keys { print("Added key \(k.algorithm) \(k.fingerprint) \(k.comment) to \(name).") }
                var fields = personChange(p, from: old)
                fields["keys_added"] = .array(keys.map { .string($0.fingerprint) })
                return fields
            }
        }
    }
}

struct PersonRevokeKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-key", abstract: "Revoke one of a person's SSH keys (lost or stolen): it authenticates nobody from now on.",
        discussion: "Open sessions signed in with the key end within seconds. --reason is required.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The person's login name.") var name: String
    @Option(name: .long, help: "The key's fingerprint (SHA256:…, as `escort person list` shows it).") var fingerprint: String?
    @Option(name: .long, help: "The key line or a .pub file holding it (instead of --fingerprint).") var key: String?

    func validate() throws {
        if (fingerprint == nil) == (key == nil) { throw ValidationError("give either --fingerprint or --key") }
    }

    func run() async throws {
        try await reportingErrors {
            let reason = try change.requiredReason("revoking a key")
            var wanted = fingerprint
            if let key {
                let k = FileManager.default.fileExists(atPath: key) ? try readPublicKeys(files: [key], lines: []) : [try SSHPublicKey.parse(authorizedKeysLine: key)]
                wanted = k.first?.fingerprint
            }
            try await options.recordingChange("person.revoke_key", by: change) { store, actor in
                let old = try await livePerson(name, in: store)
                guard let i = old.keys.firstIndex(where: { $0.fingerprint == wanted }) else {
                    let known = old.keys.map(\.fingerprint).joined(separator: ", ")
                    throw StoreError(.missing, "\(name) has no key \(wanted ?? "") (registered: \(known.isEmpty ? "none" : known))")
                }
                var p = old
                let revoked = p.keys.remove(at: i)
                p.revokedKeys.append(RevokedKey(key: revoked, mark: change.mark(actor, reason: reason)))
                try await store.updatePerson(p)
                print("Revoked \(revoked.fingerprint) of \(name); \(p.keys.count) key(s) left.")
                var fields = personChange(p, from: old)
                fields["key_revoked"] = .string(revoked.fingerprint)
                return fields
            }
        }
    }
}

struct PersonDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Stop a person connecting, escorting, reviewing and signing in (reversible: enable).",
        discussion: "Their open sessions end within seconds. --reason is required.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The person's login name.") var name: String

    func run() async throws {
        try await reportingErrors {
            let reason = try change.requiredReason("disabling a person")
            try await options.recordingChange("person.disable", by: change) { store, actor in
                let old = try await livePerson(name, in: store)
                if let d = old.disabled { throw StoreError(.conflict, "\(name) is already disabled \(d.sentence)") }
                var p = old
                p.disabled = change.mark(actor, reason: reason)
                try await store.updatePerson(p)
                print("Disabled \(name).")
                return personChange(p, from: old)
            }
        }
    }
}

struct PersonEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Let a disabled person back in.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The person's login name.") var name: String

    func run() async throws {
        try await reportingErrors {
            try await options.recordingChange("person.enable", by: change) { store, _ in
                let old = try await livePerson(name, in: store)
                guard old.disabled != nil else { throw StoreError(.conflict, "\(name) is not disabled") }
                var p = old
                p.disabled = nil
                try await store.updatePerson(p)
                print("Enabled \(name).")
                return personChange(p, from: old)
            }
        }
    }
}

struct PersonRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a person who left: a soft delete that keeps their history.",
        discussion: """
            The record stays, marked removed (when, by whom, why), so past sessions still report \
            under the person's name; every key is revoked, the web-console password deleted, open \
            sessions end within seconds. The name is not given to anyone else. --reason is required.
            """)

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The person's login name.") var name: String

    func run() async throws {
        try await reportingErrors {
            let reason = try change.requiredReason("removing a person")
            try await options.recordingChange("person.remove", by: change) { store, actor in
                let old = try await livePerson(name, in: store)
                var p = old
                let mark = change.mark(actor, reason: reason)
                p.removed = mark
                p.revokedKeys += p.keys.map { RevokedKey(key: $0, mark: RegistryMark(at: mark.at, by: actor, reason: "person removed: \(reason)")) }
                p.keys = []
                try await store.updatePerson(p)
                print("Removed \(name) (\(old.keys.count) key(s) revoked); the record stays for the history.")
                return personChange(p, from: old)
            }
        }
    }
}
