import Foundation

/// Who changed the state of a registry entry, when, and why: a person or target disabled or
/// removed, a key revoked. Kept in the entry, so its history survives the change.
public struct RegistryMark: Sendable, Codable, Hashable {
    public var at: Date
    /// Who made the change (the admin named by `--by`, or the command's actor).
    public var by: String
    /// Why, in the admin's words.
    public var reason: String

    public init(at: Date, by: String, reason: String) {
        self.at = at
        self.by = by
        self.reason = reason
    }

    /// `at 2030-01-01T08:00:00Z by root: left the company`.
    public var sentence: String { "at \(RegistryDate.format(at)) by \(by): \(reason)" }
}

/// A key that no longer authenticates its person, with who revoked it, when and why.
public struct RevokedKey: Sendable, Codable, Hashable {
    public var key: SSHPublicKey
    public var mark: RegistryMark

    public init(key: SSHPublicKey, mark: RegistryMark) {
        self.key = key
        self.mark = mark
    }
}
