import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Store

/// What a target runs (`--service`, `--app-dir`, `--database`, `--network`, each repeatable),
/// handed to the analyser with every command on the target.
struct WorkloadOptions: ParsableArguments {
    @Option(name: .long, help: "An application service of the target (systemd unit or container name; repeat).") var service: [String] = []
    @Option(name: .long, help: "A folder holding the application's code or data (absolute; repeat).") var appDir: [String] = []
    @Option(name: .long, help: "One of the target's own databases (repeat).") var database: [String] = []
    @Option(name: .long, help: "An internal network of the target: CIDR (10.20.0.0/16) or host name (repeat).") var network: [String] = []

    var isEmpty: Bool { service.isEmpty && appDir.isEmpty && database.isEmpty && network.isEmpty }

    /// `w` with every list given here replacing the one there.
    func applied(to w: TargetWorkload) -> TargetWorkload {
        var w = w
        if !service.isEmpty { w.services = service }
        if !appDir.isEmpty { w.appDirectories = appDir }
        if !database.isEmpty { w.databases = database }
        if !network.isEmpty { w.networks = network }
        return w
    }
}

/// The audit fields of a change to a target: the new version and what changed.
func targetChange(_ new: Target, from old: Target) -> [String: AuditValue] {
    let before = old.registryJSON
    let after = new.registryJSON
    let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
    return ["target": .object(after), "changed": .array(changed.map { .string($0) })]
}

struct TargetUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change a target's details; what is not given stays as it is.",
        discussion: """
            A repeated option (--service, --app-dir, --database, --network) replaces that list; \
            --clear-workload empties all four first. Open sessions the change no longer allows (a \
            higher impact level) end within seconds. To pin a new host key use `target repin`.
            """)

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The target's name.") var name: String
    @Option(name: .long, help: "IL2, IL4, IL5 or IL6.") var impactLevel: String?
    @Option(name: .long, help: "Who is responsible for the target.") var owner: String?
    @Option(name: .long, help: "SSH host name or address.") var sshHost: String?
    @Option(name: .long, help: "SSH port.") var sshPort: Int?
    @Option(name: .long, help: "The account the gateway logs in as.") var sshUser: String?
    @Option(name: .long, help: "Path of the private key the gateway uses.") var sshKey: String?
    @OptionGroup var workload: WorkloadOptions
    @Flag(name: .long, help: "Empty the services, folders, databases and networks before applying the options.") var clearWorkload = false

    func run() async throws {
        try await reportingErrors {
            if let sshKey { try TargetAddCommand.checkPrivateKeyFile(sshKey) }
            try await options.recordingChange("target.update", by: change) { store, _ in
                let old = try await liveTarget(name, in: store)
                var t = old
                if let impactLevel {
                    guard let level = ImpactLevel(parsing: impactLevel) else {
                        throw RegistryError(.invalidField, "unknown impact level \"\(impactLevel)\" (use IL2, IL4, IL5 or IL6)", field: "impact-level")
                    }
                    t.impactLevel = level
                }
                if let owner { t.owner = owner }
                if sshHost != nil || sshPort != nil || sshUser != nil || sshKey != nil {
                    guard case .ssh(let host, let port, let user, let keyPath) = t.connection else {
                        throw RegistryError(.invalidField, "\(name) is a local-shell target; it has no SSH settings to change", field: "ssh-host")
                    }
                    t.connection = .ssh(host: sshHost ?? host, port: sshPort ?? port, user: sshUser ?? user, keyPath: sshKey ?? keyPath)
                }
                t.workload = workload.applied(to: clearWorkload ? TargetWorkload() : t.workload)
                guard t != old else { throw RegistryError(.invalidField, "nothing to change: give at least one new value", field: "name") }
                try await store.updateTarget(t)
                print("Updated target \(name).")
                return targetChange(t, from: old)
            }
        }
    }
}

struct TargetRepinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repin", abstract: "Pin a target's new SSH host key (after the target's host key was rotated).",
        discussion: "Check the new key's fingerprint against the target's own console before trusting it. --reason is required.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The target's name.") var name: String
    @Option(name: .long, help: "The new host key: a key line or a file holding one (ssh-keyscan output works).") var sshHostKey: String

    func run() async throws {
        try await reportingErrors {
            let reason = try change.requiredReason("re-pinning a host key")
            let line = try TargetAddCommand.hostKeyLine(sshHostKey)
            try await options.recordingChange("target.repin", by: change) { store, _ in
                let old = try await liveTarget(name, in: store)
                guard case .ssh = old.connection else {
                    throw RegistryError(.invalidField, "\(name) is a local-shell target; host keys are pinned only for SSH targets", field: "ssh-host-key")
                }
                var t = old
                t.sshHostKey = line
                guard t != old else { throw RegistryError(.invalidField, "\(name) already pins this key", field: "ssh-host-key") }
                try await store.updateTarget(t)
                let new = try SSHPublicKey.parse(authorizedKeysLine: line)
                print("Pinned \(new.algorithm) \(new.fingerprint) for \(name) (\(reason)).")
                var fields = targetChange(t, from: old)
                fields["old_host_key"] = old.sshHostKey.flatMap { try? SSHPublicKey.parse(authorizedKeysLine: $0).fingerprint }.map { .string($0) } ?? .null
                fields["new_host_key"] = .string(new.fingerprint)
                return fields
            }
        }
    }
}

struct TargetDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Stop all work on a target (reversible: enable).",
        discussion: "Open sessions on it end within seconds. --reason is required.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The target's name.") var name: String

    func run() async throws {
        try await reportingErrors {
            let reason = try change.requiredReason("disabling a target")
            try await options.recordingChange("target.disable", by: change) { store, actor in
                let old = try await liveTarget(name, in: store)
                if let d = old.disabled { throw StoreError(.conflict, "target \(name) is already disabled \(d.sentence)") }
                var t = old
                t.disabled = change.mark(actor, reason: reason)
                try await store.updateTarget(t)
                print("Disabled target \(name).")
                return targetChange(t, from: old)
            }
        }
    }
}

struct TargetEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Open a disabled target again.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The target's name.") var name: String

    func run() async throws {
        try await reportingErrors {
            try await options.recordingChange("target.enable", by: change) { store, _ in
                let old = try await liveTarget(name, in: store)
                guard old.disabled != nil else { throw StoreError(.conflict, "target \(name) is not disabled") }
                var t = old
                t.disabled = nil
                try await store.updateTarget(t)
                print("Enabled target \(name).")
                return targetChange(t, from: old)
            }
        }
    }
}

struct TargetRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a decommissioned target: a soft delete that keeps its history.",
        discussion: "The record stays, marked removed (when, by whom, why); nobody can connect to it; open sessions end within seconds. --reason is required.")

    @OptionGroup var options: RegistryOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The target's name.") var name: String

    func run() async throws {
        try await reportingErrors {
            let reason = try change.requiredReason("removing a target")
            try await options.recordingChange("target.remove", by: change) { store, actor in
                let old = try await liveTarget(name, in: store)
                var t = old
                t.removed = change.mark(actor, reason: reason)
                try await store.updateTarget(t)
                print("Removed target \(name); the record stays for the history.")
                return targetChange(t, from: old)
            }
        }
    }
}
