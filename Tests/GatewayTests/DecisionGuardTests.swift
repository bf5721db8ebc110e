import EscortCore
import Foundation
import Gateway
import ShellAnalysis
import Testing

/// The decision guard's rules with plain values: which decisions a console passes to the hub.
@Suite struct DecisionGuardTests {
    struct NoControl: SessionControl {
        func terminate(by: String, reason: String) async {}
        func notify(_ message: String) async {}
    }

    /// A held command as the hub makes it, at `risk`.
    static func held(_ risk: RiskLevel) async -> HeldCommand {
        let hub = ModerationHub()
        let alice = GatewayUser(name: "alice", displayName: "Alice", roles: [.engineer], profile: "")
        await hub.register(SessionSummary(id: "s1", engineer: alice, target: "db", impactLevel: "IL5", mode: .escorted,
                                          started: Date(), escorts: [], paused: false, held: nil), control: NoControl())
        let analysis = Analysis(status: .complete, risk: risk, techniques: [], tactics: [], summary: "x", findings: [], explanation: [])
        let task = Task { await hub.hold(session: "s1", command: "cat /etc/shadow", analysis: analysis, ruling: .hold, reasons: []) }
        var h: HeldCommand?
        for _ in 0..<400 where h == nil {
            h = await hub.summary("s1")?.held
            if h == nil { try? await Task.sleep(for: .milliseconds(5)) }
        }
        await hub.unregister("s1", reason: "test over")
        _ = await task.value
        return h!
    }

    @Test func aDecisionMustNameTheCardWaitingNow() async throws {
        let medium = await Self.held(.medium)
        var other = medium
        other.command = "cat /etc/gshadow"
        let now = Date()
        let g = DecisionGuard()
        // (held, hold named, digest named, approve, confirmation, accepted?)
        let cases: [(HeldCommand?, Int?, String?, Bool, String?, Bool)] = [
            (medium, medium.id, medium.cardDigest, true, nil, true),
            (medium, medium.id, medium.cardDigest, false, nil, true),
            (nil, medium.id, medium.cardDigest, true, nil, false),
            (medium, nil, medium.cardDigest, true, nil, false),
            (medium, medium.id + 1, medium.cardDigest, true, nil, false),
            (medium, medium.id, nil, true, nil, false),
            (other, medium.id, medium.cardDigest, true, nil, false),  // same number, other content
        ]
        for (i, c) in cases.enumerated() {
            let accepted = (try? g.check(held: c.0, holdID: c.1, digest: c.2, approve: c.3, confirmation: c.4, now: now)) != nil
            #expect(accepted == c.5, "case \(i)")
        }
        #expect(other.cardDigest != medium.cardDigest)
    }

    @Test func highAndCriticalNeedTheirNumberTyped() async throws {
        for risk in [RiskLevel.high, .critical] {
            let h = await Self.held(risk)
            let g = DecisionGuard()
            #expect(throws: ModerationError.self) { try g.check(held: h, holdID: h.id, digest: h.cardDigest, approve: true, confirmation: nil, now: Date()) }
            #expect(throws: ModerationError.self) { try g.check(held: h, holdID: h.id, digest: h.cardDigest, approve: true, confirmation: "\(h.id + 1)", now: Date()) }
            try g.check(held: h, holdID: h.id, digest: h.cardDigest, approve: true, confirmation: "\(h.id)", now: Date())
            // Refusing runs nothing: no confirmation needed.
            try g.check(held: h, holdID: h.id, digest: h.cardDigest, approve: false, confirmation: nil, now: Date())
        }
    }

    @Test func anotherCardIsRefusedForTheSettleTimeAfterADecision() async throws {
        var h = await Self.held(.low)
        let t0 = Date()
        h.heldAt = t0
        var g = DecisionGuard()
        g.decided(h.id - 1, at: t0)
        #expect(throws: ModerationError.self) { try g.check(held: h, holdID: h.id, digest: h.cardDigest, approve: true, confirmation: nil, now: t0.addingTimeInterval(0.25)) }
        try g.check(held: h, holdID: h.id, digest: h.cardDigest, approve: true, confirmation: nil, now: t0.addingTimeInterval(DecisionGuard.settle + 0.01))
        // A card that arrives late after the decision still gets its settle time.
        h.heldAt = t0.addingTimeInterval(10)
        #expect(throws: ModerationError.self) { try g.check(held: h, holdID: h.id, digest: h.cardDigest, approve: true, confirmation: nil, now: t0.addingTimeInterval(10.5)) }
        // A second approver of the same hold is not held back.
        g.decided(h.id, at: t0.addingTimeInterval(11))
        try g.check(held: h, holdID: h.id, digest: h.cardDigest, approve: true, confirmation: nil, now: t0.addingTimeInterval(11.1))
    }
}

/// Moderation errors carry stable codes, shown with the message, and keep them across nodes.
struct ModerationErrorCodeTests {
    @Test func codesAreUniqueShownAndSurviveTheClusterRelay() throws {
        let codes = ModerationError.Code.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.hasPrefix("MOD-") })
        let e = ModerationError(.cardChanged, "The command changed: read it again (#3 is waiting).")
        #expect(e.description == "MOD-005: The command changed: read it again (#3 is waiting).")
        #expect(ModerationError(relayed: e.description) == e)
        #expect(ModerationError(relayed: "node B did not answer").code == .otherNode)
        // The guard's refusals are coded.
        var g = DecisionGuard()
        #expect(throws: ModerationError(.nothingHeld, "No command is waiting for a decision.")) {
            try g.check(held: nil, holdID: 1, digest: "x", approve: true, confirmation: nil, now: Date())
        }
        g.decided(1, at: Date())
    }
}
