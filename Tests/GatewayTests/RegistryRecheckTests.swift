import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Gateway
import Policy
import ShellAnalysis
import Store
import StoreSQLite
import Testing

/// A gateway over the real registry (SQLite) and the bundled policy, reached with the stock
/// OpenSSH client: what the registry no longer allows ends open sessions.
final class RegistryGateway: @unchecked Sendable {
    let dir = TemporaryDirectory(prefix: "escort-gw-registry")
    let store: SQLiteAuditStore
    let audit: AuditLog
    let server: GatewayServer
    var keys: [String: String] = [:]
    var keyLines: [String: SSHPublicKey] = [:]

    /// alice: US engineer (IL4 needs a ticket); bob: US escort with training. Target `app` (IL4,
    /// local shell, agentless) and `web` (IL2).
    init(recheckEvery interval: Duration = .seconds(1), ticketFor: TimeInterval? = 3600, authority wrap: ((any GatewayAuthority) -> any GatewayAuthority)? = nil) async throws {
        store = try SQLiteAuditStore(path: dir.file("escort.sqlite"))
        for (name, roles) in [("alice", Set<Role>([.engineer])), ("bob", [.escort]), ("root", [.admin])] {
            let path = dir.file("\(name)_key")
            let key = try SSHPublicKey.parse(authorizedKeysLine: try SSHTestKeys.make(path))
            keys[name] = path
            keyLines[name] = key
            try await store.addPerson(Person(
                name: name, displayName: name.capitalized, employer: "Acme", contractor: "Prime", citizenships: [CountryCode("US")],
                residence: CountryCode("US"), location: CountryCode("US"), clearance: .secret, roles: roles,
                escortTrainingExpires: Date().addingTimeInterval(86_400), keys: [key]))
        }
        try await store.addTarget(Target(name: "app", impactLevel: .il4, owner: "ops", connection: .localShell,
                                         workload: TargetWorkload(services: ["app"], appDirectories: ["/opt/app"])))
        try await store.addTarget(Target(name: "web", impactLevel: .il2, owner: "ops", connection: .localShell))
        if let ticketFor { try await Self.grant(for: ticketFor, in: store) }
        audit = try await AuditLog.open(store: store, key: GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key")))
        let engine = PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: try IPCountryTable.bundledTest())
        // Agentless local shells: AgentMediationTests kills every escort-agent of this process,
        // which would end these sessions for a reason of its own.
        let real = AgentlessTargets(RegistryAuthority(store: store, engine: engine, localHome: dir.file("targets")))
        var context = GatewayContext(analyser: try Analyser.bundled().get(), authority: wrap?(real) ?? real, audit: audit,
                                     hub: ModerationHub(), recordingsDirectory: dir.file("recordings"))
        context.registryRecheckInterval = interval
        server = try await GatewayServer.start(context: context, hostKey: HostKeyFile.loadOrCreate(path: dir.file("host.key")), host: "127.0.0.1", port: 0)
    }

    /// A ticket for alice on `app` from a minute ago until `seconds` from now.
    func grant(for seconds: TimeInterval) async throws { try await Self.grant(for: seconds, in: store) }

    static func grant(for seconds: TimeInterval, in store: SQLiteAuditStore) async throws {
        try await store.grantTicket(Ticket(person: "alice", target: "app", validFrom: Date().addingTimeInterval(-60),
                                           validUntil: Date().addingTimeInterval(seconds), reason: "CHG-1", grantedBy: "root"))
    }

    func ssh(_ login: String, as user: String, tty: Bool, command: [String] = []) throws -> InteractiveProcess {
        try InteractiveProcess("/usr/bin/ssh", SSHTestKeys.clientArguments(key: keys[user]!, port: server.port, login: login, tty: tty) + command)
    }

    func change(_ name: String, _ body: (inout Person) -> Void) async throws {
        var p = try #require(try await store.person(named: name))
        body(&p)
        try await store.updatePerson(p)
    }

    /// (code, fields) of every audit record so far.
    func events() async throws -> [(String, [String: JSONValue])] {
        _ = try await audit.checkpoint()
        return try await store.auditRecords(from: 1, limit: 100_000).map { r in
            let o = try JSONParser.parse(r.body).objectValue ?? [:]
            return (o["code"]?.stringValue ?? "", o["fields"]?.objectValue ?? [:])
        }
    }

    /// The session recordings' text, for failure messages.
    func recordings() -> String {
        let folder = dir.file("recordings")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }.joined(separator: "\n---\n")
    }

    func forwarded() async throws -> [String] {
        try await events().filter { $0.0 == AuditEventCode.commandForwarded.code }.compactMap { $0.1["command"]?.stringValue }
    }

    func close() async {
        await server.close()
        _ = try? await audit.close()
    }
}

/// The registry's targets with their local shells run without escort-agent.
struct AgentlessTargets: GatewayAuthority {
    let real: any GatewayAuthority

    init(_ real: any GatewayAuthority) { self.real = real }

    func agentless(_ t: GatewayTarget) -> GatewayTarget {
        guard t.connector is LocalShellConnector else { return t }
        var t = t
        t.connector = LocalShellConnector(directory: nil, agent: nil)
        return t
    }

    func standing(of session: LiveSession) async throws -> SessionStanding { try await real.standing(of: session) }
    func user(forKey key: String) async throws -> GatewayUser? { try await real.user(forKey: key) }
    func targets() async throws -> [GatewayTarget] { try await real.targets().map(agentless) }
    func target(named name: String) async throws -> GatewayTarget? { try await real.target(named: name).map(agentless) }
    func access(user: GatewayUser, target: GatewayTarget, source: String?) async throws -> AccessOutcome {
        try await real.access(user: user, target: target, source: source)
    }
    func ruling(for analysis: Analysis, mode: SessionMode, target: GatewayTarget) -> (CommandRuling, [String]) {
        real.ruling(for: analysis, mode: mode, target: target)
    }
    func mayEscort(user: GatewayUser, target: GatewayTarget) async throws -> Verdict { try await real.mayEscort(user: user, target: target) }
    func mayReview(user: GatewayUser, target: GatewayTarget) async throws -> Verdict { try await real.mayReview(user: user, target: target) }
    func allowsInteractive(program: String) -> Bool { real.allowsInteractive(program: program) }
    func requiresAgent(_ target: GatewayTarget) -> Bool { real.requiresAgent(target) }
}

/// A registry that can be made unreadable for the open-session check (the store is down).
final class FlakyRegistry: GatewayAuthority, @unchecked Sendable {
    let real: any GatewayAuthority
    let lock = NSLock()
    var _down = false
    var down: Bool {
        get { lock.withLock { _down } }
        set { lock.withLock { _down = newValue } }
    }

    init(_ real: any GatewayAuthority) { self.real = real }

    func standing(of session: LiveSession) async throws -> SessionStanding {
        if down { throw StoreError(.io, "the database is unreachable") }
        return try await real.standing(of: session)
    }
    func user(forKey key: String) async throws -> GatewayUser? { try await real.user(forKey: key) }
    func targets() async throws -> [GatewayTarget] { try await real.targets() }
    func target(named name: String) async throws -> GatewayTarget? { try await real.target(named: name) }
    func access(user: GatewayUser, target: GatewayTarget, source: String?) async throws -> AccessOutcome {
        try await real.access(user: user, target: target, source: source)
    }
    func ruling(for analysis: Analysis, mode: SessionMode, target: GatewayTarget) -> (CommandRuling, [String]) {
        real.ruling(for: analysis, mode: mode, target: target)
    }
    func mayEscort(user: GatewayUser, target: GatewayTarget) async throws -> Verdict { try await real.mayEscort(user: user, target: target) }
    func mayReview(user: GatewayUser, target: GatewayTarget) async throws -> Verdict { try await real.mayReview(user: user, target: target) }
    func allowsInteractive(program: String) -> Bool { real.allowsInteractive(program: program) }
    func requiresAgent(_ target: GatewayTarget) -> Bool { real.requiresAgent(target) }
}

@Suite("registry changes reach open sessions", .serialized)
struct RegistryRecheckTests {
    static let sshAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")

    @Test(.enabled(if: sshAvailable))
    func revokingAKeyEndsALiveSessionAndNothingTypedAfterRuns() async throws {
        // A long timer: the check before forwarding alone must stop the next command.
        let gw = try await RegistryGateway(recheckEvery: .seconds(600))
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+app", as: "alice", tty: true)
        #expect(await alice.waitFor("app:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        alice.send("echo before-$((40+2))\r")
        #expect(await alice.waitFor("before-42"))

        let key = try #require(gw.keyLines["alice"])
        try await gw.change("alice") { p in
            p.keys.removeAll { $0 == key }
            p.revokedKeys.append(RevokedKey(key: key, mark: RegistryMark(at: Date(), by: "root", reason: "laptop stolen")))
        }
        alice.send("echo after-$((40+2))\r")
        #expect(await alice.waitFor("this session ends: the key this session signed in with (\(key.fingerprint)) was revoked"), "\(alice.output)")
        #expect(alice.output.contains("laptop stolen"))
        #expect(await alice.waitForExit(timeout: 20) != nil)
        #expect(!alice.output.contains("after-42"))
        let events = try await gw.events()
        #expect(try await gw.forwarded() == ["echo before-$((40+2))"])
        let revoked = try #require(events.first { $0.0 == AuditEventCode.sessionRevoked.code })
        #expect(revoked.1["reason"]?.stringValue?.contains("was revoked") == true)
        let ended = try #require(events.last { $0.0 == AuditEventCode.sessionEnded.code })
        #expect(ended.1["reason"]?.stringValue?.hasPrefix("registry: the key this session signed in with") == true, "\(ended.1)")

        // The revoked key is turned away at the door too.
        let again = try gw.ssh("alice+app", as: "alice", tty: false, command: ["--", "id"])
        #expect(await again.waitForExit() == 255)
    }

    @Test(.enabled(if: sshAvailable))
    func aTicketExpiringMidSessionEndsItAtItsEnd() async throws {
        // The periodic check is far off: the session is checked again at the ticket's exact end.
        let gw = try await RegistryGateway(recheckEvery: .seconds(600), ticketFor: nil)
        defer { Task { await gw.close() } }
        try await gw.grant(for: 10)
        let alice = try gw.ssh("alice+app", as: "alice", tty: true)
        #expect(await alice.waitFor("app:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        alice.send("echo inside-$((1+1))\r")
        #expect(await alice.waitFor("inside-2"))
        let ticket = try #require(try await gw.store.tickets(person: "alice", target: "app").first)
        let endedInTime = await alice.waitFor("this session ends: ticket \(ticket.id) for app expired at \(RegistryDate.format(ticket.validUntil))", timeout: 30)
        #expect(endedInTime, "\(alice.output)\nrecording: \(gw.recordings())")
        #expect(await alice.waitForExit(timeout: 20) != nil)
        // When the gateway acted (its record's time), not when the client showed it: with the
        // periodic check ten minutes off, only the check at the ticket's end is this close.
        _ = try await gw.audit.checkpoint()
        let records = try await gw.store.auditRecords(from: 1, limit: 1000).compactMap { try JSONParser.parse($0.body).objectValue }
        let revoked = try #require(records.first { $0["code"]?.stringValue == AuditEventCode.sessionRevoked.code })
        let at = try #require(revoked["time"]?.stringValue.flatMap { try? RegistryDate.parse($0, field: "time") })
        let late = at.timeIntervalSince(ticket.validUntil)
        #expect(late >= 0 && late < 5, "the session ended \(late) s after the ticket's end")
    }

    @Test(.enabled(if: sshAvailable))
    func disablingAPersonEndsARunningCommandsSession() async throws {
        let gw = try await RegistryGateway(recheckEvery: .seconds(1))
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+app", as: "alice", tty: false, command: ["--", "echo started; sleep 30; echo late-output"])
        #expect(await alice.waitFor("started"), "\(alice.output) \(alice.errorOutput)")
        try await gw.change("alice") { $0.disabled = RegistryMark(at: Date(), by: "root", reason: "left the project") }
        let status = await alice.waitForExit(timeout: 15)
        #expect(status != nil && status != 0, "the session should end at once, not after the command")
        #expect(alice.errorOutput.contains("this session ends: alice is disabled in the registry"), "\(alice.errorOutput)")
        #expect(alice.errorOutput.contains("left the project"))
        #expect(!alice.output.contains("late-output"))
        // And she is told why at the door.
        let again = try gw.ssh("alice+app", as: "alice", tty: false, command: ["--", "echo never"])
        #expect(await again.waitForExit() == 1)
        #expect(again.errorOutput.contains("alice is disabled in the registry") && !again.output.contains("never"), "\(again.errorOutput)")
    }

    @Test(.enabled(if: sshAvailable))
    func disablingTheTargetEndsItsSessionsAndTakesItOffTheMenu() async throws {
        let gw = try await RegistryGateway(recheckEvery: .seconds(1))
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+app", as: "alice", tty: true)
        #expect(await alice.waitFor("app:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        var app = try #require(try await gw.store.target(named: "app"))
        app.disabled = RegistryMark(at: Date(), by: "root", reason: "emergency patching")
        try await gw.store.updateTarget(app)
        #expect(await alice.waitFor("this session ends: target app is disabled in the registry", timeout: 15), "\(alice.output)")
        #expect(await alice.waitForExit(timeout: 20) != nil)
        let menu = try gw.ssh("alice", as: "alice", tty: true)
        #expect(await menu.waitFor("Choose a target"), "\(menu.output)")
        #expect(menu.output.contains("web") && !menu.output.contains("app ("), "a disabled target is offered: \(menu.output)")
        menu.terminate()
        let named = try gw.ssh("alice+app", as: "alice", tty: false, command: ["--", "id"])
        #expect(await named.waitForExit() == 1)
        #expect(named.errorOutput.contains("emergency patching"), "\(named.errorOutput)")
    }

    @Test(.enabled(if: sshAvailable))
    func raisingTheTargetsImpactLevelEndsItsSessions() async throws {
        let gw = try await RegistryGateway(recheckEvery: .seconds(1))
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+app", as: "alice", tty: true)
        #expect(await alice.waitFor("app:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        var app = try #require(try await gw.store.target(named: "app"))
        app.impactLevel = .il5
        try await gw.store.updateTarget(app)
        #expect(await alice.waitFor("this session ends: target app is now IL5 (it was IL4 when this session began)", timeout: 15), "\(alice.output)")
        #expect(await alice.waitForExit(timeout: 20) != nil)
    }

    @Test(.enabled(if: sshAvailable))
    func aLapsedClearanceOrAMoveAbroadEndsTheSession() async throws {
        let gw = try await RegistryGateway(recheckEvery: .seconds(1))
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+app", as: "alice", tty: true)
        #expect(await alice.waitFor("app:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        try await gw.change("alice") { $0.location = CountryCode("CN") }
        #expect(await alice.waitFor("this session ends: the policy no longer allows alice on app (IL4)", timeout: 15), "\(alice.output)")
        #expect(await alice.waitFor("country of concern"), "the reasons are shown: \(alice.output)")
        #expect(await alice.waitForExit(timeout: 20) != nil)
    }

    @Test(.enabled(if: sshAvailable))
    func anUnreadableRegistryForwardsNothing() async throws {
        var flaky: FlakyRegistry?
        let gw = try await RegistryGateway(recheckEvery: .seconds(600)) { real in
            let f = FlakyRegistry(real)
            flaky = f
            return f
        }
        defer { Task { await gw.close() } }
        let alice = try gw.ssh("alice+app", as: "alice", tty: true)
        #expect(await alice.waitFor("app:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        flaky?.down = true
        alice.send("echo while-$((2+3))-down\r")
        #expect(await alice.waitFor("not sent: the gateway cannot reach its store"), "\(alice.output)")
        #expect(!alice.output.contains("while-5-down"))
        flaky?.down = false
        let mark = alice.output.count
        alice.send("echo back-$((2+3))\r")
        #expect(await alice.waitFor("back-5", after: mark), "\(alice.output)")
        #expect(try await gw.forwarded() == ["echo back-$((2+3))"])
        alice.send("\u{04}")
        _ = await alice.waitForExit(timeout: 10)
    }

    @Test(.enabled(if: sshAvailable))
    func anEscortWhoIsNoLongerEligibleIsTakenOffTheSession() async throws {
        let gw = try await RegistryGateway(recheckEvery: .seconds(1))
        defer { Task { await gw.close() } }
        // carol is a CN national: on IL2 she works only escorted.
        let path = gw.dir.file("carol_key")
        try await gw.store.addPerson(Person(
            name: "carol", displayName: "Carol", employer: "Acme", contractor: "Prime", citizenships: [CountryCode("CN")],
            residence: CountryCode("US"), location: CountryCode("US"), clearance: .none, roles: [.engineer],
            keys: [try SSHPublicKey.parse(authorizedKeysLine: try SSHTestKeys.make(path))]))
        gw.keys["carol"] = path
        let carol = try gw.ssh("carol+web", as: "carol", tty: true)
        #expect(await carol.waitFor("escorted session"), "\(carol.output) \(carol.errorOutput)")
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("carol on web"), "\(bob.output)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"), "\(bob.output)")
        #expect(await carol.waitFor("joined"))
        try await gw.change("bob") { $0.location = CountryCode("RU") }
        #expect(await bob.waitFor("may no longer escort this session", timeout: 15), "\(bob.output)")
        #expect(await carol.waitFor("paused until an escort joins", timeout: 10), "\(carol.output)")
        let detached = try await gw.events().filter { $0.0 == AuditEventCode.escortDetached.code && $0.1["by"]?.stringValue == "registry" }
        #expect(detached.count == 1)
        bob.terminate()
        carol.terminate()
    }

    @Test(.enabled(if: sshAvailable))
    func aCommandApprovedByAnEscortNoLongerEligibleIsNotSent() async throws {
        // The timer is far off: the check before forwarding must catch the approval.
        let gw = try await RegistryGateway(recheckEvery: .seconds(600))
        defer { Task { await gw.close() } }
        let path = gw.dir.file("carol_key")
        try await gw.store.addPerson(Person(
            name: "carol", displayName: "Carol", employer: "Acme", contractor: "Prime", citizenships: [CountryCode("CN")],
            residence: CountryCode("US"), location: CountryCode("US"), clearance: .none, roles: [.engineer],
            keys: [try SSHPublicKey.parse(authorizedKeysLine: try SSHTestKeys.make(path))]))
        gw.keys["carol"] = path
        let carol = try gw.ssh("carol+web", as: "carol", tty: true)
        #expect(await carol.waitFor("escorted session"), "\(carol.output) \(carol.errorOutput)")
        let bob = try gw.ssh("bob", as: "bob", tty: true)
        #expect(await bob.waitFor("carol on web"), "\(bob.output)")
        bob.send("watch 1\r")
        #expect(await bob.waitFor("Attached"), "\(bob.output)")
        #expect(await carol.waitFor("joined"))
        carol.send("cat /etc/shadow\r")
        #expect(await bob.waitFor("HELD #"), "\(bob.output)")
        try await gw.change("bob") { $0.location = CountryCode("RU") }
        #expect(await bob.approveHeld())
        #expect(await carol.waitFor("not sent: it was approved by bob, who may no longer escort this session", timeout: 15), "\(carol.output)")
        #expect(!carol.output.contains("root:"), "the shadow file was shown")
        #expect(try await gw.forwarded().isEmpty)
        bob.terminate()
        carol.terminate()
    }

    @Test(.enabled(if: sshAvailable))
    func theTargetsWorkloadReachesTheAnalyser() async throws {
        // The gateway hands the registry's description of the target to the analyser: seen
        // here through the target the session was given (the analyser's use is its own).
        let gw = try await RegistryGateway()
        defer { Task { await gw.close() } }
        let engine = PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: try IPCountryTable.bundledTest())
        let authority = RegistryAuthority(store: gw.store, engine: engine)
        let app = try #require(try await authority.target(named: "app"))
        #expect(app.context == TargetContext(services: ["app"], appDirectories: ["/opt/app"]))
        #expect(try await authority.target(named: "web")?.context == TargetContext.none)
    }
}
