import EscortCore
import Foundation
import Gateway
import ShellAnalysis
import Testing

/// The moderation rules, on the hub alone: who may decide what.
@Suite struct ModerationHubTests {
    actor Control: SessionControl {
        var notes: [String] = []
        var ended: String?
        func terminate(by: String, reason: String) async { ended = "\(by): \(reason)" }
        func notify(_ message: String) async { notes.append(message) }
    }

    static let alice = GatewayUser(name: "alice", displayName: "Alice", roles: [.engineer, .escort], profile: "")
    static let bob = GatewayUser(name: "bob", displayName: "Bob", roles: [.escort], profile: "")
    static let carol = GatewayUser(name: "carol", displayName: "Carol", roles: [.escort], profile: "")
    static let rita = GatewayUser(name: "rita", displayName: "Rita", roles: [.reviewer], profile: "")

    func hub(mode: SessionMode = .escorted) async -> ModerationHub {
        let hub = ModerationHub()
        await hub.register(SessionSummary(id: "s1", engineer: Self.alice, target: "db", impactLevel: "IL5", mode: mode,
                                          started: Date(), escorts: [], paused: false, held: nil), control: Control())
        return hub
    }

    func analysis(_ risk: RiskLevel) -> Analysis {
        Analysis(status: .complete, risk: risk, techniques: [], tactics: [], summary: "x", findings: [], explanation: [])
    }

    /// Waits until the hub shows a held command.
    func waitHeld(_ hub: ModerationHub) async {
        for _ in 0..<200 where await hub.summary("s1")?.held == nil { try? await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func theEngineerCannotEscortOrApproveHerOwnSession() async throws {
        let hub = await hub()
        await #expect(throws: ModerationError.self) { try await hub.attach(Self.alice, as: .escort, to: "s1") }
    }

    @Test func onlyAnAttachedEscortDecidesAndARefusalNeedsAReason() async throws {
        let hub = await hub()
        let (bob, _) = try await hub.attach(Self.bob, as: .escort, to: "s1")
        let decision = Task { await hub.hold(session: "s1", command: "cat /etc/shadow", analysis: analysis(.high), ruling: .hold, reasons: []) }
        await waitHeld(hub)
        await #expect(throws: ModerationError.self) { try await hub.decide(UUID(), session: "s1", holdID: nil, approve: true, reason: nil) }
        await #expect(throws: ModerationError.self) { try await hub.decide(bob, session: "s1", holdID: nil, approve: false, reason: "  ") }
        try await hub.decide(bob, session: "s1", holdID: nil, approve: false, reason: "no ticket for this")
        #expect(await decision.value == .refused(by: "bob", reason: "no ticket for this"))
    }

    @Test func nothingHeldIsApprovedOnceTheGatewayIsStopping() async throws {
        let hub = await hub(mode: .direct)
        let (bob, _) = try await hub.attach(Self.bob, as: .escort, to: "s1")
        let decision = Task { await hub.hold(session: "s1", command: "cat /etc/shadow", analysis: analysis(.high), ruling: .hold, reasons: []) }
        await waitHeld(hub)
        await hub.beginShutdown(notice: "stopping")
        await #expect(throws: ModerationError.self) { try await hub.decide(bob, session: "s1", holdID: nil, approve: true, reason: nil) }
        // A refusal is still taken.
        try await hub.decide(bob, session: "s1", holdID: nil, approve: false, reason: "gateway stopping")
        #expect(await decision.value == .refused(by: "bob", reason: "gateway stopping"))
    }

    @Test func aCriticalCommandNeedsAnEscortAndADifferentTechnicalReviewer() async throws {
        let hub = await hub(mode: .direct)
        let (bob, _) = try await hub.attach(Self.bob, as: .escort, to: "s1")
        let (carol, _) = try await hub.attach(Self.carol, as: .escort, to: "s1")
        let (rita, _) = try await hub.attach(Self.rita, as: .reviewer, to: "s1")
        let decision = Task { await hub.hold(session: "s1", command: "rm -rf /srv", analysis: analysis(.critical), ruling: .holdWithReview, reasons: []) }
        await waitHeld(hub)
        let first = try await hub.decide(bob, session: "s1", holdID: nil, approve: true, reason: nil)
        #expect(first.contains("still needs a technical reviewer"))
        await #expect(throws: ModerationError.self) { try await hub.decide(bob, session: "s1", holdID: nil, approve: true, reason: nil) }
        // A second escort is not a technical reviewer.
        let second = try await hub.decide(carol, session: "s1", holdID: nil, approve: true, reason: nil)
        #expect(second.contains("still needs a technical reviewer"))
        #expect(await hub.summary("s1")?.held != nil)
        try await hub.decide(rita, session: "s1", holdID: nil, approve: true, reason: nil)
        #expect(await decision.value == .approved(by: ["bob", "carol", "rita"]))
    }

    @Test func anEscortedSessionRunsOnlyWhileAnEscortIsPresentAndNotWhilePaused() async throws {
        let hub = await hub()
        #expect(await hub.summary("s1")?.waitingForEscort == true)
        let waiter = Task { await hub.awaitRunnable("s1") }
        let (bob, _) = try await hub.attach(Self.bob, as: .escort, to: "s1")
        #expect(await waiter.value == true)
        try await hub.setPaused(true, token: bob, session: "s1")
        let paused = Task { await hub.awaitRunnable("s1") }
        try await Task.sleep(for: .milliseconds(50))
        try await hub.setPaused(false, token: bob, session: "s1")
        #expect(await paused.value == true)
        await hub.detach(bob, from: "s1")
        #expect(await hub.summary("s1")?.waitingForEscort == true)
        let ended = Task { await hub.awaitRunnable("s1") }
        try await Task.sleep(for: .milliseconds(50))
        await hub.unregister("s1", reason: "test over")
        #expect(await ended.value == false)
    }

    /// The bytes a card marks: the analyser's medium-and-above findings, whole characters only,
    /// and never past the command (a range past its end must not crash the card).
    @Test func aHeldCommandMarksTheBytesOfItsRiskyFindings() async throws {
        let hub = await hub()
        let command = "é; cat /etc/shadow"
        let start = "é; ".utf8.count
        var a = analysis(.high)
        a.findings = [Finding(risk: .high, technique: nil, reason: "reads password hashes", range: SourceRange(start, command.utf8.count)),
                      Finding(risk: .low, technique: nil, reason: "harmless", range: SourceRange(0, 2)),
                      Finding(risk: .medium, technique: nil, reason: "past the end", range: SourceRange(500, 600))]
        let held = Task { await hub.hold(session: "s1", command: command, analysis: a, ruling: .hold, reasons: []) }
        await waitHeld(hub)
        let risky = try #require(await hub.summary("s1")?.held).riskyBytes
        #expect(risky == Array(repeating: false, count: start) + Array(repeating: true, count: command.utf8.count - start))
        await hub.unregister("s1", reason: "done")
        _ = await held.value
    }
}
