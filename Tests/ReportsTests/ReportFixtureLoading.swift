import AuditLog
import EscortCore
import EscortTesting
import Foundation
import Reports
import StoreSQLite

/// The seeded store, its evidence and registries, as the report builders take them.
struct Seeded {
    let dir = TemporaryDirectory(prefix: "escort-reports")
    var store: SQLiteStore!
    var evidence: ReportEvidence!
    var registry: RegistrySnapshot!

    static let concern: Set<CountryCode> = [CountryCode("CN"), CountryCode("RU"), CountryCode("IR"), CountryCode("KP")]

    static func make(through: String = "2026-11-15T00:00:00Z") async throws -> Seeded {
        var s = Seeded()
        s.store = try await ReportFixture.seed(directory: s.dir.path)
        let key = try GatewaySigningKey.load(path: s.dir.file("gateway.key"))
        s.evidence = try await ReportEvidence.load(store: s.store, through: ReportTime.parse(through), pinnedKey: key.publicKey)
        s.registry = try await RegistrySnapshot.load(from: s.store)
        return s
    }

    static var november: ReportPeriod {
        get throws {
            try ReportPeriod(
                from: ReportTime.parseBound(ReportFixture.from, option: "from", endOfDay: false),
                to: ReportTime.parseBound(ReportFixture.to, option: "to", endOfDay: true))
        }
    }
}
