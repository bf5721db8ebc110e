import AuditLog
import EscortCore
import Foundation

/// What a report needs to know about a person: who employs them and where they belong. Taken
/// from the audit log's `registry.changed` records as they stood at the time of a session, or
/// from the registry when the log holds no such record.
public struct PersonFacts: Sendable, Hashable {
    public var name: String
    public var displayName: String
    public var employer: String
    public var contractor: String
    /// ISO codes.
    public var citizenships: [String]
    public var residence: String
    /// `registry` or `audit record N`.
    public var source: String

    public init(_ p: Person) {
        name = p.name
        displayName = p.displayName
        employer = p.employer
        contractor = p.contractor
        citizenships = p.citizenships.map(\.code)
        residence = p.residence.code
        source = "registry"
    }

    /// Reads a person as `escort person add|import` records it (`registryJSON`); nil if the
    /// object lacks a field the reports need.
    public init?(json: [String: JSONValue], source: String) {
        guard let name = json["name"]?.stringValue, let contractor = json["contractor"]?.stringValue,
            let citizenships = json["citizenships"]?.arrayValue?.compactMap(\.stringValue), !citizenships.isEmpty,
            let residence = json["residence"]?.stringValue
        else { return nil }
        self.name = name
        displayName = json["display_name"]?.stringValue ?? name
        employer = json["employer"]?.stringValue ?? "unknown"
        self.contractor = contractor
        self.citizenships = citizenships
        self.residence = residence
        self.source = source
    }
}

/// Every version of every person the log records, by time.
struct PersonHistory: Sendable {
    private var versions: [String: [(time: Date, facts: PersonFacts)]] = [:]

    /// Reads `registry.changed` records: any `person` object, and every element of a `people` list.
    init(changes: [AuditRecord]) {
        for r in changes {
            guard let time = ReportTime.parse(r.time) else { continue }
            var objects: [[String: JSONValue]] = []
            if let o = r.fields["person"]?.objectValue { objects.append(o) }
            objects += r.fields["people"]?.arrayValue?.compactMap(\.objectValue) ?? []
            for o in objects {
                guard let f = PersonFacts(json: o, source: "audit record \(r.sequence)") else { continue }
                versions[f.name, default: []].append((time, f))
            }
        }
    }

    /// The version in force at `date` (the latest recorded at or before it).
    func facts(of person: String, at date: Date) -> PersonFacts? {
        versions[person]?.last { $0.time <= date }?.facts
    }
}
