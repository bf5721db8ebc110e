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

    public init(name: String, impactLevel: ImpactLevel, owner: String, connection: TargetConnection) {
        self.name = name
        self.impactLevel = impactLevel
        self.owner = owner
        self.connection = connection
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
