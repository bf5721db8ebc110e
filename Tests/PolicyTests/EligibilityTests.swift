import EscortCore
import Foundation
import Policy
import Testing

@Suite("Escort and reviewer eligibility")
struct EligibilityTests {
    static let valid = F.now + 30 * 86_400
    static let expired = F.now - 86_400

    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var person: Person
        var level: ImpactLevel
        var eligible: Bool
        var says: String
        var testDescription: String { label }
    }

    static let escortCases: [Case] = [
        Case(label: "trained cleared US escort", person: F.person("bob", roles: [.escort], training: valid), level: .il5, eligible: true,
             says: "under rule \"dod-escort\""),
        Case(label: "training expired", person: F.person("bob", roles: [.escort], training: expired), level: .il5, eligible: false,
             says: "bob's escort training expired at"),
        Case(label: "never trained", person: F.person("bob", roles: [.escort]), level: .il5, eligible: false,
             says: "no escort training on record"),
        Case(label: "no escort role", person: F.person("bob", training: valid), level: .il5, eligible: false,
             says: "does not have the escort role"),
        Case(label: "clearance too low", person: F.person("bob", clearance: .confidential, roles: [.escort], training: valid), level: .il5,
             eligible: false, says: "below secret"),
        Case(label: "not a US citizen", person: F.person("hans", [CountryCode("DE")], roles: [.escort], training: valid), level: .il5,
             eligible: false, says: "hans is not a citizen of US"),
        Case(label: "dual citizen of concern", person: F.person("dana", [CountryCode("US"), CountryCode("CN")], roles: [.escort], training: valid),
             level: .il5, eligible: false, says: "dana is a citizen of CN, a country of concern"),
        Case(label: "abroad", person: F.person("bob", location: CountryCode("GB"), roles: [.escort], training: valid), level: .il5,
             eligible: false, says: "located in GB"),
        Case(label: "IL2 escort abroad, uncleared", person: F.person("hans", [CountryCode("DE")], location: CountryCode("DE"), clearance: .none, roles: [.escort], training: valid),
             level: .il2, eligible: true, says: "il2-escort"),
    ]

    @Test(arguments: escortCases)
    func escort(_ c: Case) {
        let e = F.defaultEngine.escortEligibility(person: c.person, target: F.target("db", c.level), now: F.now)
        #expect(e.eligible == c.eligible, "\(e.reasons)")
        #expect(e.reasons.contains { $0.contains(c.says) }, "\(e.reasons)")
    }

    static let reviewerCases: [Case] = [
        Case(label: "cleared US reviewer, no training needed", person: F.person("rita", roles: [.reviewer]), level: .il6, eligible: true,
             says: "dod-reviewer"),
        Case(label: "escort is not a reviewer", person: F.person("bob", roles: [.escort], training: valid), level: .il6, eligible: false,
             says: "does not have the reviewer role"),
        Case(label: "reviewer clearance too low", person: F.person("rita", clearance: .publicTrust, roles: [.reviewer]), level: .il5,
             eligible: false, says: "below secret"),
    ]

    @Test(arguments: reviewerCases)
    func reviewer(_ c: Case) {
        let e = F.defaultEngine.reviewerEligibility(person: c.person, target: F.target("db", c.level), now: F.now)
        #expect(e.eligible == c.eligible, "\(e.reasons)")
        #expect(e.reasons.contains { $0.contains(c.says) }, "\(e.reasons)")
    }

    @Test func anEscortConnectingFromAbroadIsNotEligibleOnIL4Up() {
        let bob = F.person("bob", roles: [.escort], training: Self.valid)
        let e = F.defaultEngine
        #expect(e.escortEligibility(person: bob, target: F.target("db", .il5), now: F.now, sourceAddress: "192.0.2.1").eligible)
        #expect(e.escortEligibility(person: bob, target: F.target("db", .il5), now: F.now, sourceAddress: "10.0.0.1").eligible)
        let fromCN = e.escortEligibility(person: bob, target: F.target("db", .il5), now: F.now, sourceAddress: "203.0.113.1")
        #expect(!fromCN.eligible)
        #expect(fromCN.reasons.contains { $0.contains("CN, a country of concern: may not be escort") })
        let fromGB = e.escortEligibility(person: bob, target: F.target("db", .il5), now: F.now, sourceAddress: "198.51.100.1")
        #expect(!fromGB.eligible)
        #expect(fromGB.reasons.contains { $0.contains("not the declared location US") })
    }

    @Test func noRuleForTheLevelMeansNobody() throws {
        let doc = try PolicyDocument.parse(toml: """
            countries_of_concern = []
            [[escort]]
            levels = ["IL2"]
            [commands.direct]
            [commands.escorted]
            """)
        let engine = PolicyEngine(document: doc, ipTable: .empty)
        let p = F.person("bob", roles: [.escort], training: Self.valid)
        #expect(engine.escortEligibility(person: p, target: F.target("web", .il2), now: F.now).eligible)
        let e = engine.escortEligibility(person: p, target: F.target("db", .il6), now: F.now)
        #expect(!e.eligible)
        #expect(e.reasons.contains { $0.contains("no escort rule for IL6") })
    }
}
