import Foundation
import Store

/// The behaviour every ``NodeStore`` backend must have. Each check takes a fresh store.
public enum NodeStoreConformance {
    public typealias Backend = any NodeStore

    /// Every check, by name.
    public static let checks: [(String, @Sendable (Backend) async throws -> Void)] = [
        ("a live node's sessions are not orphaned, a silent node's are", silentNodes),
        ("a session on a node that never beat is orphaned", neverBeat),
        ("a session is claimed by exactly one closer, even at once", claimedOnce),
        ("a stopped node is forgotten only without open sessions", stoppedNodes),
        ("a session cannot be opened twice", openedTwice),
    ]

    static func check(_ condition: Bool, _ message: String) throws {
        if !condition { throw ConformanceFailure(message: message) }
    }

    @Sendable static func silentNodes(_ store: Backend) async throws {
        try await store.heartbeat(node: "a")
        try await store.heartbeat(node: "b")
        try await store.sessionOpened("s1", node: "a")
        try await store.sessionOpened("s2", node: "b")
        try check(try await store.orphanedSessions(staleAfter: 60).isEmpty, "sessions of nodes that just beat are orphaned")
        try await Task.sleep(for: .milliseconds(1200))
        // b beats again just before each look; on a loaded machine a second can pass between the
        // two, so b gets a few tries to be seen fresh (a, silent throughout, must stay orphaned).
        var orphans: [OpenSession] = []
        for _ in 0..<5 {
            try await store.heartbeat(node: "b")
            orphans = try await store.orphanedSessions(staleAfter: 1)
            if orphans.map(\.session) == ["s1"] { break }
        }
        try check(orphans.map(\.session) == ["s1"], "after a's silence the orphans are \(orphans.map(\.session)), not [s1]")
        try check(orphans.first?.node == "a", "the orphan names node \(orphans.first?.node ?? "none"), not a")
        let beat = try (orphans.first?.lastHeartbeat).requireValue("the orphan has no last heartbeat")
        // Loosely: a loaded machine can take a while between the beat and the look; this catches a
        // heartbeat stored in the wrong unit or clock, not a slow test.
        try check(abs(beat.timeIntervalSinceNow) < 3600, "the last heartbeat \(beat) is not about now")
    }

    @Sendable static func neverBeat(_ store: Backend) async throws {
        try await store.sessionOpened("s1", node: "ghost")
        let orphans = try await store.orphanedSessions(staleAfter: 3600)
        try check(orphans == [OpenSession(session: "s1", node: "ghost", lastHeartbeat: nil)], "a never-beating node's session: \(orphans)")
    }

    @Sendable static func claimedOnce(_ store: Backend) async throws {
        try await store.sessionOpened("s1", node: "a")
        try check(try await store.sessionClosed("s1"), "closing an open session did not claim it")
        try check(try await !store.sessionClosed("s1"), "a closed session was claimed again")
        try check(try await !store.sessionClosed("never"), "a session never opened was claimed")
        for i in 0..<10 {
            try await store.sessionOpened("race\(i)", node: "a")
        }
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<10 {
                for _ in 0..<2 { group.addTask { try await store.sessionClosed("race\(i)") } }
            }
            var wins = 0
            for try await won in group where won { wins += 1 }
            return wins
        }
        try check(wins == 10, "20 closers of 10 sessions claimed \(wins), not 10")
        try check(try await store.orphanedSessions(staleAfter: 0).isEmpty, "closed sessions are still open")
    }

    @Sendable static func stoppedNodes(_ store: Backend) async throws {
        try await store.heartbeat(node: "a")
        try await store.sessionOpened("s1", node: "a")
        try await store.nodeStopped("a")
        // The node's row is kept: its session still counts as on a node that beat.
        try check(try await store.orphanedSessions(staleAfter: 60).isEmpty, "a stopped node with a session lost its heartbeat")
        _ = try await store.sessionClosed("s1")
        try await store.nodeStopped("a")
        try await store.sessionOpened("s2", node: "a")
        let orphans = try await store.orphanedSessions(staleAfter: 60)
        try check(orphans.count == 1 && orphans.first?.lastHeartbeat == nil, "a stopped node without sessions was not forgotten: \(orphans)")
    }

    @Sendable static func openedTwice(_ store: Backend) async throws {
        try await store.sessionOpened("s1", node: "a")
        do {
            try await store.sessionOpened("s1", node: "b")
            throw ConformanceFailure(message: "a session was opened twice")
        } catch is StoreError {}
        let orphans = try await store.orphanedSessions(staleAfter: 0)
        try check(orphans.map(\.node) == ["a"], "the refused second open changed the session: \(orphans)")
    }
}

extension Optional {
    /// The value, or a conformance failure saying `message`.
    func requireValue(_ message: String) throws -> Wrapped {
        guard let self else { throw ConformanceFailure(message: message) }
        return self
    }
}
