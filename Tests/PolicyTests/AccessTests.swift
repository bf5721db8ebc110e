import EscortCore
import Foundation
import Policy
import Testing

/// The default policy's access rules, one row per rule or case.
@Suite("Access decisions under the default policy")
struct AccessTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var person: Person
        var level: ImpactLevel
        var address: String? = nil
        var ticket: Bool = true
        var tickets: [Ticket]? = nil
        var mode: AccessMode
        /// Every one of these must appear in some reason.
        var says: [String] = []
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "cleared US engineer in US: direct on IL5", person: F.person("alice"), level: .il5, mode: .direct,
             says: ["under rule \"il5-direct\"", "alice is a citizen of US", "holds ticket"]),
        Case(label: "IL6 direct", person: F.person("alice"), level: .il6, mode: .direct, says: ["il6-direct"]),
        Case(label: "allied foreign national: escorted on IL5", person: F.person("hans", [CountryCode("DE")], residence: CountryCode("DE"), location: CountryCode("DE"), clearance: .none),
             level: .il5, mode: .escorted, says: ["rule \"il5-direct\" (direct) does not apply", "hans is not a citizen of US", "only with an eligible escort"]),
        Case(label: "foreign national refused on IL6 (no escorted rule)", person: F.person("hans", [CountryCode("DE")], location: CountryCode("DE")),
             level: .il6, mode: .refused, says: ["refused by default"]),
        Case(label: "never by citizenship", person: F.person("li", [CountryCode("CN")], residence: CountryCode("GB"), location: CountryCode("GB")),
             level: .il5, mode: .refused,
             says: ["li is a citizen of CN, a country of concern: refused for IL5 (no involvement of countries of concern in DoD systems)"]),
        Case(label: "never by dual citizenship", person: F.person("dana", [CountryCode("US"), CountryCode("RU")]),
             level: .il4, mode: .refused, says: ["dana is a citizen of RU, a country of concern: refused for IL4"]),
        Case(label: "never by declared location", person: F.person("bob", location: CountryCode("IR")),
             level: .il5, mode: .refused, says: ["bob is located in IR, a country of concern: refused for IL5"]),
        Case(label: "never by residence", person: F.person("carol", residence: CountryCode("KP")),
             level: .il6, mode: .refused, says: ["carol resides in KP, a country of concern: refused for IL6"]),
        Case(label: "never by source-address country", person: F.person("alice"), level: .il5, address: "203.0.113.9",
             mode: .refused, says: ["alice connects from an address in CN, a country of concern: refused for IL5"]),
        Case(label: "location mismatch refused on IL4+", person: F.person("alice"), level: .il4, address: "198.51.100.7",
             mode: .refused, says: ["alice connects from an address in GB but declared location US: refused for IL4 (location mismatch"]),
        Case(label: "location mismatch below IL4 uses the address's country", person: F.person("alice"), level: .il2, address: "198.51.100.7",
             ticket: false, mode: .direct, says: ["GB is used for the IL2 rules", "il2-direct"]),
        Case(label: "matching source address", person: F.person("alice"), level: .il5, address: "192.0.2.10", mode: .direct,
             says: ["is in US by the IP-to-country table, matching alice's declared location"]),
        Case(label: "IPv6 source address of concern", person: F.person("alice"), level: .il5, address: "2001:db8:2::5",
             mode: .refused, says: ["connects from an address in CN"]),
        Case(label: "loopback uses the declared location", person: F.person("alice"), level: .il5, address: "127.0.0.1", mode: .direct,
             says: ["127.0.0.1 is a loopback address", "declared location (US) is used"]),
        Case(label: "private address uses the declared location", person: F.person("alice"), level: .il5, address: "10.1.2.3", mode: .direct,
             says: ["10.1.2.3 is a private address"]),
        Case(label: "unknown address uses the declared location", person: F.person("alice"), level: .il5, address: "8.8.8.8", mode: .direct,
             says: ["not in the IP-to-country table"]),
        Case(label: "clearance too low: escorted instead of direct", person: F.person("erin", clearance: .publicTrust), level: .il5,
             mode: .escorted, says: ["erin's clearance public-trust is below secret"]),
        Case(label: "ticket required: none held", person: F.person("alice"), level: .il5, ticket: false, mode: .refused,
             says: ["alice holds no ticket for db", "refused by default"]),
        Case(label: "ticket expired", person: F.person("alice"), level: .il5, tickets: [F.ticket("alice", "db", from: -3 * F.hour, until: -F.hour)],
             mode: .refused, says: ["expired at"]),
        Case(label: "ticket revoked", person: F.person("alice"), level: .il5, tickets: [F.ticket("alice", "db", revoked: -60)],
             mode: .refused, says: ["was revoked at"]),
        Case(label: "ticket for another target does not count", person: F.person("alice"), level: .il5, tickets: [F.ticket("alice", "other")],
             mode: .refused, says: ["holds no ticket for db"]),
        Case(label: "ticket not yet valid", person: F.person("alice"), level: .il5, tickets: [F.ticket("alice", "db", from: F.hour, until: 2 * F.hour)],
             mode: .refused, says: ["starts only at"]),
        Case(label: "IL2: concern citizen escorted, not refused", person: F.person("li", [CountryCode("CN")], location: CountryCode("GB")),
             level: .il2, ticket: false, mode: .escorted, says: ["il2-escorted"]),
        Case(label: "not an engineer: refused", person: F.person("ed", roles: [.escort]), level: .il2, ticket: false, mode: .refused,
             says: ["ed does not have the engineer role"]),
    ]

    @Test(arguments: cases)
    func decides(_ c: Case) {
        let target = F.target("db", c.level)
        let tickets = c.tickets ?? (c.ticket ? [F.ticket(c.person.name, "db")] : [])
        let d = F.defaultEngine.access(AccessRequest(person: c.person, target: target, sourceAddress: c.address, tickets: tickets, now: F.now))
        #expect(d.mode == c.mode, "\(d.reasons.joined(separator: "\n"))")
        for phrase in c.says {
            #expect(d.reasons.contains { $0.contains(phrase) }, "no reason says \"\(phrase)\":\n\(d.reasons.joined(separator: "\n"))")
        }
    }

    @Test func sourceCountryAndEffectiveLocationAreReported() {
        let d = F.defaultEngine.access(AccessRequest(
            person: F.person("alice"), target: F.target("web", .il2), sourceAddress: "198.51.100.200", tickets: [], now: F.now))
        #expect(d.sourceCountry == CountryCode("DE"))
        #expect(d.effectiveLocation == CountryCode("DE"))
        let local = F.defaultEngine.access(AccessRequest(
            person: F.person("alice"), target: F.target("web", .il2), sourceAddress: "::1", tickets: [], now: F.now))
        #expect(local.sourceCountry == nil)
        #expect(local.effectiveLocation == CountryCode("US"))
    }

    @Test func defaultDenyForALevelWithoutRules() throws {
        let doc = try PolicyDocument.parse(toml: """
            countries_of_concern = []
            [[access]]
            name = "il2-all"
            levels = ["IL2"]
            mode = "direct"
            roles_any_of = ["engineer"]
            [commands.direct]
            [commands.escorted]
            """)
        let engine = PolicyEngine(document: doc, ipTable: .empty)
        let d = engine.access(AccessRequest(person: F.person("alice"), target: F.target("db", .il5), sourceAddress: nil, tickets: [], now: F.now))
        #expect(d.mode == .refused)
        #expect(d.reasons.contains { $0.contains("no access rule for IL5 targets") })
        let ok = engine.access(AccessRequest(person: F.person("alice"), target: F.target("web", .il2), sourceAddress: nil, tickets: [], now: F.now))
        #expect(ok.mode == .direct)
        #expect(ok.rule == "il2-all")
    }

    @Test func neverBeatsDirect() throws {
        let doc = try PolicyDocument.parse(toml: """
            countries_of_concern = ["CN"]
            [[access]]
            name = "all-direct"
            levels = ["IL5"]
            mode = "direct"
            [[access]]
            name = "no-residents-of-gb"
            levels = ["IL5"]
            mode = "never"
            residence_in = ["GB"]
            [commands.direct]
            [commands.escorted]
            """)
        let engine = PolicyEngine(document: doc, ipTable: .empty)
        let d = engine.access(AccessRequest(person: F.person("al", residence: CountryCode("GB")), target: F.target("db", .il5), sourceAddress: nil, tickets: [], now: F.now))
        #expect(d.mode == .refused)
        #expect(d.rule == "no-residents-of-gb")
        #expect(d.reasons.contains { $0.contains("al resides in GB: refused for IL5 (rule \"no-residents-of-gb\")") })
    }
}
