import EscortCore
import EscortTesting
import Foundation
import Store
import Testing

/// The registry's newer fields (marks, revoked keys, a target's workload) keep stored bodies
/// readable both ways, and a workload is checked before it is stored.
@Suite("Registry model: changes and workload")
struct RegistryChangeModelTests {
    @Test func aBodyStoredBeforeTheNewFieldsReadsBackAndEncodesTheSame() throws {
        let target = Target(name: "db1", impactLevel: .il5, owner: "ops", connection: .localShell)
        let oldTarget = #"{"connection":{"localShell":{}},"impactLevel":"IL5","name":"db1","owner":"ops"}"#
        #expect(try StoredJSON.encode(target) == oldTarget, "a target without the new fields must encode as before")
        #expect(try StoredJSON.decode(Target.self, oldTarget, "target") == target)
        let person = RegistryStoreConformance.person("amy", keys: [RegistryStoreConformance.key(1)])
        let body = try StoredJSON.encode(person)
        #expect(!body.contains("revokedKeys") && !body.contains("disabled") && !body.contains("removed"))
        var changed = person
        changed.disabled = RegistryMark(at: Date(timeIntervalSince1970: 1_800_000_000), by: "root", reason: "why")
        changed.revokedKeys = [RevokedKey(key: RegistryStoreConformance.key(2), mark: changed.disabled!)]
        #expect(try StoredJSON.decode(Person.self, try StoredJSON.encode(changed), "person") == changed)
        #expect(!changed.isEnabled && changed.unavailableReason?.hasPrefix("amy is disabled in the registry at 2027-01-15T08:00:00Z by root: why") == true)
    }

    @Test(arguments: [
        (TargetWorkload(services: ["app", "nginx@1", "app.worker"], appDirectories: ["/opt/app"], databases: ["orders_db"],
                        networks: ["10.20.0.0/16", "fd00::/8", "192.168.1.7", "db1.internal"]), nil),
        (TargetWorkload(services: ["app; rm -rf /"]), "service"),
        (TargetWorkload(appDirectories: ["opt/app"]), "app-dir"),
        (TargetWorkload(appDirectories: ["/opt/../etc"]), "app-dir"),
        (TargetWorkload(databases: ["a b"]), "database"),
        (TargetWorkload(networks: ["10.20.0.0/33"]), "network"),
        (TargetWorkload(networks: ["300.1.1.1"]), "network"),
        (TargetWorkload(networks: ["fd00::/129"]), "network"),
        (TargetWorkload(services: ["app", "app"]), "service"),
    ] as [(TargetWorkload, String?)])
    func aWorkloadIsChecked(_ w: TargetWorkload, _ field: String?) {
        do {
            try w.validate()
            #expect(field == nil, "\(w) was accepted")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }
}
