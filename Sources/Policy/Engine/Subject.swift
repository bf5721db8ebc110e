import EscortCore
import Foundation

/// The person being judged, with the facts the checks need resolved once.
struct Subject {
    var person: Person
    /// Source-address country if the table knows it, else the declared location.
    var effectiveLocation: CountryCode
    var sourceCountry: CountryCode?
    var concern: Set<CountryCode>

    var name: String { person.name }

    /// `CN, a country of concern` or `US`.
    func describe(_ c: CountryCode) -> String {
        concern.contains(c) ? "\(c.code), a country of concern" : c.code
    }

    func check(_ condition: PersonCondition) -> PolicyEvaluationResult {
        switch condition {
        case .citizenshipAnyOf(let set):
            if let c = person.citizenships.first(where: { set.contains($0, concern: concern) }) {
                return .meetsPolicy("\(name) is a citizen of \(describe(c))")
            }
            return .failsToMeetPolicy(reason: "\(name) is not a citizen of \(set.phrase) (citizenships: \(citizenshipList))")
        case .citizenshipAllOf(let set):
            if let c = person.citizenships.first(where: { !set.contains($0, concern: concern) }) {
                return .failsToMeetPolicy(reason: "\(name) is also a citizen of \(describe(c)), which is not \(set.phrase)")
            }
            return .meetsPolicy("every citizenship \(name) holds (\(citizenshipList)) is \(set.phrase)")
        case .citizenshipNoneOf(let set):
            if let c = person.citizenships.first(where: { set.contains($0, concern: concern) }) {
                return .failsToMeetPolicy(reason: "\(name) is a citizen of \(describe(c))")
            }
            return .meetsPolicy("\(name) is not a citizen of \(set.phrase)")
        case .locationIn(let set):
            if set.contains(effectiveLocation, concern: concern) {
                return .meetsPolicy("\(name) is located in \(describe(effectiveLocation))")
            }
            return .failsToMeetPolicy(reason: "\(name) is located in \(describe(effectiveLocation)), not \(set.phrase)")
        case .locationNotIn(let set):
            if set.contains(effectiveLocation, concern: concern) {
                return .failsToMeetPolicy(reason: "\(name) is located in \(describe(effectiveLocation))")
            }
            return .meetsPolicy("\(name) is located in \(effectiveLocation.code), not \(set.phrase)")
        case .residenceIn(let set):
            if set.contains(person.residence, concern: concern) {
                return .meetsPolicy("\(name) resides in \(describe(person.residence))")
            }
            return .failsToMeetPolicy(reason: "\(name) resides in \(describe(person.residence)), not \(set.phrase)")
        case .residenceNotIn(let set):
            if set.contains(person.residence, concern: concern) {
                return .failsToMeetPolicy(reason: "\(name) resides in \(describe(person.residence))")
            }
            return .meetsPolicy("\(name) resides in \(person.residence.code), not \(set.phrase)")
        case .sourceCountryIn(let set):
            guard let source = sourceCountry else {
                return .failsToMeetPolicy(reason: "\(name)'s source address is not mapped to a country")
            }
            if set.contains(source, concern: concern) {
                return .meetsPolicy("\(name) connects from an address in \(describe(source))")
            }
            return .failsToMeetPolicy(reason: "\(name) connects from an address in \(source.code), not \(set.phrase)")
        case .minimumClearance(let min):
            if person.clearance >= min {
                return .meetsPolicy("\(name) holds clearance \(person.clearance.rawValue) (at least \(min.rawValue))")
            }
            return .failsToMeetPolicy(reason: "\(name)'s clearance \(person.clearance.rawValue) is below \(min.rawValue)")
        case .rolesAnyOf(let roles):
            let wanted = roles.sorted().map(\.rawValue).joined(separator: " or ")
            if let r = person.sortedRoles.first(where: roles.contains) {
                return .meetsPolicy("\(name) has the \(r.rawValue) role")
            }
            return .failsToMeetPolicy(reason: "\(name) does not have the \(wanted) role")
        case .employerIn(let employers):
            if employers.contains(person.employer.lowercased()) {
                return .meetsPolicy("\(name) is employed by \(person.employer)")
            }
            return .failsToMeetPolicy(reason: "\(name)'s employer \(person.employer) is not one this rule lists")
        case .contractorIn(let contractors):
            if contractors.contains(person.contractor.lowercased()) {
                return .meetsPolicy("\(name) works under \(person.contractor)")
            }
            return .failsToMeetPolicy(reason: "\(name)'s contractor \(person.contractor) is not one this rule lists")
        }
    }

    func training(at now: Date) -> PolicyEvaluationResult {
        guard let expires = person.escortTrainingExpires else {
            return .failsToMeetPolicy(reason: "\(name) has no escort training on record")
        }
        if now < expires {
            return .meetsPolicy("\(name)'s escort training is valid until \(RegistryDate.format(expires))")
        }
        return .failsToMeetPolicy(reason: "\(name)'s escort training expired at \(RegistryDate.format(expires))")
    }

    private var citizenshipList: String { person.citizenships.map(\.code).joined(separator: ", ") }
}
