import EscortCore
import Foundation
import Policy
import Testing

/// The engine and the registry's marks: a disabled or removed person or target is refused
/// everything, with who and why; a ticket is refused at grant where the policy would refuse it.
@Suite("Policy: registry state and ticket grants")
struct RegistryStateTests {
    let engine = F.defaultEngine
    let mark = RegistryMark(at: F.now - 60, by: "root", reason: "left the project")

    @Test func aDisabledOrRemovedPersonOrTargetIsRefusedWithTheMark() {
        var alice = F.person("alice", roles: [.engineer, .escort], training: F.now + F.hour)
        let web = F.target("web", .il2)
        #expect(engine.access(AccessRequest(person: alice, target: web, sourceAddress: nil, tickets: [], now: F.now)).mode == .direct)
        alice.disabled = mark
        let refused = engine.access(AccessRequest(person: alice, target: web, sourceAddress: nil, tickets: [], now: F.now))
        #expect(refused.mode == .refused)
        #expect(refused.reasons.last == "alice is disabled in the registry at \(RegistryDate.format(mark.at)) by root: left the project: refused")
        #expect(!engine.escortEligibility(person: alice, target: web, now: F.now).eligible)
        alice.disabled = nil
        var gone = web
        gone.removed = mark
        #expect(engine.access(AccessRequest(person: alice, target: gone, sourceAddress: nil, tickets: [], now: F.now)).reasons.last?.contains("target web was removed") == true)
        #expect(!engine.reviewerEligibility(person: alice, target: gone, now: F.now).eligible)
    }

    @Test(arguments: [
        (F.person("li", [CountryCode("CN")]), "li is a citizen of CN, a country of concern: refused for IL5"),
        (F.person("wei", location: CountryCode("CN")), "wei is located in CN, a country of concern"),
        (F.person("ru", residence: CountryCode("RU")), "ru resides in RU, a country of concern"),
    ])
    func aTicketOnATargetThePolicyClosesToThePersonIsRefused(_ person: Person, _ reason: String) {
        let t = F.ticket(person.name, "db5", from: 0, until: 8 * F.hour)
        let d = engine.ticketGrant(t, person: person, target: F.target("db5", .il5), now: F.now)
        #expect(d.mode == .refused)
        #expect(d.reasons.contains { $0.contains(reason) }, "\(d.reasons)")
    }

    /// Who the person is (a national of a country of concern, a disabled account) can never be
    /// granted; where they are now (located or resident in one) can, ahead of a move.
    @Test func aRefusalOnWhoThePersonIsIsToldFromOneOnWhereTheyAre() {
        let ticket = { (name: String) in F.ticket(name, "db5", from: 0, until: 8 * F.hour) }
        let db5 = F.target("db5", .il5)
        let national = F.person("li", [CountryCode("CN")])
        #expect(!engine.ticketRefusalRestsOnWhereabouts(ticket("li"), person: national, target: db5, now: F.now))
        let nationalAbroad = F.person("lu", [CountryCode("CN")], residence: CountryCode("US"), location: CountryCode("CN"))
        #expect(!engine.ticketRefusalRestsOnWhereabouts(ticket("lu"), person: nationalAbroad, target: db5, now: F.now))
        let located = F.person("wei", location: CountryCode("CN"))
        #expect(engine.ticketRefusalRestsOnWhereabouts(ticket("wei"), person: located, target: db5, now: F.now))
        let resident = F.person("ru", residence: CountryCode("RU"))
        #expect(engine.ticketRefusalRestsOnWhereabouts(ticket("ru"), person: resident, target: db5, now: F.now))
        var disabled = F.person("ada")
        disabled.disabled = RegistryMark(at: F.now, by: "root", reason: "left")
        #expect(!engine.ticketRefusalRestsOnWhereabouts(ticket("ada"), person: disabled, target: db5, now: F.now))
        let allowed = F.person("alice")
        #expect(!engine.ticketRefusalRestsOnWhereabouts(ticket("alice"), person: allowed, target: db5, now: F.now))
    }

    @Test func aTicketIsJudgedAtItsStartWithTheTicketActive() {
        let alice = F.person("alice")
        let future = F.ticket("alice", "db5", from: 24 * F.hour, until: 30 * F.hour)
        #expect(engine.ticketGrant(future, person: alice, target: F.target("db5", .il5), now: F.now).mode == .direct)
        let escortedOnly = F.person("priya", [CountryCode("IN")], residence: CountryCode("IN"), location: CountryCode("IN"))
        let d = engine.ticketGrant(F.ticket("priya", "db5", from: 24 * F.hour, until: 30 * F.hour), person: escortedOnly, target: F.target("db5", .il5), now: F.now)
        #expect(d.mode == .escorted, "\(d.reasons)")
    }
}
