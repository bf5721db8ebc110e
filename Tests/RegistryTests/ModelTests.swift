import EscortCore
import Foundation
import Testing

@Suite("Registry values")
struct ModelTests {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAVmjtaDN//BAZ3dtYqrI/w8+kTQbb3FL3pUjjYMQTHX alice@laptop"
    static let ecdsa384 = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBBXZjiTXflNbLvNujbTbdPyXpo2mBcAW6HP5/yJOaIUFD487oioK+0tXzJs4K+RDR2C+YytVzEGFYGLn+LnKKV9OrzBJNot+WupVuMgdAcMjaJbxaOqGjEnilb7ZRIYp9A== e"

    @Test func countryCodes() throws {
        #expect(try CountryCode(validating: "us").code == "US")
        #expect(try CountryCode(validating: " gb ").name == "Britain (UK)")
        #expect(CountryCode.all.count == 249)
        do {
            _ = try CountryCode(validating: "XX")
            Issue.record("XX accepted")
        } catch {
            #expect(error.code == .unknownCountry)
            #expect(error.message == "unknown country code \"XX\" (use ISO 3166-1 alpha-2, e.g. US, GB, CN)")
        }
        #expect(throws: RegistryError.self) { try CountryCode(validating: "USA") }
        let json = try JSONEncoder().encode([CountryCode("CN")])
        #expect(String(decoding: json, as: UTF8.self) == #"["CN"]"#)
        #expect(throws: (any Error).self) { try JSONDecoder().decode([CountryCode].self, from: Data(#"["ZZ"]"#.utf8)) }
    }

    @Test func clearancesAreOrdered() throws {
        #expect(Clearance.allCases.map(\.rawValue) == ["none", "public-trust", "confidential", "secret", "top-secret", "ts-sci"])
        #expect(Clearance.secret > .confidential && Clearance.tsSCI > .topSecret && Clearance.none < .publicTrust)
        #expect(try Clearance(validating: "TS_SCI") == .tsSCI)
        #expect(throws: RegistryError.self) { try Clearance(validating: "cosmic") }
    }

    @Test func loginNames() {
        for ok in ["alice", "a", "j.doe", "svc_db-2", String(repeating: "a", count: 32)] { #expect(LoginName.isValid(ok), "\(ok)") }
        for bad in ["", "Alice", "1abc", "alice+db1", "a b", "é", String(repeating: "a", count: 33), "-x"] {
            #expect(!LoginName.isValid(bad), "\(bad)")
        }
    }

    @Test func parsesAcceptedKeysAndRoundTrips() throws {
        let k = try SSHPublicKey.parse(authorizedKeysLine: Self.ed25519)
        #expect(k.algorithm == "ssh-ed25519")
        #expect(k.comment == "alice@laptop")
        #expect(k.blob.count == 51)
        #expect(k.openSSHLine == Self.ed25519)
        let e = try SSHPublicKey.parse(authorizedKeysLine: Self.ecdsa384 + "\n")
        #expect(e.algorithm == "ecdsa-sha2-nistp384")
        #expect(try SSHPublicKey.parse(authorizedKeysLine: e.openSSHLine) == e)
        #expect(try SSHPublicKey(blob: k.blob, comment: "x").algorithm == "ssh-ed25519")
    }

    struct BadKey: CustomTestStringConvertible, Sendable {
        var line: String
        var code: RegistryError.Code
        var says: String
        var testDescription: String { String(line.prefix(40)) }
    }

    static let badKeys: [BadKey] = [
        BadKey(line: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCvyR6T6UiW r@x", code: .unsupportedKeyType, says: "ssh-keygen -t ed25519 -f ~/.ssh/escort_ed25519"),
        BadKey(line: "ssh-dss AAAAB3NzaC1kc3M= d@x", code: .unsupportedKeyType, says: "DSA keys"),
        BadKey(line: "ssh-ed25519-cert-v01@openssh.com AAAA c@x", code: .unsupportedKeyType, says: "certificates are not accepted at user authentication"),
        BadKey(line: "sk-ssh-ed25519@openssh.com AAAA s@x", code: .unsupportedKeyType, says: "security-key"),
        BadKey(line: "ssh-ed25519 !!!notbase64", code: .invalidKey, says: "not valid base64"),
        BadKey(line: "ssh-ed25519", code: .invalidKey, says: "no base64 key"),
        BadKey(line: "", code: .invalidKey, says: "empty"),
        BadKey(line: "from=\"10.0.0.1\" " + ModelTests.ed25519, code: .invalidKey, says: "options"),
        // An ECDSA blob relabelled as Ed25519.
        BadKey(line: "ssh-ed25519 " + ModelTests.ecdsa384.split(separator: " ")[1], code: .invalidKey, says: "the key inside is ecdsa-sha2-nistp384"),
        // An Ed25519 blob cut short.
        BadKey(line: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAVmjtaDN//BAZ3dtYqrI/w8", code: .invalidKey, says: "malformed"),
        BadKey(line: "ssh-foo AAAA", code: .invalidKey, says: "unknown SSH key type"),
    ]

    @Test(arguments: badKeys)
    func rejectsKeys(_ b: BadKey) {
        do {
            _ = try SSHPublicKey.parse(authorizedKeysLine: b.line)
            Issue.record("accepted")
        } catch {
            #expect(error.code == b.code, "\(error)")
            #expect(error.message.contains(b.says), "\(error)")
        }
    }

    @Test func ticketsAreActiveInsideTheirWindowUntilRevoked() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var t = Ticket(person: "alice", target: "db1", validFrom: t0, validUntil: t0 + 100, reason: "r", grantedBy: "root")
        #expect(t.id.hasPrefix("T-") && t.id.count == 10)
        #expect(!t.isActive(at: t0 - 1) && t.isActive(at: t0) && t.isActive(at: t0 + 99) && !t.isActive(at: t0 + 100))
        t.revokedAt = t0 + 50
        #expect(t.isActive(at: t0 + 49) && !t.isActive(at: t0 + 50))
        #expect(Ticket.newID() != Ticket.newID())
    }

    @Test func personJSONRoundTripsWithSortedRoles() throws {
        let p = Person(
            name: "alice", displayName: "Alice A", employer: "Acme", contractor: "Prime", citizenships: [CountryCode("US")],
            residence: CountryCode("US"), location: CountryCode("US"), clearance: .secret, roles: [.reviewer, .engineer, .escort],
            escortTrainingExpires: Date(timeIntervalSince1970: 1_900_000_000.5), keys: [try SSHPublicKey.parse(authorizedKeysLine: Self.ed25519)])
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        e.dateEncodingStrategy = .secondsSince1970
        let data = try e.encode(p)
        #expect(String(decoding: data, as: UTF8.self).contains(#""roles":["engineer","escort","reviewer"]"#))
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        #expect(try d.decode(Person.self, from: data) == p)
    }

    @Test func targetValidation() throws {
        let ok = Target(name: "db1", impactLevel: .il5, owner: "ops", connection: .ssh(host: "db1", port: 22, user: "deploy", keyPath: "/k"),
                        sshHostKey: Self.ed25519)
        #expect(throws: Never.self) { try ok.validated() }
        var bad = ok
        bad.sshHostKey = nil
        #expect(throws: RegistryError.self) { try bad.validated() }
        bad.sshHostKey = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ"
        #expect(throws: RegistryError.self) { try bad.validated() }
        #expect(throws: RegistryError.self) {
            try Target(name: "web", impactLevel: .il2, owner: "ops", connection: .localShell, sshHostKey: Self.ed25519).validated()
        }
        // Targets stored before host keys were pinned still read back (without a pin).
        let old = #"{"name":"db1","impactLevel":"IL5","owner":"ops","connection":{"ssh":{"host":"db1","port":22,"user":"deploy","keyPath":"/k"}}}"#
        #expect(try JSONDecoder().decode(Target.self, from: Data(old.utf8)).sshHostKey == nil)
        bad = ok
        bad.connection = .ssh(host: "db1", port: 70000, user: "deploy", keyPath: "/k")
        #expect(throws: RegistryError.self) { try bad.validated() }
        bad = ok
        bad.name = "DB1"
        #expect(throws: RegistryError.self) { try bad.validated() }
    }
}
