/// A system engineers work on through Escort.
public struct Target: Sendable, Codable, Hashable {
    /// The target's name (same syntax as a login, see ``LoginName``).
    public var name: String
    /// How strictly the target is guarded.
    public var impactLevel: ImpactLevel
    /// Who is responsible for the target (a person or a team).
    public var owner: String
    /// How the gateway reaches the target.
    public var connection: TargetConnection
    /// For an SSH target, the host key it must present (`ssh-ed25519 AAAA…`): pinned, so a
    /// machine in the middle is refused instead of handed the engineer's commands.
    public var sshHostKey: String?
    /// What the target runs (services, application folders, databases, networks), handed to
    /// the analyser with every command on it.
    public var workload: TargetWorkload = TargetWorkload()
    /// Set while nobody may work on the target; nil: enabled.
    public var disabled: RegistryMark?
    /// Set once the target was removed (a soft delete: the record stays for the history).
    public var removed: RegistryMark?

    public init(name: String, impactLevel: ImpactLevel, owner: String, connection: TargetConnection, sshHostKey: String? = nil,
                workload: TargetWorkload = TargetWorkload()) {
        self.name = name
        self.impactLevel = impactLevel
        self.owner = owner
        self.connection = connection
        self.sshHostKey = sshHostKey
        self.workload = workload
    }

    /// Whether anyone may work on the target: neither disabled nor removed.
    public var isEnabled: Bool { disabled == nil && removed == nil }

    /// Why nobody may work on the target, as a sentence; nil if enabled.
    public var unavailableReason: String? {
        if let removed { return "target \(name) was removed from the registry \(removed.sentence)" }
        if let disabled { return "target \(name) is disabled in the registry \(disabled.sentence)" }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case name, impactLevel, owner, connection, sshHostKey, workload, disabled, removed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        impactLevel = try c.decode(ImpactLevel.self, forKey: .impactLevel)
        owner = try c.decode(String.self, forKey: .owner)
        connection = try c.decode(TargetConnection.self, forKey: .connection)
        sshHostKey = try c.decodeIfPresent(String.self, forKey: .sshHostKey)
        workload = try c.decodeIfPresent(TargetWorkload.self, forKey: .workload) ?? TargetWorkload()
        disabled = try c.decodeIfPresent(RegistryMark.self, forKey: .disabled)
        removed = try c.decodeIfPresent(RegistryMark.self, forKey: .removed)
    }

    /// Leaves out what is empty, so a target without the newer fields encodes as before.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(impactLevel, forKey: .impactLevel)
        try c.encode(owner, forKey: .owner)
        try c.encode(connection, forKey: .connection)
        try c.encodeIfPresent(sshHostKey, forKey: .sshHostKey)
        if !workload.isEmpty { try c.encode(workload, forKey: .workload) }
        try c.encodeIfPresent(disabled, forKey: .disabled)
        try c.encodeIfPresent(removed, forKey: .removed)
    }

    /// The target, checked: name syntax, non-empty owner, a usable connection.
    ///
    /// - Throws: ``RegistryError`` naming the field.
    public func validated() throws(RegistryError) -> Target {
        try LoginName.check(name, field: "name")
        guard !owner.trimmingASCIIWhitespace().isEmpty else {
            throw RegistryError(.invalidField, "owner of target \(name) is empty", field: "owner")
        }
        try connection.validate()
        try workload.validate()
        if case .ssh = connection {
            guard let line = sshHostKey, !line.trimmingASCIIWhitespace().isEmpty else {
                throw RegistryError(
                    .invalidField, "SSH target \(name) needs its host key pinned (the target's /etc/ssh/ssh_host_ed25519_key.pub, or `ssh-keyscan -t ed25519 HOST`)",
                    field: "ssh-host-key")
            }
            do { _ = try SSHPublicKey.parse(authorizedKeysLine: line) } catch {
                throw RegistryError(.invalidField, "the host key of \(name) is not usable: \(error.message)", field: "ssh-host-key")
            }
        } else if sshHostKey != nil {
            throw RegistryError(.invalidField, "a host key is pinned only for SSH targets", field: "ssh-host-key")
        }
        return self
    }
}

/// How the gateway reaches a target. Engineers never see the credentials.
public enum TargetConnection: Sendable, Codable, Hashable {
    /// A shell on the gateway's own machine (demos and tests).
    case localShell
    /// An SSH server; the gateway authenticates as `user` with the private key at `keyPath`.
    case ssh(host: String, port: Int, user: String, keyPath: String)

    func validate() throws(RegistryError) {
        guard case .ssh(let host, let port, let user, let keyPath) = self else { return }
        if host.trimmingASCIIWhitespace().isEmpty || host.contains(where: { $0 == " " || $0 == "/" }) {
            throw RegistryError(.invalidField, "invalid SSH host \"\(host)\"", field: "ssh-host")
        }
        if !(1...65535).contains(port) {
            throw RegistryError(.invalidField, "SSH port \(port) is out of range (1-65535)", field: "ssh-port")
        }
        if user.isEmpty || user.contains(where: { $0 == " " || $0 == "@" }) {
            throw RegistryError(.invalidField, "invalid SSH user \"\(user)\"", field: "ssh-user")
        }
        if keyPath.trimmingASCIIWhitespace().isEmpty {
            throw RegistryError(.invalidField, "the SSH key path is empty", field: "ssh-key")
        }
    }

    /// A short description (`local shell`, `ssh deploy@db1.example:22`), never the key.
    public var summary: String {
        switch self {
        case .localShell: "local shell"
        case .ssh(let host, let port, let user, _): "ssh \(user)@\(host):\(port)"
        }
    }
}
