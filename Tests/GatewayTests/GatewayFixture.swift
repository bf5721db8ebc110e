import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import ShellAnalysis
import StoreSQLite

/// A small fixed authority for the gateway's own tests: the registry and policy modules have
/// their own tests, and the end-to-end tests drive the real ones through `escort serve`.
struct FixtureAuthority: GatewayAuthority {
    var users: [String: GatewayUser]  // key line prefix (type + base64) → user
    var targetList: [GatewayTarget]
    var escorted: Set<String>

    func user(forKey key: String) async throws -> GatewayUser? {
        let parts = key.split(separator: " ")
        return users[parts.prefix(2).joined(separator: " ")]
    }

    func targets() async throws -> [GatewayTarget] { targetList }
    func target(named name: String) async throws -> GatewayTarget? { targetList.first { $0.name == name } }

    func access(user: GatewayUser, target: GatewayTarget, source: String?) async throws -> AccessOutcome {
        guard user.roles.contains(.engineer) else { return AccessOutcome(mode: nil, reasons: ["\(user.name) is not an engineer."]) }
        return AccessOutcome(mode: escorted.contains(target.name) ? .escorted : .direct, reasons: ["fixture"])
    }

    func ruling(for analysis: Analysis, mode: SessionMode, target: GatewayTarget) -> (CommandRuling, [String]) {
        if analysis.status != .complete { return (.hold, ["not complete"]) }
        switch analysis.risk {
        case .none, .low: return (.run, [])
        case .medium: return (mode == .escorted ? .hold : .run, [])
        case .high: return (.hold, ["high risk"])
        case .critical: return (mode == .escorted ? .refuse : .holdWithReview, ["critical"])
        }
    }

    func mayEscort(user: GatewayUser, target: GatewayTarget) async throws -> Verdict {
        Verdict(allowed: user.roles.contains(.escort), reasons: ["fixture"])
    }

    func mayReview(user: GatewayUser, target: GatewayTarget) async throws -> Verdict {
        Verdict(allowed: user.roles.contains(.reviewer), reasons: ["fixture"])
    }

    func allowsInteractive(program: String) -> Bool { ["less", "top", "vi"].contains(program) }
}

/// A gateway on a loopback port with a fixture registry and an audit log on SQLite.
final class GatewayFixture: @unchecked Sendable {
    let dir = TemporaryDirectory(prefix: "escort-gw")
    let server: GatewayServer
    let audit: AuditLog
    let store: SQLiteAuditStore
    let keys: [String: String]  // user → private key path
    let hub = ModerationHub()

    /// - Parameter sshd: when given, a target `real` reached through this sshd with the key at `targetKey`.
    /// `local` (IL2) and `secure` (IL5) run under escort-agent; `plain` (IL2) and `bare` (IL5) are
    /// the same shell agentless. `real` (IL4, agentless) and `agent` (IL5, under the built
    /// escort-agent) are reached through `sshd`.
    init(escorted: Set<String> = ["secure"], sshd: SSHDaemon? = nil, targetKey: String? = nil, store: SQLiteAuditStore? = nil,
         recordedOutputPerCommand: Int? = nil, presence: Bool = false) async throws {
        var users: [String: GatewayUser] = [:]
        var keys: [String: String] = [:]
        let people: [(String, Set<Role>)] = [("alice", [.engineer]), ("bob", [.escort]), ("rita", [.reviewer]), ("carol", [.escort])]
        for (name, roles) in people {
            let path = dir.file("\(name)_key")
            let line = try SSHTestKeys.make(path)
            users[line.split(separator: " ").prefix(2).joined(separator: " ")] = GatewayUser(
                name: name, displayName: name.capitalized, roles: roles, profile: "citizen of US, located in US")
            keys[name] = path
        }
        self.keys = keys
        let targetDir = dir.file("target-home")
        try FileManager.default.createDirectory(atPath: targetDir, withIntermediateDirectories: true)
        let local = LocalShellConnector(directory: targetDir)
        let agentless = LocalShellConnector(directory: targetDir, agent: nil)
        var targets = [GatewayTarget(name: "local", impactLevel: .il2, connector: local),
                       GatewayTarget(name: "secure", impactLevel: .il5, connector: local),
                       GatewayTarget(name: "plain", impactLevel: .il2, connector: agentless),
                       GatewayTarget(name: "bare", impactLevel: .il5, connector: agentless)]
        if let sshd, let targetKey {
            targets.append(GatewayTarget(name: "real", impactLevel: .il4, connector: SSHTargetConnector(
                host: "127.0.0.1", port: sshd.port, user: sshd.user, keyPath: targetKey, hostKey: sshd.hostKey, agent: nil)))
            targets.append(GatewayTarget(name: "agent", impactLevel: .il5, connector: SSHTargetConnector(
                host: "127.0.0.1", port: sshd.port, user: sshd.user, keyPath: targetKey, hostKey: sshd.hostKey,
                agent: BuiltProduct.path("escort-agent") ?? "escort-agent")))
        }
        let authority = FixtureAuthority(users: users, targetList: targets, escorted: escorted)
        self.store = try store ?? SQLiteAuditStore(path: dir.file("escort.sqlite"))
        audit = try await AuditLog.open(store: self.store, key: GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key")))
        let analyser = try Analyser.bundled().get()
        var context = GatewayContext(analyser: analyser, authority: authority, audit: audit, hub: hub, recordingsDirectory: dir.file("recordings"))
        if let recordedOutputPerCommand { context.recordedOutputPerCommand = recordedOutputPerCommand }
        if presence {
            let node = NodePresence(node: "test-node", store: self.store, audit: audit, interval: 60)
            try await node.start()
            context.presence = node
        }
        server = try await GatewayServer.start(context: context, hostKey: HostKeyFile.loadOrCreate(path: dir.file("host.key")), host: "127.0.0.1", port: 0)
    }

    var targetHome: String { dir.file("target-home") }

    func ssh(_ login: String, as user: String, tty: Bool, command: [String] = []) throws -> InteractiveProcess {
        let login = login
        return try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: keys[user]!, port: server.port, login: login, tty: tty) + command)
    }

    /// The audit events written so far, as (code, fields) pairs.
    func events() async throws -> [(String, [String: JSONValue])] {
        _ = try await audit.checkpoint()
        let records = try await store.auditRecords(from: 1, limit: 100_000)
        return try records.map { r in
            let value = try JSONParser.parse(r.body)
            let object = value.objectValue ?? [:]
            return (object["code"]?.stringValue ?? "", object["fields"]?.objectValue ?? [:])
        }
    }

    func close() async {
        await server.close()
        _ = try? await audit.close()
    }
}
