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

    public init(name: String, impactLevel: ImpactLevel, owner: String, connection: TargetConnection, sshHostKey: String? = nil) {
        self.name = name
        self.impactLevel = impactLevel
        self.owner = owner
        self.connection = connection
        self.sshHostKey = sshHostKey
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
