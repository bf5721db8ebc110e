import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Policy
import Store

/// Who makes a registry change and why: `--by` (a registered person; default: the command's
/// actor, `--actor` or `$USER`) and `--reason`.
struct ChangeOptions: ParsableArguments {
    @Option(name: .long, help: "Who makes the change: a registered person (default: --actor, else $USER).") var by: String?
    @Option(name: .long, help: "Why (a change or incident number, or a sentence).") var reason: String?

    /// The reason, required for changes that take something away.
    func requiredReason(_ what: String) throws -> String {
        guard let r = reason?.trimmingCharacters(in: .whitespacesAndNewlines), !r.isEmpty else {
            throw RegistryError(.invalidField, "\(what) needs --reason: say why, for the audit log", field: "reason")
        }
        return r
    }

    /// The actor recorded: `--by` once checked to be a registered person who is neither disabled
    /// nor removed, else the registry options' actor.
    func actor(_ options: RegistryOptions, _ store: any RegistryStore) async throws -> String {
        guard let by else { return options.actorName }
        guard let p = try await store.person(named: by) else {
            throw StoreError(.missing, "--by \(by): no person named \(by) is registered (name the admin making the change)")
        }
        if let why = p.unavailableReason { throw StoreError(.conflict, "--by \(by): \(why)") }
        return by
    }

    /// The mark a change leaves on an entry.
    func mark(_ actor: String, reason: String, at: Date = Date()) -> RegistryMark {
        RegistryMark(at: at, by: actor, reason: reason)
    }
}

extension RegistryOptions {
    /// `recordingChange` with the actor taken from `change`'s `--by` (checked against the
    /// store first): the change and its record name who made it and why.
    func recordingChange(
        _ action: String, by change: ChangeOptions,
        _ body: (any EscortStore, _ actor: String) async throws -> [String: AuditValue]
    ) async throws {
        var who = actorName
        try await recordingChange(action, actor: { store in
            who = try await change.actor(self, store)
            return who
        }) { store in
            var fields = try await body(store, who)
            if let r = change.reason { fields["reason"] = .string(r) }
            return fields
        }
    }
}

/// The person `name`, who must exist and not be removed (a removed record is history only).
func livePerson(_ name: String, in store: any RegistryStore) async throws -> Person {
    guard let p = try await store.person(named: name) else { throw StoreError.noPerson(name) }
    if let removed = p.removed { throw StoreError(.conflict, "\(name) was removed \(removed.sentence); a removed record is history only") }
    return p
}

/// The target `name`, who must exist and not be removed.
func liveTarget(_ name: String, in store: any RegistryStore) async throws -> Target {
    guard let t = try await store.target(named: name) else { throw StoreError.noTarget(name) }
    if let removed = t.removed { throw StoreError(.conflict, "target \(name) was removed \(removed.sentence); a removed record is history only") }
    return t
}

/// Public keys from `.pub` files and key lines; a file that cannot be read is refused by name.
func readPublicKeys(files: [String], lines: [String]) throws -> [SSHPublicKey] {
    var keys: [SSHPublicKey] = []
    for path in files {
        guard FileManager.default.fileExists(atPath: path) else {
            throw RegistryError(.invalidKey, "the key file \(path) does not exist", field: "key-file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistryError(.invalidKey, "cannot read the key file \(path)", field: "key-file")
        }
        let text = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !text.isEmpty else { throw RegistryError(.invalidKey, "the key file \(path) holds no key", field: "key-file") }
        for line in text { keys.append(try SSHPublicKey.parse(authorizedKeysLine: String(line))) }
    }
    for line in lines { keys.append(try SSHPublicKey.parse(authorizedKeysLine: line)) }
    return keys
}
