import EscortCore
import Foundation
import Policy

/// Plain values for the engine tests.
enum F {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600

    static func person(
        _ name: String, _ citizenships: [CountryCode] = [CountryCode("US")], residence: CountryCode = CountryCode("US"),
        location: CountryCode = CountryCode("US"), clearance: Clearance = .secret, roles: Set<Role> = [.engineer],
        training: Date? = nil, employer: String = "Acme", contractor: String = "Prime Co"
    ) -> Person {
        Person(
            name: name, displayName: name.capitalized, employer: employer, contractor: contractor,
            citizenships: citizenships, residence: residence, location: location, clearance: clearance, roles: roles,
            escortTrainingExpires: training)
    }

    static func target(_ name: String, _ level: ImpactLevel) -> Target {
        Target(name: name, impactLevel: level, owner: "ops", connection: .localShell)
    }

    static func ticket(_ person: String, _ target: String, from: TimeInterval = -hour, until: TimeInterval = hour, revoked: TimeInterval? = nil) -> Ticket {
        Ticket(
            id: "T-TEST\(Int(from))", person: person, target: target, validFrom: now + from, validUntil: now + until,
            reason: "CHG-1", grantedBy: "root", revokedAt: revoked.map { now + $0 })
    }

    static let defaultEngine: PolicyEngine = {
        do {
            return PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: try IPCountryTable.bundledTest())
        } catch {
            preconditionFailure("bundled policy: \(error)")
        }
    }()
}
