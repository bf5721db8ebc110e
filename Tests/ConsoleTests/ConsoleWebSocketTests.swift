import Console
import EscortCore
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import HummingbirdWSTesting
import StoreSQLite
import Testing
import HummingbirdWSClient

/// Authorisation of the live connections, over real WebSockets on a live server: who may open a
/// session's event and terminal streams, and that nothing sent over them decides anything.
@Suite(.serialized)
struct ConsoleWebSocketTests {
    func app(_ f: ConsoleFixture) -> some ApplicationProtocol {
        // One router for both: the sign-ins made over HTTP are what the WebSockets check.
        let router = ConsoleRoutesForTesting.router(f.context)
        return Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router))
    }

    static func config(_ cookie: String?) -> WebSocketClientConfiguration {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        return WebSocketClientConfiguration(additionalHeaders: headers)
    }

    /// Whether the WebSocket at `path` opens for `cookie` (the handler leaves at once).
    static func opens(_ client: some TestClientProtocol, _ path: String, _ cookie: String?) async -> Bool {
        do {
            try await client.ws(path, configuration: config(cookie)) { _, outbound, _ in try await outbound.close(.normalClosure, reason: nil) }
            return true
        } catch {
            return false
        }
    }

    @Test func onlyAnEligibleEscortOpensASessionsLiveStreams() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.holdCommand(by: "eve", "cat /etc/shadow")
        try await app(f).test(.live) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let carl = try #require(try await signIn(client, "carl"))
            let eve = try #require(try await signIn(client, "eve"))
            for stream in ["events", "terminal"] {
                let path = "/ws/sessions/s-1/\(stream)"
                #expect(await !Self.opens(client, path, nil), "\(stream): no sign-in")
                #expect(await !Self.opens(client, path, "escort_session=forged-token"), "\(stream): a forged cookie")
                #expect(await !Self.opens(client, path, carl.cookie), "\(stream): an escort without current training")
                #expect(await !Self.opens(client, path, eve.cookie), "\(stream): the session's own engineer")
                #expect(await Self.opens(client, path, bob.cookie), "\(stream): the eligible escort")
                #expect(await !Self.opens(client, "/ws/sessions/no-such/\(stream)", bob.cookie), "\(stream): an unknown session")
            }
            #expect(await !Self.opens(client, "/ws/queue", nil))
        }
        await f.hub.unregister("s-1", reason: "test over")
    }

    @Test func aMessageOverTheLiveConnectionDecidesNothingAndClosesIt() async throws {
        let f = try await ConsoleFixture()
        let held = try await f.holdCommand(by: "alice", "cat /etc/shadow")
        try await app(f).test(.live) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let eve = try #require(try await signIn(client, "eve"))
            let close = try await client.ws("/ws/sessions/s-1/events", configuration: Self.config(bob.cookie)) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                // Attached; the held command arrives as a card.
                var seen: [String] = []
                while seen.count < 2, let m = try await messages.next() {
                    if case .text(let t) = m { seen.append(t) }
                }
                #expect(seen.first?.contains("attached") == true, "\(seen)")
                #expect(seen.last?.contains("held") == true, "\(seen)")
                // While Bob is attached, Eve (an eligible escort who is not attached) cannot decide.
                let byEve = try await client.execute(uri: "/sessions/s-1/approve", method: .post,
                                                     headers: [.origin: "http://localhost", .cookie: eve.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                     body: ByteBuffer(string: "hold=1&csrf=\(eve.csrf)"))
                #expect(byEve.status == .conflict)
                // With Bob's CSRF token but Eve's cookie: refused.
                let mixed = try await client.execute(uri: "/sessions/s-1/approve", method: .post,
                                                     headers: [.origin: "http://localhost", .cookie: eve.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                     body: ByteBuffer(string: "hold=1&csrf=\(bob.csrf)"))
                #expect(mixed.status == .forbidden)
                // A decision sent over the WebSocket is not obeyed: the server closes the connection.
                try await outbound.write(.text(#"{"action":"approve","hold":1}"#))
                while let m = try await messages.next() {
                    if case .text(let t) = m { Issue.record("unexpected message after the refused command: \(t)") }
                }
            }
            #expect(close?.closeCode == .unknown(4400), "\(String(describing: close))")
        }
        #expect(await f.hub.summary("s-1")?.held != nil, "the command is still held")
        await f.hub.unregister("s-1", reason: "test over")
        #expect(await held.value == .sessionEnded)
        #expect(try await f.events().contains("escort.attached"))
    }

    /// The console on node B, the session on node A (another hub on the same store file, as
    /// another gateway process would be): the escort signs in on B, sees A's held command, approves
    /// it from B's page, and A applies the approval.
    @Test func anEscortOnThisNodesConsoleDecidesACommandHeldOnAnotherNode() async throws {
        let f = try await ConsoleFixture()
        let storeA = try SQLiteStore(path: f.dir.file("escort.sqlite"))
        let nodeA = ModerationHub()
        try await storeA.heartbeat(node: "node-a")
        try await f.store.heartbeat(node: "node-b")
        await nodeA.joinCluster(ClusterLink(store: storeA, node: "node-a", pollInterval: 0.05, staleAfter: 600, answerTimeout: 30))
        await f.hub.joinCluster(ClusterLink(store: f.store, node: "node-b", pollInterval: 0.05, staleAfter: 600, answerTimeout: 30))
        defer { Task { await nodeA.leaveCluster(); await f.hub.leaveCluster() } }
        let alice = RegistryAuthority.user(try #require(try await f.store.person(named: "alice")))
        try await storeA.sessionOpened("s-a", node: "node-a")
        await nodeA.register(SessionSummary(id: "s-a", engineer: alice, target: "web-il2", impactLevel: "IL2", mode: .escorted,
                                            started: Date(), escorts: [], paused: false, held: nil), control: NoEngineer())
        let analysis = f.context.analyser.analyse("cat /etc/shadow")
        let held = Task { await nodeA.hold(session: "s-a", command: "cat /etc/shadow", analysis: analysis, ruling: .hold, reasons: ["test"]) }
        for _ in 0..<1500 where await f.hub.summary("s-a")?.held == nil { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await f.hub.summary("s-a")?.held?.command == "cat /etc/shadow", "node b's console does not list node a's held command")

        try await app(f).test(.live) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let queue = try await client.execute(uri: "/", method: .get, headers: [.cookie: bob.cookie])
            #expect(String(buffer: queue.body).contains("s-a"), "the queue on node b does not show node a's session")
            _ = try await client.ws("/ws/sessions/s-a/events", configuration: Self.config(bob.cookie)) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                var seen: [String] = []
                while seen.count < 2, let m = try await messages.next() {
                    if case .text(let t) = m { seen.append(t) }
                }
                #expect(seen.last?.contains("held") == true && seen.last?.contains("/etc/shadow") == true, "\(seen)")
                let card = try #require(await f.hub.summary("s-a")?.held)
                let approve = try await client.execute(uri: "/sessions/s-a/approve", method: .post,
                                                       headers: [.origin: "http://localhost", .cookie: bob.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                       body: ByteBuffer(string: "csrf=\(bob.csrf)&hold=\(card.id)&digest=\(card.cardDigest)&confirm=\(card.id)"))
                #expect(approve.status == .ok, "\(String(buffer: approve.body))")
                #expect(String(buffer: approve.body).contains("Approved"), "\(String(buffer: approve.body))")
                try await outbound.close(.normalClosure, reason: nil)
            }
        }
        #expect(await held.value == .approved(by: ["bob"]))
        await nodeA.unregister("s-a", reason: "test over")
    }

    @Test func consolesOwnFormPostsPassTheOriginCheckAndNullOriginsDoNot() async throws {
        let f = try await ConsoleFixture()
        try await app(f).test(.router) { client in
            let login = try await client.execute(uri: "/login", method: .get)
            // Under `no-referrer` Chromium sends `Origin: null` with same-site form posts.
            #expect(login.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
            let bob = try #require(try await signIn(client, "bob"))
            let null = try await client.execute(uri: "/evidence/verify", method: .post,
                                                headers: [.cookie: bob.cookie, .origin: "null", .contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "csrf=\(bob.csrf)"))
            #expect(null.status == .forbidden)
        }
    }
}
