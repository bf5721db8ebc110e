import EscortCore
import ShellAnalysis

/// Someone who connected and proved a registered key.
public struct GatewayUser: Sendable, Hashable, Codable {
    public var name: String
    public var displayName: String
    public var roles: Set<Role>
    /// One line for escorts: nationality, location, employer (e.g. "citizen of IN, located in IN, Acme (prime: CloudCo)").
    public var profile: String
    /// The public key the person signed in with (`ssh-ed25519 AAAA…`), when known: an open
    /// session ends if it is revoked.
    public var key: String?

    public init(name: String, displayName: String, roles: Set<Role>, profile: String, key: String? = nil) {
        self.name = name
        self.displayName = displayName
        self.roles = roles
        self.profile = profile
        self.key = key
    }
}

/// A target as the gateway sees it.
public struct GatewayTarget: Sendable {
    public var name: String
    public var impactLevel: ImpactLevel
    public var connector: any TargetConnector
    /// What the registry says the target runs, handed to the analyser with every command.
    public var context: TargetContext

    public init(name: String, impactLevel: ImpactLevel, connector: any TargetConnector, context: TargetContext = .none) {
        self.name = name
        self.impactLevel = impactLevel
        self.connector = connector
        self.context = context
    }
}

/// How a session may run.
public enum SessionMode: String, Sendable, Codable {
    case direct, escorted
}

/// The access decision at connect time.
public struct AccessOutcome: Sendable {
    /// nil: refused.
    public var mode: SessionMode?
    public var reasons: [String]
    /// Extra facts for the audit record (source country, effective location, ticket).
    public var facts: [String: JSONValue]

    public init(mode: SessionMode?, reasons: [String], facts: [String: JSONValue] = [:]) {
        self.mode = mode
        self.reasons = reasons
        self.facts = facts
    }
}

/// What policy says about one analysed command.
public enum CommandRuling: String, Sendable, Codable {
    case run
    case hold
    case holdWithReview = "hold+review"
    case refuse
}

/// A yes or no with every reason.
public struct Verdict: Sendable {
    public var allowed: Bool
    public var reasons: [String]

    public init(allowed: Bool, reasons: [String]) {
        self.allowed = allowed
        self.reasons = reasons
    }
}

/// Everything the gateway asks of the registries and the policy. Every method fails closed: a
/// throw refuses the connection or holds the command.
public protocol GatewayAuthority: Sendable {
    /// The person holding `key` (an OpenSSH public-key line, `ssh-ed25519 AAAA…`), if registered.
    func user(forKey key: String) async throws -> GatewayUser?
    /// The targets, in menu order.
    func targets() async throws -> [GatewayTarget]
    /// The target called `name`.
    func target(named name: String) async throws -> GatewayTarget?
    /// May `user` connect to `target` from `source`, and how?
    func access(user: GatewayUser, target: GatewayTarget, source: String?) async throws -> AccessOutcome
    /// The decision for one analysed command.
    func ruling(for analysis: Analysis, mode: SessionMode, target: GatewayTarget) -> (CommandRuling, [String])
    /// May `user` escort sessions on `target`?
    func mayEscort(user: GatewayUser, target: GatewayTarget) async throws -> Verdict
    /// May `user` act as the technical reviewer on `target`?
    func mayReview(user: GatewayUser, target: GatewayTarget) async throws -> Verdict
    /// Whether keystrokes may pass to `program` (as typed, possibly a path) while it runs.
    func allowsInteractive(program: String) -> Bool
    /// Whether sessions on `target` must run under escort-agent (no agentless sessions).
    func requiresAgent(_ target: GatewayTarget) -> Bool
    /// Whether an open session may go on, read afresh from the registry and decided again: the
    /// key, the person, the target, the tickets, the policy; and which of its escorts may no
    /// longer escort it. Throws if the registry cannot be read (the caller fails closed).
    func standing(of session: LiveSession) async throws -> SessionStanding
}

extension GatewayAuthority {
    /// By default, nothing changes under an open session (fixed authorities in tests).
    public func standing(of session: LiveSession) async throws -> SessionStanding { .allowed }

    /// By default, from IL5 up.
    public func requiresAgent(_ target: GatewayTarget) -> Bool { target.impactLevel >= .il5 }
}
