import EscortCore
import Policy
import Testing

@Suite("IP-to-country table")
struct IPCountryTableTests {
    @Test func bundledTestTableMapsDocumentationRanges() throws {
        let t = try IPCountryTable.bundledTest()
        #expect(t.country(for: "192.0.2.1") == CountryCode("US"))
        #expect(t.country(for: "198.51.100.127") == CountryCode("GB"))
        #expect(t.country(for: "198.51.100.128") == CountryCode("DE"))
        #expect(t.country(for: "203.0.113.5") == CountryCode("CN"))
        #expect(t.country(for: "2001:db8::abcd") == CountryCode("US"))
        #expect(t.country(for: "[2001:db8:2::1]:2222") == CountryCode("CN"))
        #expect(t.country(for: "203.0.113.5:51000") == CountryCode("CN"))
        #expect(t.country(for: "::ffff:192.0.2.9") == CountryCode("US"))
        #expect(t.country(for: "8.8.8.8") == nil)
        #expect(t.country(for: "not an address") == nil)
        #expect(IPCountryTable.empty.country(for: "192.0.2.1") == nil)
    }

    @Test func readsTheCommonFreeFileShapes() throws {
        // Quoted decimal ranges with a name column (as in the free IP2Location LITE files),
        // dotted ranges without a header, IPv6, and unassigned rows.
        let t = try IPCountryTable.parse(csv: """
            "16777216","16777471","AU","Australia"
            "16777472","16778239","ZZ","-"
            1.0.4.0,1.0.7.255,AU
            2a00:1450::,2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff,IE
            "281470698524672","281470698524927","JP","Japan"
            """)
        #expect(t.count == 4)
        #expect(t.country(for: "1.0.0.1") == CountryCode("AU"))
        #expect(t.country(for: "1.0.1.1") == nil)
        #expect(t.country(for: "1.0.5.5") == CountryCode("AU"))
        #expect(t.country(for: "2a00:1450:4001::1") == CountryCode("IE"))
        #expect(t.country(for: "1.0.16.1") == CountryCode("JP"))
    }

    @Test(arguments: [
        ("start,end,country\n1.2.3.4,1.2.3.9,XX\n", "line 2"),
        ("start,end,country\n1.2.3.9,1.2.3.4,US\n", "line 2"),
        ("start,end,country\n1.2.3.4,1.2.3.999,US\n", "line 2"),
        ("1.2.3.0,1.2.3.255,US\n1.2.3.4\n", "line 2"),
    ])
    func rejectsBadLines(_ csv: String, _ line: String) {
        do {
            _ = try IPCountryTable.parse(csv: csv)
            Issue.record("parsed")
        } catch {
            #expect(error.code == .badIPTable)
            #expect(error.field == line, "\(error)")
        }
    }

    @Test func rejectsOverlaps() {
        #expect(throws: PolicyError.self) {
            try IPCountryTable.parse(csv: "1.0.0.0,1.0.0.255,US\n1.0.0.128,1.0.1.0,GB\n")
        }
    }

    @Test(arguments: [
        ("127.0.0.1", IPAddress.Scope.loopback), ("::1", .loopback), ("10.0.0.1", .privateNetwork), ("172.20.1.1", .privateNetwork),
        ("192.168.1.1", .privateNetwork), ("fd00::1", .privateNetwork), ("fe80::1%eth0", .linkLocal), ("169.254.0.1", .linkLocal),
        ("0.0.0.0", .unspecified), ("192.0.2.1", .global), ("2001:db8::1", .global), ("::ffff:10.0.0.1", .privateNetwork),
    ])
    func scopes(_ text: String, _ scope: IPAddress.Scope) throws {
        #expect(try #require(IPAddress(text)).scope == scope)
    }

    @Test func fingerprintMatchesSSHKeygen() throws {
        let key = try SSHPublicKey.parse(
            authorizedKeysLine: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAVmjtaDN//BAZ3dtYqrI/w8+kTQbb3FL3pUjjYMQTHX alice@laptop")
        #expect(key.fingerprint == "SHA256:zM0km2AF7/OBoppfQFSU8gfGneTV9Jixebq//OxCLXQ")
    }
}
