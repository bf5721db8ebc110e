/// What a person may do in Escort. A person can hold several roles.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Does the support work on targets.
    case engineer
    /// Watches sessions and approves or refuses held commands.
    case escort
    /// The technical reviewer: the second approver for the riskiest commands.
    case reviewer
    /// Owns policy and the registries.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }

    /// Parses a role name.
    ///
    /// - Throws: ``RegistryError`` `.unknownRole` naming the accepted values.
    public init(validating text: String) throws(RegistryError) {
        let t = text.trimmingASCIIWhitespace().lowercased()
        guard let r = Role(rawValue: t) else {
            throw RegistryError(
                .unknownRole,
                "unknown role \"\(text)\" (use one of: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: "role")
        }
        self = r
    }
}
