import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import Operations
import Policy
import Store

/// Options shared by the registry commands (`person`, `target`, `ticket`, `policy`).
struct RegistryOptions: ParsableArguments {
    @Option(name: .long, help: "The gateway's escort.toml: the store, its password and the signing key come from it (flags given here win).")
    var config: String?

    @Option(name: .long, help: "The gateway's store: a SQLite file (default escort.sqlite, created if missing) or postgres://user@host:port/database (see docs/storage.md).")
    var store: String = "escort.sqlite"

    @Option(name: .long, help: "A file holding the PostgreSQL password (else the URL's, else $ESCORT_STORE_PASSWORD).")
    var storePasswordFile: String?

    @Option(name: .long, help: "The environment variable holding the PostgreSQL password (default ESCORT_STORE_PASSWORD).")
    var storePasswordEnv: String?

    @Option(name: .long, help: "The gateway's Ed25519 signing key for the audit log (default: --config's audit.signing_key, else gateway.key next to a SQLite store, made only for a new store's empty log, never for a path given here or in --config; required with a PostgreSQL store unless --config names it).")
    var signingKey: String?

    @Option(name: .long, help: "Who makes the change, as recorded in the audit log (default: $USER).")
    var actor: String?

    /// Takes from `--config` what the command line left out: the same store and key as `escort serve`.
    mutating func validate() throws {
        guard let config else { return }
        let file: ServeConfiguration
        do {
            file = try ServeConfiguration.load(path: config)
        } catch {
            throw ValidationError("\(error)")
        }
        if store == "escort.sqlite", let location = file.storeLocation { store = location }
        if storePasswordFile == nil, storePasswordEnv == nil {
            storePasswordFile = file.storePasswordFile
            storePasswordEnv = file.storePasswordEnvironmentVariable
        }
        if signingKey == nil { signingKey = file.signingKey }
    }

    /// `--signing-key` (or --config's), else gateway.key beside a SQLite store (a PostgreSQL store has no default).
    func signingKeyPath() throws -> String {
        try signingKey ?? SigningKeyOpening.defaultPath(forStore: store)
    }

    /// The signing key for `store` (see ``SigningKeyOpening``: never made up for a typed path).
    func signingKey(for store: any AuditStore) async throws -> GatewaySigningKey {
        try await SigningKeyOpening.key(path: try signingKeyPath(), explicit: signingKey != nil, store: store)
    }

    /// The store `--store` names.
    func location() throws -> StoreLocation {
        try StoreLocation(store, passwordFile: storePasswordFile, passwordVariable: storePasswordEnv ?? StoreLocation.passwordVariable)
    }

    var actorName: String { actor ?? ProcessInfo.processInfo.environment["USER"] ?? "admin" }

    /// Runs `body` on the opened store, then closes it (a PostgreSQL store's pool included).
    func withStore<T>(_ body: (any EscortStore) async throws -> T) async throws -> T {
        let location = try location()
        try location.checkOwner(signingKey: (try? signingKeyPath()) ?? "")
        return try await location.open(create: true).using(body)
    }

    /// Makes a registry change and records it: the signing key and the audit log are opened
    /// first (so a bad key changes nothing), then `change` runs and returns the fields that
    /// changed, then a `registry.changed` event with them is appended and the log closed with
    /// a signed checkpoint.
    ///
    /// - Parameter actor: who makes the change, looked up in the store before the change (by
    ///   default ``actorName``).
    func recordingChange(
        _ action: String, actor: ((any EscortStore) async throws -> String)? = nil,
        change: (any EscortStore) async throws -> [String: AuditValue]
    ) async throws {
        let location = try location()
        try location.checkOwner(signingKey: (try? signingKeyPath()) ?? "")
        let opened = try await location.open(create: true)
        let store = opened.store
        do {
            let key = try await signingKey(for: store)
            let log = try await AuditLog.open(store: store, key: key)
            var all: [String: AuditValue]
            let who: String
            do {
                who = try await actor?(store) ?? actorName
                all = try await change(store)
            } catch {
                _ = try? await log.close()
                throw error
            }
            all["action"] = .string(action)
            _ = try await log.append(AuditEvent(code: .registryChanged, actor: who, fields: all))
            try await log.close()
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }
}

/// Options naming the policy and IP table (`escort policy …`).
struct PolicyOptions: ParsableArguments {
    @Option(name: .long, help: "The policy file (TOML; default: the policy bundled with Escort).")
    var policy: String?

    @Option(name: .long, help: "An IP-to-country CSV (start,end,country; default: the bundled TEST table of documentation ranges).")
    var ipTable: String?

    func engine() throws -> PolicyEngine {
        let document = try policy.map { try PolicyDocument.load(path: $0) } ?? PolicyDocument.bundledDefault()
        let table = try ipTable.map { try IPCountryTable.load(path: $0) } ?? IPCountryTable.bundledTest()
        return PolicyEngine(document: document, ipTable: table)
    }
}

/// Reads a date option: `2027-06-30` or ISO 8601.
func parseDate(_ text: String, option: String, endOfDay: Bool) throws -> Date {
    try RegistryDate.parse(text, field: option, dateMeansEndOfDay: endOfDay)
}

extension Person {
    /// The person for the audit log and `--format json`: every field, keys as fingerprints.
    var registryJSON: [String: AuditValue] {
        var out: [String: AuditValue] = [
            "name": .string(name), "display_name": .string(displayName), "employer": .string(employer),
            "contractor": .string(contractor), "citizenships": .array(citizenships.map { .string($0.code) }),
            "residence": .string(residence.code), "location": .string(location.code), "clearance": .string(clearance.rawValue),
            "roles": .array(sortedRoles.map { .string($0.rawValue) }),
            "escort_training_expires": escortTrainingExpires.map { .string(RegistryDate.format($0)) } ?? .null,
            "keys": .array(keys.map { .object(["algorithm": .string($0.algorithm), "fingerprint": .string($0.fingerprint), "comment": .string($0.comment)]) }),
        ]
        if !revokedKeys.isEmpty {
            out["revoked_keys"] = .array(revokedKeys.map { r in
                .object(["fingerprint": .string(r.key.fingerprint), "comment": .string(r.key.comment), "revoked": r.mark.registryJSON])
            })
        }
        if let disabled { out["disabled"] = disabled.registryJSON }
        if let removed { out["removed"] = removed.registryJSON }
        return out
    }
}

extension RegistryMark {
    var registryJSON: AuditValue {
        .object(["at": .string(RegistryDate.format(at)), "by": .string(by), "reason": .string(reason)])
    }
}

extension Target {
    /// The target for the audit log: never the key, only where it is kept.
    var registryJSON: [String: AuditValue] {
        var out: [String: AuditValue] = [
            "name": .string(name), "impact_level": .string(impactLevel.rawValue), "owner": .string(owner),
            "connection": .string(connection.summary),
        ]
        if case .ssh(_, _, _, let keyPath) = connection { out["ssh_key_path"] = .string(keyPath) }
        if let sshHostKey { out["ssh_host_key"] = .string(sshHostKey) }
        if !workload.services.isEmpty { out["services"] = .array(workload.services.map { .string($0) }) }
        if !workload.appDirectories.isEmpty { out["app_directories"] = .array(workload.appDirectories.map { .string($0) }) }
        if !workload.databases.isEmpty { out["databases"] = .array(workload.databases.map { .string($0) }) }
        if !workload.networks.isEmpty { out["networks"] = .array(workload.networks.map { .string($0) }) }
        if let disabled { out["disabled"] = disabled.registryJSON }
        if let removed { out["removed"] = removed.registryJSON }
        return out
    }
}

extension Ticket {
    var registryJSON: [String: AuditValue] {
        [
            "id": .string(id), "person": .string(person), "target": .string(target),
            "valid_from": .string(RegistryDate.format(validFrom)), "valid_until": .string(RegistryDate.format(validUntil)),
            "reason": .string(reason), "granted_by": .string(grantedBy),
            "revoked_at": revokedAt.map { .string(RegistryDate.format($0)) } ?? .null,
        ]
    }
}

/// Pads `rows` into aligned columns.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }.joined(separator: "\n")
}
