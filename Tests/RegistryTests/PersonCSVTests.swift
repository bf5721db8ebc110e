import EscortCore
import Testing

@Suite("People from CSV")
struct PersonCSVTests {
    static let header = "name,display_name,employer,contractor,citizenships,residence,location,clearance,roles,escort_training_expires,keys"

    @Test func readsQuotedFieldsListsAndKeys() throws {
        let csv = [
            Self.header,
            #"alice,"Smith, Alice",Acme,Prime Co,US;GB,US,US,secret,engineer;escort,2027-06-30,""# + ModelTests.ed25519 + ";" + ModelTests.ecdsa384 + "\"",
            #"bob,Bob,"Acme ""East""",Prime Co,DE,DE,DE,none,engineer,,"# + "\r",
        ].joined(separator: "\n")
        let people = try PersonCSV.parse(csv)
        #expect(people.count == 2)
        #expect(people[0].displayName == "Smith, Alice")
        #expect(people[0].citizenships == [CountryCode("US"), CountryCode("GB")])
        #expect(people[0].roles == [.engineer, .escort])
        #expect(people[0].keys.count == 2)
        #expect(people[0].escortTrainingExpires.map(RegistryDate.format) == "2027-07-01T00:00:00Z")
        #expect(people[1].employer == "Acme \"East\"")
        #expect(people[1].escortTrainingExpires == nil && people[1].keys.isEmpty)
    }

    @Test(arguments: [
        ("alice,Alice,Acme,P,US,US,US,secret,engineer,,\nbob,Bob,Acme,P,XX,US,US,secret,engineer,,", "line 3, field citizenships: unknown country code \"XX\""),
        ("alice,Alice,Acme,P,US,US,US,sekret,engineer,,", "line 2, field clearance: unknown clearance"),
        ("alice,Alice,Acme,P,US,US,US,secret,pilot,,", "line 2, field roles: unknown role"),
        ("alice,Alice,Acme,P,US,US,US,secret,engineer,,ssh-rsa AAAA x", "line 2, field keys: RSA keys"),
        ("alice,Alice,Acme,P,US,US,US,secret,engineer,soon,", "line 2, field escort_training_expires"),
        ("Alice,Alice,Acme,P,US,US,US,secret,engineer,,", "line 2, field name: invalid name"),
        ("alice,Alice,Acme,P,US,US,US,secret,engineer", "line 2: has 9 fields"),
        ("alice,Alice,Acme,P,US,US,US,secret,engineer,,\nalice,Alice,Acme,P,US,US,US,secret,engineer,,", "also on line 2"),
        ("alice,,Acme,P,US,US,US,secret,engineer,,", "field display_name"),
    ])
    func namesTheLineAndField(_ rows: String, _ message: String) {
        do {
            _ = try PersonCSV.parse(Self.header + "\n" + rows)
            Issue.record("parsed")
        } catch {
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func headerProblems() {
        #expect(throws: RegistryError.self) { try PersonCSV.parse("") }
        #expect(throws: RegistryError.self) { try PersonCSV.parse("name,display_name\n") }
        #expect(throws: RegistryError.self) { try PersonCSV.parse(Self.header + ",shoe_size\n") }
        #expect(throws: RegistryError.self) { try PersonCSV.parse(Self.header + "\n\"open") }
    }
}
