import EscortCore
import Foundation
import Gateway

/// A signed-in console user.
public struct WebIdentity: Sendable {
    public var token: String
    public var user: GatewayUser
    public var csrf: String
    var lastSeen: Date
}

/// Console sign-in sessions (in memory: a restart signs everyone out) and the sign-in rate limit.
///
/// A session lasts at most ``lifetime`` and ends after ``idle`` without a request. Failed
/// sign-ins are counted within ``failureWindow`` three ways: for one account from one address
/// (``maxFailures``, so one escort's typos never lock out the other escorts behind the same
/// address), for one account from anywhere (``maxAccountFailures``, guessing from many
/// addresses) and for one address whatever the account (``maxSourceFailures``, spraying). Past a
/// limit further attempts are refused until the window has passed, whatever the password (so the
/// limit cannot be used to test passwords).
public actor WebSessions {
    var sessions: [String: (identity: WebIdentity, created: Date)] = [:]
    var failures: [String: [Date]] = [:]
    let lifetime: TimeInterval = 8 * 3600
    let idle: TimeInterval = 30 * 60
    public let maxFailures = 5
    public let maxAccountFailures = 20
    public let maxSourceFailures = 50
    let failureWindow: TimeInterval = 300
    let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    public func create(for user: GatewayUser) -> WebIdentity {
        let identity = WebIdentity(token: Self.randomToken(), user: user, csrf: Self.randomToken(), lastSeen: now())
        sessions[identity.token] = (identity, now())
        return identity
    }

    /// The identity behind a session cookie, if the session is still valid.
    public func identity(_ token: String) -> WebIdentity? {
        guard var entry = sessions[token] else { return nil }
        let t = now()
        guard t.timeIntervalSince(entry.created) < lifetime, t.timeIntervalSince(entry.identity.lastSeen) < idle else {
            sessions[token] = nil
            return nil
        }
        entry.identity.lastSeen = t
        sessions[token] = entry
        return entry.identity
    }

    public func end(_ token: String) {
        sessions[token] = nil
    }

    /// Whether sign-in for `account` from `source` is currently refused.
    public func isLimited(account: String, source: String) -> Bool {
        let cutoff = now().addingTimeInterval(-failureWindow)
        for (key, limit) in keys(account: account, source: source) {
            failures[key] = failures[key]?.filter { $0 > cutoff }
            if (failures[key]?.count ?? 0) >= limit { return true }
        }
        return false
    }

    public func recordFailure(account: String, source: String) {
        for (key, _) in keys(account: account, source: source) { failures[key, default: []].append(now()) }
    }

    func keys(account: String, source: String) -> [(String, Int)] {
        [("pair:\(source)|\(account)", maxFailures), ("account:\(account)", maxAccountFailures), ("source:\(source)", maxSourceFailures)]
    }
}
