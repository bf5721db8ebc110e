import EscortCore

/// One test a rule makes of a person. A rule matches when every one of its conditions is met.
///
/// Written in the policy file as keys of the rule (see `docs/policy.md`):
/// `citizenship_any_of`, `citizenship_all_of`, `citizenship_none_of`, `location_in`,
/// `location_not_in`, `residence_in`, `residence_not_in`, `source_country_in`,
/// `min_clearance`, `roles_any_of`, `employer_in`, `contractor_in`.
public enum PersonCondition: Sendable, Hashable {
    /// At least one of the person's citizenships is in the set.
    case citizenshipAnyOf(CountrySet)
    /// Every one of the person's citizenships is in the set.
    case citizenshipAllOf(CountrySet)
    /// None of the person's citizenships is in the set.
    case citizenshipNoneOf(CountrySet)
    /// The effective location (source-address country if known, else the declared one) is in the set.
    case locationIn(CountrySet)
    /// The effective location is not in the set.
    case locationNotIn(CountrySet)
    /// The country of residence is in the set.
    case residenceIn(CountrySet)
    /// The country of residence is not in the set.
    case residenceNotIn(CountrySet)
    /// The source address maps (through the IP table) to a country in the set. Never met when
    /// the address is loopback, private or not in the table.
    case sourceCountryIn(CountrySet)
    /// The person's clearance is at least this.
    case minimumClearance(Clearance)
    /// The person holds at least one of these roles.
    case rolesAnyOf(Set<Role>)
    /// The person's employer is one of these (exact, case-insensitive).
    case employerIn(Set<String>)
    /// The person's contractor is one of these (exact, case-insensitive).
    case contractorIn(Set<String>)

    /// The policy-file keys, in the order they are read.
    static let keys = [
        "citizenship_any_of", "citizenship_all_of", "citizenship_none_of", "location_in", "location_not_in",
        "residence_in", "residence_not_in", "source_country_in", "min_clearance", "roles_any_of", "employer_in",
        "contractor_in",
    ]

    /// Reads every condition key present in `reader`.
    static func read(_ reader: inout TableReader) throws(PolicyError) -> [PersonCondition] {
        var out: [PersonCondition] = []
        let sets: [(String, (CountrySet) -> PersonCondition)] = [
            ("citizenship_any_of", PersonCondition.citizenshipAnyOf),
            ("citizenship_all_of", PersonCondition.citizenshipAllOf),
            ("citizenship_none_of", PersonCondition.citizenshipNoneOf),
            ("location_in", PersonCondition.locationIn),
            ("location_not_in", PersonCondition.locationNotIn),
            ("residence_in", PersonCondition.residenceIn),
            ("residence_not_in", PersonCondition.residenceNotIn),
            ("source_country_in", PersonCondition.sourceCountryIn),
        ]
        for (key, make) in sets {
            if let s = try reader.countrySet(key) { out.append(make(s)) }
        }
        if let c = try reader.string("min_clearance") {
            do { out.append(.minimumClearance(try Clearance(validating: c))) } catch {
                throw PolicyError(.invalidValue, error.message, field: reader.keyPath("min_clearance"))
            }
        }
        if let roles = try reader.strings("roles_any_of") {
            var set = Set<Role>()
            for (i, r) in roles.enumerated() {
                do { set.insert(try Role(validating: r)) } catch {
                    throw PolicyError(.invalidValue, error.message, field: "\(reader.keyPath("roles_any_of"))[\(i)]")
                }
            }
            out.append(.rolesAnyOf(set))
        }
        if let e = try reader.strings("employer_in") { out.append(.employerIn(Set(e.map { $0.lowercased() }))) }
        if let c = try reader.strings("contractor_in") { out.append(.contractorIn(Set(c.map { $0.lowercased() }))) }
        return out
    }
}
