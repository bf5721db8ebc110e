import AuditLog
import Foundation
import Gateway
import Policy
import ShellAnalysis
import Store
import Training

/// What the web console works from: the same registry, policy, hub and audit log as the gateway
/// it runs beside.
public struct ConsoleContext: Sendable {
    public var store: any RegistryStore & CredentialStore & AuditStore & TrainingStore
    public var authority: any GatewayAuthority
    public var hub: ModerationHub
    public var audit: AuditLog
    public var engine: PolicyEngine
    public var analyser: Analyser
    public var recordingsDirectory: String
    /// Where asciinema-player's files were installed (`scripts/setup.sh` puts them in `web-vendor/`);
    /// without them the terminal view falls back to plain text.
    public var vendorDirectory: String?
    /// Whether cookies carry `Secure` (set when serving HTTPS).
    public var secureCookies = false
    /// The least time per training answer for a run to earn credit (default: a person's, see
    /// ``TrainingPlausibility/person``).
    public var trainingPlausibility = TrainingPlausibility.person
    /// The escort-training scenarios the training page offers (those shipped with Escort), or why
    /// they cannot be loaded (the page then says so).
    public var scenarios: Result<ScenarioLibrary, TrainingError> = Result { () throws(TrainingError) in try ScenarioLibrary.bundled() }

    public init(store: any RegistryStore & CredentialStore & AuditStore & TrainingStore, authority: any GatewayAuthority, hub: ModerationHub,
                audit: AuditLog, engine: PolicyEngine, analyser: Analyser, recordingsDirectory: String, vendorDirectory: String?) {
        self.store = store
        self.authority = authority
        self.hub = hub
        self.audit = audit
        self.engine = engine
        self.analyser = analyser
        self.recordingsDirectory = recordingsDirectory
        self.vendorDirectory = vendorDirectory
    }
}

/// Which hub attachments belong to which signed-in browser and session (one per open tab): decisions
/// made over HTTP act through one of them, and each browser session keeps one ``DecisionGuard``
/// per live session (so a second tab cannot skip the settle time).
actor Attachments {
    var tokens: [String: [UUID]] = [:]
    var guards: [String: DecisionGuard] = [:]

    static func key(_ identity: WebIdentity, _ session: String) -> String { identity.token + "|" + session }

    func add(_ token: UUID, for identity: WebIdentity, session: String) {
        tokens[Self.key(identity, session), default: []].append(token)
    }

    /// Forgets one tab's attachment; the others stay.
    func remove(_ token: UUID, for identity: WebIdentity, session: String) {
        let key = Self.key(identity, session)
        tokens[key]?.removeAll { $0 == token }
        if tokens[key]?.isEmpty == true { tokens[key] = nil }
    }

    /// The newest attachment still open for this browser session.
    func token(for identity: WebIdentity, session: String) -> UUID? {
        tokens[Self.key(identity, session)]?.last
    }

    func decisionGuard(for identity: WebIdentity, session: String) -> DecisionGuard {
        guards[Self.key(identity, session)] ?? DecisionGuard()
    }

    func decided(_ hold: Int, for identity: WebIdentity, session: String, at now: Date) {
        guards[Self.key(identity, session), default: DecisionGuard()].decided(hold, at: now)
    }
}
