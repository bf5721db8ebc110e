import Foundation

/// Someone registered with Escort: an engineer, an escort, a reviewer or an admin.
public struct Person: Sendable, Codable, Hashable {
    /// The login name (see ``LoginName``).
    public var name: String
    /// The full name shown to escorts and auditors.
    public var displayName: String
    /// The company that employs the person.
    public var employer: String
    /// The prime contractor or contract the person works under.
    public var contractor: String
    /// Every citizenship the person holds (at least one).
    public var citizenships: [CountryCode]
    /// Where the person lives.
    public var residence: CountryCode
    /// Where the person declares they are now.
    public var location: CountryCode
    public var clearance: Clearance
    public var roles: Set<Role>
    /// When the person's escort training expires (nil: never trained).
    public var escortTrainingExpires: Date?
    /// The person's SSH public keys.
    public var keys: [SSHPublicKey]
    /// Keys that were revoked (they authenticate nobody; kept for the record).
    public var revokedKeys: [RevokedKey] = []
    /// Set while the person may not connect, escort or review (``disable``); nil: enabled.
    public var disabled: RegistryMark?
    /// Set once the person was removed: a soft delete. The record stays, so past sessions
    /// still report under the person's name; the keys no longer authenticate anyone.
    public var removed: RegistryMark?

    public init(
        name: String, displayName: String, employer: String, contractor: String, citizenships: [CountryCode],
        residence: CountryCode, location: CountryCode, clearance: Clearance, roles: Set<Role>,
        escortTrainingExpires: Date? = nil, keys: [SSHPublicKey] = []
    ) {
        self.name = name
        self.displayName = displayName
        self.employer = employer
        self.contractor = contractor
        self.citizenships = citizenships
        self.residence = residence
        self.location = location
        self.clearance = clearance
        self.roles = roles
        self.escortTrainingExpires = escortTrainingExpires
        self.keys = keys
    }

    /// The person, checked: name syntax, non-empty display name, employer and contractor, at
    /// least one citizenship, no key listed twice.
    ///
    /// - Throws: ``RegistryError`` naming the field.
    public func validated() throws(RegistryError) -> Person {
        try LoginName.check(name, field: "name")
        for (field, value) in [("display_name", displayName), ("employer", employer), ("contractor", contractor)]
        where value.trimmingASCIIWhitespace().isEmpty {
            throw RegistryError(.invalidField, "\(field) of \(name) is empty", field: field)
        }
        guard !citizenships.isEmpty else {
            throw RegistryError(.invalidField, "\(name) needs at least one citizenship", field: "citizenship")
        }
        var seen = Set<[UInt8]>()
        for k in keys where !seen.insert(k.blob).inserted {
            throw RegistryError(.invalidField, "the key \(k.algorithm) \(k.comment) is listed twice for \(name)", field: "key")
        }
        return self
    }

    /// Whether the person may take part at all: neither disabled nor removed.
    public var isEnabled: Bool { disabled == nil && removed == nil }

    /// Why the person may not take part (removed or disabled), as a sentence; nil if enabled.
    public var unavailableReason: String? {
        if let removed { return "\(name) was removed from the registry \(removed.sentence)" }
        if let disabled { return "\(name) is disabled in the registry \(disabled.sentence)" }
        return nil
    }

    /// Whether the person holds `role`.
    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// Roles in their fixed order (engineer, escort, reviewer, admin).
    public var sortedRoles: [Role] { roles.sorted() }

    private enum CodingKeys: String, CodingKey {
        case name, displayName, employer, contractor, citizenships, residence, location, clearance, roles
        case escortTrainingExpires, keys, revokedKeys, disabled, removed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        displayName = try c.decode(String.self, forKey: .displayName)
        employer = try c.decode(String.self, forKey: .employer)
        contractor = try c.decode(String.self, forKey: .contractor)
        citizenships = try c.decode([CountryCode].self, forKey: .citizenships)
        residence = try c.decode(CountryCode.self, forKey: .residence)
        location = try c.decode(CountryCode.self, forKey: .location)
        clearance = try c.decode(Clearance.self, forKey: .clearance)
        roles = Set(try c.decode([Role].self, forKey: .roles))
        escortTrainingExpires = try c.decodeIfPresent(Date.self, forKey: .escortTrainingExpires)
        keys = try c.decodeIfPresent([SSHPublicKey].self, forKey: .keys) ?? []
        revokedKeys = try c.decodeIfPresent([RevokedKey].self, forKey: .revokedKeys) ?? []
        disabled = try c.decodeIfPresent(RegistryMark.self, forKey: .disabled)
        removed = try c.decodeIfPresent(RegistryMark.self, forKey: .removed)
    }

    /// Encodes roles in their fixed order, so the same person always encodes to the same bytes.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(displayName, forKey: .displayName)
        try c.encode(employer, forKey: .employer)
        try c.encode(contractor, forKey: .contractor)
        try c.encode(citizenships, forKey: .citizenships)
        try c.encode(residence, forKey: .residence)
        try c.encode(location, forKey: .location)
        try c.encode(clearance, forKey: .clearance)
        try c.encode(sortedRoles, forKey: .roles)
        try c.encodeIfPresent(escortTrainingExpires, forKey: .escortTrainingExpires)
        try c.encode(keys, forKey: .keys)
        if !revokedKeys.isEmpty { try c.encode(revokedKeys, forKey: .revokedKeys) }
        try c.encodeIfPresent(disabled, forKey: .disabled)
        try c.encodeIfPresent(removed, forKey: .removed)
    }
}
