import Foundation
import Store

/// The behaviour every ``ModerationStore`` backend must have. Each check takes a fresh store.
public enum ModerationStoreConformance {
    public typealias Backend = any ModerationStore

    /// Every check, by name.
    public static let checks: [(String, @Sendable (Backend) async throws -> Void)] = [
        ("a summary is published only for a session open on that node", publishing),
        ("other nodes list the sessions of live nodes only", listing),
        ("messages are taken once, in the order one node posted them", messagesInOrder),
        ("two takers at once never take one message twice", takersAtOnce),
        ("old messages are forgotten", forgetting),
    ]

    /// Checks for a backend that wakes recipients (PostgreSQL's NOTIFY).
    public static let notifyingChecks: [(String, @Sendable (Backend) async throws -> Void)] = [
        ("posting wakes the recipient and no other node", wakes),
    ]

    static func check(_ condition: Bool, _ message: String) throws {
        if !condition { throw ConformanceFailure(message: message) }
    }

    @Sendable static func publishing(_ store: Backend) async throws {
        try await store.heartbeat(node: "a")
        try await store.sessionOpened("s1", node: "a")
        try check(try await store.publishSummary("s1", node: "a", summary: Data("one".utf8)), "publishing an open session failed")
        try check(try await !store.publishSummary("s1", node: "b", summary: Data("two".utf8)), "another node published a's session")
        try check(try await !store.publishSummary("nope", node: "a", summary: Data("x".utf8)), "a session never opened was published")
        try check(try await store.openSessions(on: "a") == ["s1"], "a's open sessions are not [s1]")
        // Another node ends the session, believing a dead: a's next publication says so.
        _ = try await store.sessionClosed("s1")
        try check(try await !store.publishSummary("s1", node: "a", summary: Data("three".utf8)), "a session claimed by another node was published")
        try check(try await store.openSessions(on: "a").isEmpty, "a still has open sessions after the claim")
    }

    @Sendable static func listing(_ store: Backend) async throws {
        try await store.heartbeat(node: "a")
        try await store.heartbeat(node: "b")
        try await store.sessionOpened("s1", node: "a")
        try await store.sessionOpened("s2", node: "b")
        try await store.sessionOpened("s3", node: "b")
        _ = try await store.publishSummary("s1", node: "a", summary: Data("one".utf8))
        _ = try await store.publishSummary("s2", node: "b", summary: Data("two".utf8))
        // s3 is open but not yet published: not listed.
        let listed = try await store.sharedSessions(staleAfter: 60)
        try check(Set(listed.map(\.session)) == ["s1", "s2"], "listed \(listed.map(\.session)), not s1 and s2")
        try check(listed.first { $0.session == "s2" }?.summary == Data("two".utf8), "s2's summary did not come back as published")
        try check(listed.first { $0.session == "s1" }?.node == "a", "s1 is not listed on node a")
        try check(try await store.liveNodes(staleAfter: 60) == ["a", "b"], "the live nodes are not a and b")
        try await Task.sleep(for: .milliseconds(1200))
        var shown: [SharedSession] = []
        var live: Set<String> = []
        for _ in 0..<5 {
            try await store.heartbeat(node: "b")
            shown = try await store.sharedSessions(staleAfter: 1)
            live = try await store.liveNodes(staleAfter: 1)
            if shown.map(\.session) == ["s2"] && live == ["b"] { break }
        }
        try check(shown.map(\.session) == ["s2"], "with a silent, the listed sessions are \(shown.map(\.session)), not [s2]")
        try check(live == ["b"], "with a silent, the live nodes are \(live.sorted()), not [b]")
    }

    @Sendable static func messagesInOrder(_ store: Backend) async throws {
        for i in 0..<5 {
            try await store.post(session: "s1", from: "a", to: "b", body: Data("m\(i)".utf8))
        }
        try await store.post(session: "s2", from: "a", to: "c", body: Data("for c".utf8))
        let taken = try await store.takeMessages(to: "b")
        try check(taken.map { String(decoding: $0.body, as: UTF8.self) } == ["m0", "m1", "m2", "m3", "m4"], "b took \(taken.map { String(decoding: $0.body, as: UTF8.self) })")
        try check(taken.allSatisfy { $0.from == "a" && $0.to == "b" && $0.session == "s1" }, "a message lost its sender, recipient or session")
        try check(try await store.takeMessages(to: "b").isEmpty, "messages were taken twice")
        let forC = try await store.takeMessages(to: "c")
        try check(forC.map(\.session) == ["s2"], "c's message was not kept for c")
    }

    @Sendable static func takersAtOnce(_ store: Backend) async throws {
        for i in 0..<40 {
            try await store.post(session: "s", from: "a", to: "b", body: Data("\(i)".utf8))
        }
        let all = try await withThrowingTaskGroup(of: [NodeMessage].self) { group in
            for _ in 0..<4 { group.addTask { try await store.takeMessages(to: "b") } }
            var all: [NodeMessage] = []
            for try await part in group { all += part }
            return all
        }
        try check(all.count == 40 && Set(all.map(\.id)).count == 40, "4 takers at once took \(all.count) messages (\(Set(all.map(\.id)).count) distinct), not 40")
    }

    @Sendable static func forgetting(_ store: Backend) async throws {
        try await store.post(session: "s", from: "a", to: "gone", body: Data("old".utf8))
        try await store.forgetMessages(olderThan: 3600)
        try check(try await store.takeMessages(to: "gone").count == 1, "a fresh message was forgotten")
        try await store.post(session: "s", from: "a", to: "gone", body: Data("old".utf8))
        try await Task.sleep(for: .milliseconds(1100))
        try await store.forgetMessages(olderThan: 1)
        try check(try await store.takeMessages(to: "gone").isEmpty, "a message older than the limit was kept")
    }

    @Sendable static func wakes(_ store: Backend) async throws {
        let woken = Counter()
        let bystander = Counter()
        let listeners = [
            Task { for await _ in store.messageSignals(for: "b") { await woken.add() } },
            Task { for await _ in store.messageSignals(for: "c") { await bystander.add() } },
        ]
        defer { for l in listeners { l.cancel() } }
        // Each stream signals once when it starts listening.
        try await waitFor { await woken.value >= 1 }
        try await waitFor { await bystander.value >= 1 }
        try await store.post(session: "s", from: "a", to: "b", body: Data("wake".utf8))
        try await waitFor { await woken.value >= 2 }
        try await Task.sleep(for: .milliseconds(300))
        try check(await bystander.value == 1, "a message for b woke c")
    }

    static func waitFor(_ condition: @Sendable () async -> Bool) async throws {
        try await eventually("a signal", within: 20, every: .milliseconds(100), condition)
    }

    actor Counter {
        var value = 0
        func add() { value += 1 }
    }
}
