import ArgumentParser
import EscortCore
import Foundation

/// `escort target …`: the systems engineers work on.
struct TargetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "target", abstract: "Add, change, re-pin, disable, remove and list targets.",
        subcommands: [
            TargetAddCommand.self, TargetUpdateCommand.self, TargetRepinCommand.self, TargetDisableCommand.self,
            TargetEnableCommand.self, TargetRemoveCommand.self, TargetListCommand.self,
        ])
}

struct TargetAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Register a target: a local shell (--local) or an SSH server (--ssh-host …).",
        discussion: "The gateway logs in to an SSH target with the private key at --ssh-key; engineers never see it.")

    @OptionGroup var options: RegistryOptions

    @Option(name: .long, help: "Target name (same syntax as a login).") var name: String
    @Option(name: .long, help: "IL2, IL4, IL5 or IL6.") var impactLevel: String
    @Option(name: .long, help: "Who is responsible for the target.") var owner: String
    @Flag(name: .long, help: "A shell on the gateway's own machine (demos, tests).") var local = false
    @Option(name: .long, help: "SSH host name or address.") var sshHost: String?
    @Option(name: .long, help: "SSH port.") var sshPort: Int = 22
    @Option(name: .long, help: "The account the gateway logs in as.") var sshUser: String?
    @Option(name: .long, help: "Path of the private key the gateway uses (kept on the gateway).") var sshKey: String?
    @Option(name: .long, help: "The target's SSH host key, pinned: a key line or a file holding one (its ssh_host_ed25519_key.pub, or `ssh-keyscan -t ed25519 HOST` output).")
    var sshHostKey: String?
    @OptionGroup var workload: WorkloadOptions

    func validate() throws {
        if local, sshHost != nil { throw ValidationError("give either --local or --ssh-host, not both") }
        if !local, sshHost == nil { throw ValidationError("give --local or --ssh-host (with --ssh-user and --ssh-key)") }
        if sshHost != nil, sshUser == nil || sshKey == nil { throw ValidationError("an SSH target needs --ssh-user and --ssh-key") }
        if sshHost != nil, sshHostKey == nil {
            throw ValidationError("an SSH target needs --ssh-host-key: the key it must present (e.g. `ssh-keyscan -t ed25519 HOST > host.pub`)")
        }
        if local, sshHostKey != nil { throw ValidationError("--ssh-host-key is for SSH targets only") }
    }

    func run() async throws {
        try await reportingErrors {
            guard let level = ImpactLevel(parsing: impactLevel) else {
                throw RegistryError(
                    .invalidField, "unknown impact level \"\(impactLevel)\" (use IL2, IL4, IL5 or IL6)", field: "impact-level")
            }
            let connection: TargetConnection =
                local ? .localShell : .ssh(host: sshHost ?? "", port: sshPort, user: sshUser ?? "", keyPath: sshKey ?? "")
            if let sshKey { try TargetAddCommand.checkPrivateKeyFile(sshKey) }
            let target = try Target(name: name, impactLevel: level, owner: owner, connection: connection,
                                    sshHostKey: try sshHostKey.map(Self.hostKeyLine), workload: workload.applied(to: TargetWorkload())).validated()
            try await options.recordingChange("target.add") { store in
                try await store.addTarget(target)
                return ["target": .object(target.registryJSON)]
            }
            print("Added target \(target.name) (\(level.rawValue), \(connection.summary)).")
        }
    }
}

extension TargetAddCommand {
    /// The gateway's private key for a target must be there (the gateway reads it at connect
    /// time; a path that does not exist can only be a mistake). Its contents are not read here.
    static func checkPrivateKeyFile(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RegistryError(.invalidField, "--ssh-key \(path) does not exist: give the path of the private key the gateway logs in with (make one with ssh-keygen -t ed25519 -f \(path))", field: "ssh-key")
        }
        guard !isDirectory.boolValue else {
            throw RegistryError(.invalidField, "--ssh-key \(path) is a folder, not a private key file", field: "ssh-key")
        }
    }

    /// The key line from `--ssh-host-key`: the text itself, or the first key in the file it names
    /// (an `ssh-keyscan` line `HOST TYPE KEY` loses its host name).
    static func hostKeyLine(_ given: String) throws -> String {
        var text = given
        if FileManager.default.fileExists(atPath: given) {
            guard let data = FileManager.default.contents(atPath: given) else {
                throw RegistryError(.invalidKey, "cannot read the host key file \(given)", field: "ssh-host-key")
            }
            text = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                .first { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        }
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        if words.count >= 3, !words[0].hasPrefix("ssh-"), !words[0].hasPrefix("ecdsa-"), words[1].hasPrefix("ssh-") || words[1].hasPrefix("ecdsa-") {
            return words.dropFirst().joined(separator: " ")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct TargetListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List targets.",
        discussion: "--format json prints every field needed to re-create each target (the private key by its path only), removed targets included.")

    @OptionGroup var options: RegistryOptions
    @Option(name: .long, help: "text or json.") var format: PersonListCommand.Format = .text
    @Flag(name: .long, help: "Also list removed targets (text; json always lists them).") var all = false

    func run() async throws {
        try await reportingErrors {
            let targets = try await options.withStore { try await $0.targets() }
            if format == .json { return print(try RegistryFile.encode(targets.map(TargetEntry.init))) }
            let shown = all ? targets : targets.filter { $0.removed == nil }
            guard !shown.isEmpty else { return print("No targets registered.") }
            print(table(
                ["NAME", "LEVEL", "OWNER", "CONNECTION", "STATE", "WORKLOAD"],
                shown.map { t in
                    [
                        t.name, t.impactLevel.rawValue, t.owner, t.connection.summary,
                        t.removed.map { "removed \(RegistryDate.format($0.at))" } ?? t.disabled.map { "disabled \(RegistryDate.format($0.at))" } ?? "active",
                        t.workload.summary,
                    ]
                }))
        }
    }
}

extension TargetWorkload {
    /// `services app,worker; app dirs /opt/app; databases orders; networks 10.20.0.0/16`, or `-`.
    var summary: String {
        let parts = [("services", services), ("app dirs", appDirectories), ("databases", databases), ("networks", networks)]
            .filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1.joined(separator: ","))" }
        return parts.isEmpty ? "-" : parts.joined(separator: "; ")
    }
}
