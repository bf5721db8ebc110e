import Foundation

/// A person's web-console sign-in: a password hash (the KDF's own encoded form, never the
/// password) and, when set, a TOTP secret (base32) for the second factor.
public struct ConsoleCredential: Sendable, Hashable {
    public var person: String
    public var passwordHash: String
    public var totpSecret: String?
    public var updated: Date

    public init(person: String, passwordHash: String, totpSecret: String?, updated: Date) {
        self.person = person
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
        self.updated = updated
    }
}

/// Web-console credentials, kept beside the registry (a credential belongs to a registered person).
public protocol CredentialStore: Sendable {
    /// Sets (or replaces) a person's credential. Throws `.notFound` if the person is not registered.
    func setCredential(_ credential: ConsoleCredential) async throws
    /// The credential of `person`, if one was set.
    func credential(for person: String) async throws -> ConsoleCredential?
}
