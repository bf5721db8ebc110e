import EscortCore
import Foundation
import Policy
import Store

/// The registry as JSON: what `person|target|ticket list --format json` print and `escort
/// registry export|import` write and read. Everything needed to re-create each entry is there
/// (public keys as `authorized_keys` lines, not only fingerprints; removed entries with their
/// marks); a store's private data (the gateway's target keys) is named by path only.
struct RegistryFile: Codable {
    static let formatName = "escort-registry"
    static let currentVersion = 1

    var format = formatName
    var version = currentVersion
    var exportedAt: Date?
    var people: [PersonEntry]
    var targets: [TargetEntry]
    var tickets: [TicketEntry]
    var consoleCredentials: [CredentialEntry]?

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        // Whole seconds (everything typed at the command line) as RFC 3339 text; anything finer
        // as Unix seconds, so that an export and import give back the same instant exactly.
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            let s = date.timeIntervalSince1970
            if s == s.rounded(), Date(timeIntervalSince1970: s) == date {
                try c.encode(RegistryDate.format(date))
            } else {
                try c.encode(s)
            }
        }
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            if let seconds = try? c.decode(Double.self) { return Date(timeIntervalSince1970: seconds) }
            let text = try c.decode(String.self)
            do throws(RegistryError) { return try RegistryDate.parse(text, field: "date", dateMeansEndOfDay: false) } catch {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: error.message)
            }
        }
        return d
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The file's contents as the store takes them; every entry checked, errors naming it.
    func contents() throws -> RegistryContents {
        guard format == Self.formatName else {
            throw RegistryError(.invalidField, "not an Escort registry export (format \"\(format)\", want \"\(Self.formatName)\")", field: "format")
        }
        guard version == Self.currentVersion else {
            throw RegistryError(.invalidField, "registry export version \(version) is not one this Escort reads (\(Self.currentVersion))", field: "version")
        }
        return RegistryContents(
            people: try people.enumerated().map { i, p in
                do { return try p.person() } catch let e as RegistryError { throw e.prefixed("person \(i + 1) (\(p.name))") }
            },
            targets: try targets.enumerated().map { i, t in
                do { return try t.target() } catch let e as RegistryError { throw e.prefixed("target \(i + 1) (\(t.name))") }
            },
            tickets: tickets.map { $0.ticket() },
            credentials: (consoleCredentials ?? []).map { $0.credential() })
    }

    init(_ c: RegistryContents, exportedAt: Date?) {
        self.exportedAt = exportedAt
        people = c.people.map(PersonEntry.init)
        targets = c.targets.map(TargetEntry.init)
        tickets = c.tickets.map(TicketEntry.init)
        consoleCredentials = c.credentials.map(CredentialEntry.init)
    }
}

struct MarkEntry: Codable {
    var at: Date
    var by: String
    var reason: String

    init(_ m: RegistryMark) { at = m.at; by = m.by; reason = m.reason }
    var mark: RegistryMark { RegistryMark(at: at, by: by, reason: reason) }
}

struct KeyEntry: Codable {
    var algorithm: String?
    var fingerprint: String?
    var comment: String?
    /// The key as one `authorized_keys` line: what re-creates it.
    var publicKey: String
    var revoked: MarkEntry?

    init(_ k: SSHPublicKey, revoked: RegistryMark? = nil) {
        algorithm = k.algorithm
        fingerprint = k.fingerprint
        comment = k.comment
        publicKey = k.openSSHLine
        self.revoked = revoked.map(MarkEntry.init)
    }

    func key() throws -> SSHPublicKey { try SSHPublicKey.parse(authorizedKeysLine: publicKey) }
}

struct PersonEntry: Codable {
    var name: String
    var displayName: String
    var employer: String
    var contractor: String
    var citizenships: [String]
    var residence: String
    var location: String
    var clearance: String
    var roles: [String]
    var escortTrainingExpires: Date?
    var keys: [KeyEntry]
    var revokedKeys: [KeyEntry]?
    var disabled: MarkEntry?
    var removed: MarkEntry?

    init(_ p: Person) {
        name = p.name
        displayName = p.displayName
        employer = p.employer
        contractor = p.contractor
        citizenships = p.citizenships.map(\.code)
        residence = p.residence.code
        location = p.location.code
        clearance = p.clearance.rawValue
        roles = p.sortedRoles.map(\.rawValue)
        escortTrainingExpires = p.escortTrainingExpires
        keys = p.keys.map { KeyEntry($0) }
        revokedKeys = p.revokedKeys.isEmpty ? nil : p.revokedKeys.map { KeyEntry($0.key, revoked: $0.mark) }
        disabled = p.disabled.map(MarkEntry.init)
        removed = p.removed.map(MarkEntry.init)
    }

    func person() throws -> Person {
        var p = Person(
            name: name, displayName: displayName, employer: employer, contractor: contractor,
            citizenships: try citizenships.map { try CountryCode(validating: $0) },
            residence: try CountryCode(validating: residence), location: try CountryCode(validating: location),
            clearance: try Clearance(validating: clearance), roles: Set(try roles.map { try Role(validating: $0) }),
            escortTrainingExpires: escortTrainingExpires, keys: try keys.map { try $0.key() })
        p.revokedKeys = try (revokedKeys ?? []).map { e in
            guard let mark = e.revoked?.mark else {
                throw RegistryError(.invalidField, "revoked key \(e.fingerprint ?? e.publicKey) has no \"revoked\" mark", field: "revoked_keys")
            }
            return RevokedKey(key: try e.key(), mark: mark)
        }
        p.disabled = disabled?.mark
        p.removed = removed?.mark
        return try p.validated()
    }
}

struct TargetEntry: Codable {
    var name: String
    var impactLevel: String
    var owner: String
    /// `local` or `ssh`.
    var connection: String
    var sshHost: String?
    var sshPort: Int?
    var sshUser: String?
    /// Where the gateway keeps the private key it logs in with (the key itself never leaves it).
    var sshKey: String?
    var sshHostKey: String?
    var services: [String]?
    var appDirectories: [String]?
    var databases: [String]?
    var networks: [String]?
    var disabled: MarkEntry?
    var removed: MarkEntry?

    init(_ t: Target) {
        name = t.name
        impactLevel = t.impactLevel.rawValue
        owner = t.owner
        switch t.connection {
        case .localShell:
            connection = "local"
        case .ssh(let host, let port, let user, let keyPath):
            connection = "ssh"
            sshHost = host
            sshPort = port
            sshUser = user
            sshKey = keyPath
        }
        sshHostKey = t.sshHostKey
        services = t.workload.services
        appDirectories = t.workload.appDirectories
        databases = t.workload.databases
        networks = t.workload.networks
        disabled = t.disabled.map(MarkEntry.init)
        removed = t.removed.map(MarkEntry.init)
    }

    func target() throws -> Target {
        guard let level = ImpactLevel(parsing: impactLevel) else {
            throw RegistryError(.invalidField, "unknown impact level \"\(impactLevel)\" (use IL2, IL4, IL5 or IL6)", field: "impact_level")
        }
        let c: TargetConnection
        switch connection {
        case "local": c = .localShell
        case "ssh": c = .ssh(host: sshHost ?? "", port: sshPort ?? 22, user: sshUser ?? "", keyPath: sshKey ?? "")
        default: throw RegistryError(.invalidField, "connection \"\(connection)\" is neither local nor ssh", field: "connection")
        }
        var t = Target(
            name: name, impactLevel: level, owner: owner, connection: c, sshHostKey: sshHostKey,
            workload: TargetWorkload(services: services ?? [], appDirectories: appDirectories ?? [], databases: databases ?? [], networks: networks ?? []))
        t.disabled = disabled?.mark
        t.removed = removed?.mark
        return try t.validated()
    }
}

struct TicketEntry: Codable {
    var id: String
    var person: String
    var target: String
    var validFrom: Date
    var validUntil: Date
    var reason: String
    var grantedBy: String
    var revokedAt: Date?

    init(_ t: Ticket) {
        id = t.id
        person = t.person
        target = t.target
        validFrom = t.validFrom
        validUntil = t.validUntil
        reason = t.reason
        grantedBy = t.grantedBy
        revokedAt = t.revokedAt
    }

    func ticket() -> Ticket {
        Ticket(id: id, person: person, target: target, validFrom: validFrom, validUntil: validUntil, reason: reason, grantedBy: grantedBy, revokedAt: revokedAt)
    }
}

/// A web-console account: the password's scrypt hash (never the password) and the TOTP secret.
struct CredentialEntry: Codable {
    var person: String
    var passwordHash: String
    var totpSecret: String?
    var updated: Date

    init(_ c: ConsoleCredential) {
        person = c.person
        passwordHash = c.passwordHash
        totpSecret = c.totpSecret
        updated = c.updated
    }

    func credential() -> ConsoleCredential {
        ConsoleCredential(person: person, passwordHash: passwordHash, totpSecret: totpSecret, updated: updated)
    }
}
