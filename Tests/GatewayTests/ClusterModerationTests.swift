import EscortCore
import EscortTesting
import Foundation
import Gateway
import ShellAnalysis
import Store
import StoreSQLite
import Testing

/// Moderation across gateway nodes: two hubs, each its own node on one store file (as two
/// gateway processes would be), an escort attached through one deciding what the other holds.
@Suite struct ClusterModerationTests {
    typealias Control = ModerationHubTests.Control

    struct Nodes {
        let dir = TemporaryDirectory()
        let storeA: SQLiteStore
        let storeB: SQLiteStore
        let a = ModerationHub()
        let b = ModerationHub()
        let control = Control()
        /// Both nodes beat every 200 ms, node b until ``stopB()``.
        let beats: Task<Void, Never>
        let bAlive = Flag()

        actor Flag {
            var on = true
            func off() { on = false }
        }

        init(mode: SessionMode = .escorted) async throws {
            let staleAfter = 60.0
            storeA = try SQLiteStore(path: dir.file("cluster.sqlite"))
            storeB = try SQLiteStore(path: dir.file("cluster.sqlite"))
            try await storeA.heartbeat(node: "node-a")
            try await storeB.heartbeat(node: "node-b")
            beats = Task { [storeA, storeB, bAlive] in
                while !Task.isCancelled {
                    try? await storeA.heartbeat(node: "node-a")
                    if await bAlive.on { try? await storeB.heartbeat(node: "node-b") }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            await a.joinCluster(ClusterLink(store: storeA, node: "node-a", pollInterval: 0.05, staleAfter: staleAfter, answerTimeout: 30, ownershipCheckInterval: 0.2))
            await b.joinCluster(ClusterLink(store: storeB, node: "node-b", pollInterval: 0.05, staleAfter: staleAfter, answerTimeout: 30, ownershipCheckInterval: 0.2))
            try await storeA.sessionOpened("s1", node: "node-a")
            await a.register(SessionSummary(id: "s1", engineer: ModerationHubTests.alice, target: "db", impactLevel: "IL5", mode: mode,
                                            started: Date(), escorts: [], paused: false, held: nil), control: control)
            // Node b lists the session once node a has published it.
            let b = b
            try await eventually("node b lists node a's session") { await b.summary("s1") != nil }
        }

        func hold(_ command: String, _ ruling: CommandRuling = .hold) -> Task<HoldDecision, Never> {
            let a = a
            return Task {
                await a.hold(session: "s1", command: command,
                             analysis: Analysis(status: .complete, risk: .high, techniques: [], tactics: [], summary: "reads password hashes", findings: [], explanation: []),
                             ruling: ruling, reasons: ["high risk"])
            }
        }

        /// Node b stops without a word to node a (its escorts' consoles still attached): its loop
        /// stops and the store no longer lists it as alive. (A node that goes silent leaves the
        /// list the same way, after `staleAfter`; the store suite tests that.)
        func stopB() async throws {
            await bAlive.off()
            await b.leaveCluster()
            try await storeB.nodeStopped("node-b")
        }

        func leave() async {
            beats.cancel()
            await a.leaveCluster()
            await b.leaveCluster()
        }
    }

    /// What a watcher was told, kept as it arrives.
    actor Seen {
        var events: [WatchEvent] = []
        static func watching(_ stream: AsyncStream<WatchEvent>) -> Seen {
            let seen = Seen()
            Task { for await e in stream { await seen.add(e) } }
            return seen
        }
        func add(_ e: WatchEvent) { events.append(e) }
        var held: [HeldCommand] { events.compactMap { if case .held(let h) = $0 { h } else { nil } } }
        var resolved: [(Int, String)] { events.compactMap { if case .resolved(let id, let o) = $0 { (id, o) } else { nil } } }
        var output: String {
            String(decoding: events.flatMap { e -> [UInt8] in
                if case .output(let b) = e { return b }
                return []
            }, as: UTF8.self)
        }
    }

    /// Whether `body` was accepted.
    func accepted(_ body: () async throws -> String) async -> Bool {
        do {
            _ = try await body()
            return true
        } catch {
            return false
        }
    }

    @Test func anEscortOnAnotherNodeIsPresentSeesTheHeldCommandAndDecidesIt() async throws {
        let nodes = try await Nodes()
        defer { Task { await nodes.leave() } }
        let (bob, stream) = try await nodes.b.attach(ModerationHubTests.bob, as: .escort, to: "s1")
        let seen = Seen.watching(stream)
        // Node a counts bob as present: the escorted session may run.
        #expect(await nodes.a.summary("s1")?.escorts == ["bob"])
        #expect(await nodes.a.awaitRunnable("s1"))
        try await eventually("the engineer is told who joined, through which node") {
            await nodes.control.notes.contains { $0.contains("Bob (bob) joined through gateway node node-b") }
        }

        let decision = nodes.hold("cat /etc/shadow")
        try await eventually("node b's escort is shown the held command") { await !seen.held.isEmpty }
        let held = try #require(await seen.held.first)
        #expect(held.command == "cat /etc/shadow" && held.analysis.summary == "reads password hashes" && held.reasons == ["high risk"])
        try await eventually("node b's list shows the held command") { await nodes.b.summary("s1")?.held?.id == held.id }
        // The same rules as on node a, checked by node a.
        await #expect(throws: ModerationError.self) { try await nodes.b.decide(bob, session: "s1", holdID: held.id, approve: false, reason: " ") }
        await #expect(throws: ModerationError.self) { try await nodes.b.decide(UUID(), session: "s1", holdID: held.id, approve: true, reason: nil) }
        await #expect(throws: ModerationError.self) { try await nodes.b.decide(bob, session: "s1", holdID: held.id + 1, approve: true, reason: nil) }
        let said = try await nodes.b.decide(bob, session: "s1", holdID: held.id, approve: true, reason: nil)
        #expect(said == "Approved #\(held.id).")
        #expect(await decision.value == .approved(by: ["bob"]))
        try await eventually("node b's escort is told the command was decided") { await !seen.resolved.isEmpty }
        #expect(await seen.resolved.first.map { "\($0.0) \($0.1)" } == "\(held.id) approved by bob")
        // Output of the session reaches node b's escort too.
        await nodes.a.broadcast(Array("root:x:0:0\r\n".utf8), in: "s1")
        try await eventually("node b's escort sees the output") { await seen.output.contains("root:x") }
        // Leaving through node b: node a no longer counts bob, and the escorted session waits.
        await nodes.b.detach(bob, from: "s1")
        try await eventually("node a sees bob leave") { await nodes.a.summary("s1")?.escorts == [] }
        #expect(await nodes.a.summary("s1")?.waitingForEscort == true)
    }

    /// The web console's terminal view of another node's session, opened with nobody attached
    /// anywhere: node a is asked for the output, and the viewer counts for nothing else.
    @Test func aViewerOnAnotherNodeGetsTheOutputWithNobodyAttached() async throws {
        let nodes = try await Nodes()
        defer { Task { await nodes.leave() } }
        let (token, stream) = try await nodes.b.observe("s1")
        let seen = Seen.watching(stream)
        try await eventually("node b's viewer sees node a's output") {
            await nodes.a.broadcast(Array("load average: 0.42\r\n".utf8), in: "s1")
            return await seen.output.contains("load average: 0.42")
        }
        #expect(await nodes.a.summary("s1")?.escorts == [])
        #expect(await nodes.a.summary("s1")?.waitingForEscort == true)
        // The session ends on node a: the viewer on node b is told.
        await nodes.a.unregister("s1", reason: "the engineer logged out")
        try await eventually("node b's viewer is told the session ended") {
            await seen.events.contains { if case .ended = $0 { true } else { false } }
        }
        await nodes.b.stopObserving(token, from: "s1")
    }

    @Test func twoEscortsOnTwoNodesApprovingAtOnceApplyOneDecision() async throws {
        let nodes = try await Nodes()
        defer { Task { await nodes.leave() } }
        let (bob, _) = try await nodes.a.attach(ModerationHubTests.bob, as: .escort, to: "s1")
        let (carol, _) = try await nodes.b.attach(ModerationHubTests.carol, as: .escort, to: "s1")
        for round in 0..<5 {
            let decision = nodes.hold("cat /etc/shadow # \(round)")
            try await eventually("node b sees hold \(round)") { await nodes.b.summary("s1")?.held?.command.hasSuffix("# \(round)") == true }
            let hold = try #require(await nodes.a.summary("s1")?.held?.id)
            async let viaA = accepted { try await nodes.a.decide(bob, session: "s1", holdID: hold, approve: true, reason: nil) }
            async let viaB = accepted { try await nodes.b.decide(carol, session: "s1", holdID: hold, approve: true, reason: nil) }
            let count = await [viaA, viaB].filter { $0 }.count
            #expect(count == 1, "round \(round): \(count) decisions accepted, not 1")
            let outcome = await decision.value
            #expect(outcome == .approved(by: ["bob"]) || outcome == .approved(by: ["carol"]), "round \(round): \(outcome)")
        }
    }

    @Test func theEngineerCannotAttachToHerOwnSessionThroughAnotherNode() async throws {
        let nodes = try await Nodes()
        defer { Task { await nodes.leave() } }
        await #expect(throws: ModerationError.self) { try await nodes.b.attach(ModerationHubTests.alice, as: .escort, to: "s1") }
        #expect(await nodes.a.summary("s1")?.escorts == [])
    }

    @Test func aCommandHeldForReviewTakesAnEscortOnOneNodeAndAReviewerOnTheOther() async throws {
        let nodes = try await Nodes(mode: .direct)
        defer { Task { await nodes.leave() } }
        let (bob, _) = try await nodes.a.attach(ModerationHubTests.bob, as: .escort, to: "s1")
        let (rita, _) = try await nodes.b.attach(ModerationHubTests.rita, as: .reviewer, to: "s1")
        let decision = nodes.hold("rm -rf /srv", .holdWithReview)
        try await eventually("node b sees the hold") { await nodes.b.summary("s1")?.held != nil }
        let first = try await nodes.b.decide(rita, session: "s1", holdID: nil, approve: true, reason: nil)
        #expect(first.contains("still needs an escort"))
        await #expect(throws: ModerationError.self) { try await nodes.b.decide(rita, session: "s1", holdID: nil, approve: true, reason: nil) }
        try await nodes.a.decide(bob, session: "s1", holdID: nil, approve: true, reason: nil)
        #expect(await decision.value == .approved(by: ["rita", "bob"]))
    }

    @Test func anEscortAttachedThroughANodeThatStopsIsNoLongerPresent() async throws {
        let nodes = try await Nodes()
        defer { Task { await nodes.leave() } }
        _ = try await nodes.b.attach(ModerationHubTests.bob, as: .escort, to: "s1")
        #expect(await nodes.a.summary("s1")?.escorts == ["bob"])
        try await nodes.stopB()
        try await eventually("node a lets go of the escort of stopped node b") { await nodes.a.summary("s1")?.escorts == [] }
        #expect(await nodes.a.summary("s1")?.waitingForEscort == true)
        try await eventually("the engineer is told why the escort left") {
            await nodes.control.notes.contains { $0.contains("gateway node node-b stopped answering") }
        }
    }

    @Test func aSessionAnotherNodeEndedIsEndedHereToo() async throws {
        let nodes = try await Nodes()
        defer { Task { await nodes.leave() } }
        // Node b, believing node a dead, claims its session and ends it in the audit log.
        #expect(try await nodes.storeB.sessionClosed("s1"))
        try await eventually("node a ends the session it no longer owns") { await nodes.control.ended != nil }
        #expect(await nodes.control.ended?.contains("another gateway node ended this session") == true)
    }
}
