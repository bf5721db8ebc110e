import ArgumentParser
import Console
import EscortCore
import Foundation
import Logging
import Operations
import Policy
import Store
import StoreSQLite

/// `escort demo`: the whole gateway on one machine: an embedded store seeded with people and
/// targets of every impact level (local shells), and the exact `ssh` lines to try.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway with seeded people and local targets, and print the ssh lines to try.")

    @Option(name: .long, help: "Folder for the demo's store, keys, recordings and target homes.")
    var directory: String = "escort-demo"

    @Option(name: .long, help: "Port to listen on (0: any free port).")
    var port: Int = 2222

    @Option(name: .long, help: "Port for the web console on 127.0.0.1 (0: any free port; -1: none).")
    var webPort: Int = 8080

    @Flag(name: .long, help: "Seed the store and keys, print the ssh lines, and exit without serving.")
    var seedOnly = false

    struct Seed {
        var name: String, display: String, employer: String, contractor: String
        var citizenships: [CountryCode], residence: CountryCode, location: CountryCode
        var clearance: Clearance, roles: Set<Role>, training: Bool, note: String
    }

    static let people: [Seed] = [
        Seed(name: "alice", display: "Alice Moreno", employer: "CloudCo", contractor: "CloudCo", citizenships: [CountryCode("US")], residence: CountryCode("US"), location: CountryCode("US"),
             clearance: .secret, roles: [.engineer], training: false, note: "US engineer, cleared: direct access"),
        Seed(name: "priya", display: "Priya Nair", employer: "Globex Support", contractor: "CloudCo", citizenships: [CountryCode("IN")], residence: CountryCode("IN"), location: CountryCode("IN"),
             clearance: .none, roles: [.engineer], training: false, note: "foreign engineer abroad: escorted only"),
        Seed(name: "wei", display: "Wei Zhang", employer: "Offshore Partners", contractor: "CloudCo", citizenships: [CountryCode("CN")], residence: CountryCode("CN"), location: CountryCode("CN"),
             clearance: .none, roles: [.engineer], training: false, note: "located in a country of concern: refused on DoD systems"),
        Seed(name: "bob", display: "Bob Carter", employer: "CloudCo", contractor: "CloudCo", citizenships: [CountryCode("US")], residence: CountryCode("US"), location: CountryCode("US"),
             clearance: .secret, roles: [.escort], training: true, note: "escort"),
        Seed(name: "rita", display: "Rita Okafor", employer: "CloudCo", contractor: "CloudCo", citizenships: [CountryCode("US")], residence: CountryCode("US"), location: CountryCode("US"),
             clearance: .topSecret, roles: [.reviewer], training: true, note: "technical reviewer"),
        Seed(name: "ada", display: "Ada Brooks", employer: "CloudCo", contractor: "CloudCo", citizenships: [CountryCode("US")], residence: CountryCode("US"), location: CountryCode("US"),
             clearance: .topSecret, roles: [.admin], training: false, note: "security officer (admin): web console only"),
    ]

    /// Web-console passwords for the demo's escort, reviewer and admin (printed with the instructions).
    static func demoPassword(_ name: String) -> String { "\(name)-escort-demo" }
    static let consoleUsers = ["bob", "rita", "ada"]

    static let targets: [(String, ImpactLevel)] = [("web-il2", .il2), ("app-il4", .il4), ("db-il5", .il5), ("vault-il6", .il6)]

    func run() async throws {
        let dir = URL(fileURLWithPath: directory).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
        let storePath = dir + "/escort.sqlite"
        let store = try SQLiteStore(path: storePath, create: true)
        // First-time setup: the gateway's signing key (made only while the log is empty).
        _ = try await SigningKeyOpening.key(path: dir + "/gateway.key", explicit: true, store: store, firstTimeSetup: true)
        let now = Date()
        for seed in Self.people where try await store.person(named: seed.name) == nil {
            let keyPath = "\(dir)/keys/\(seed.name)"
            if !FileManager.default.fileExists(atPath: keyPath) {
                try Self.keygen(keyPath, comment: "\(seed.name)@escort-demo")
            }
            let line = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8)
            let key = try SSHPublicKey.parse(authorizedKeysLine: line.trimmingCharacters(in: .whitespacesAndNewlines))
            try await store.addPerson(Person(
                name: seed.name, displayName: seed.display, employer: seed.employer, contractor: seed.contractor,
                citizenships: seed.citizenships, residence: seed.residence, location: seed.location, clearance: seed.clearance,
                roles: seed.roles, escortTrainingExpires: seed.training ? now.addingTimeInterval(365 * 86400) : nil, keys: [key]))
        }
        for name in Self.consoleUsers where try await store.credential(for: name) == nil {
            try await store.setCredential(ConsoleCredential(person: name, passwordHash: try PasswordHasher.hash(Self.demoPassword(name)), totpSecret: nil, updated: now))
        }
        for (name, level) in Self.targets where try await store.target(named: name) == nil {
            try await store.addTarget(Target(name: name, impactLevel: level, owner: "demo", connection: .localShell))
        }
        // Just-in-time grants: the foreign engineer's escorted work and the IL6 change need tickets.
        let grants = [("priya", "app-il4"), ("priya", "db-il5"), ("wei", "db-il5"), ("alice", "app-il4"), ("alice", "db-il5"), ("alice", "vault-il6")]
        for (person, target) in grants where try await store.activeTickets(person: person, target: target, at: now).isEmpty {
            try await store.grantTicket(Ticket(person: person, target: target, validFrom: now.addingTimeInterval(-60),
                                               validUntil: now.addingTimeInterval(30 * 86400), reason: "demo support ticket", grantedBy: "demo"))
        }
        let engine = PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: try IPCountryTable.bundledTest())
        let runner = GatewayRunner(
            store: .sqlite(path: storePath), signingKeyPath: dir + "/gateway.key", hostKeyPath: dir + "/host.key",
            recordings: dir + "/recordings", localHome: dir + "/targets", engine: engine,
            policySource: "bundled default policy", host: "127.0.0.1", port: port,
            web: webPort < 0 ? nil : ("127.0.0.1", webPort, nil))
        if seedOnly {
            print(Self.instructions(dir: dir, port: port))
            return
        }
        // The demo's terminal is for people: only warnings and errors are logged (logfmt, stderr).
        LoggingSystem.bootstrap { StructuredLogHandler(label: $0, format: .logfmt, level: .warning) }
        try await runner.run { Self.instructions(dir: dir, port: $0) }
    }

    static func keygen(_ path: String, comment: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        p.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("ssh-keygen failed for \(path) (is openssh-client installed?)") }
    }

    static func instructions(dir: String, port: Int) -> String {
        let ssh = "ssh -i \(dir)/keys/NAME -p \(port) -o UserKnownHostsFile=\(dir)/known_hosts -o StrictHostKeyChecking=accept-new"
        var text = "Escort demo — store \(dir)/escort.sqlite, recordings \(dir)/recordings\n\nPeople:\n"
        for p in people { text += "  \(p.name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(p.note)\n" }
        text += "Targets (local shells): " + targets.map { "\($0.0) (\($0.1.rawValue))" }.joined(separator: ", ") + "\n\nTry, each in its own terminal:\n"
        func line(_ name: String, _ login: String, _ why: String) -> String {
            "  # \(why)\n  \(ssh.replacingOccurrences(of: "NAME", with: name)) \(login)@127.0.0.1\n"
        }
        text += line("bob", "bob", "the escort's console: list, watch 1, approve, refuse REASON")
        text += line("priya", "priya+db-il5", "escorted: df -h runs, cat /etc/shadow waits for bob, curl …|bash is refused")
        text += line("alice", "alice+app-il4", "direct: commands run at once, risky ones still wait")
        text += line("wei", "wei+db-il5", "refused at connect, with the reasons")
        text += "\nWeb console (escorts, reviewers, admins): sign in as " + consoleUsers.map { "\($0) / \(demoPassword($0))" }.joined(separator: ", ") + "\n"
        text += "\nAfterwards: swift run escort audit verify --db \(dir)/escort.sqlite --key \(dir)/gateway.key.pub\n"
        return text
    }
}
