import EscortCore
import Policy
import Testing

@Suite("Policy file parsing")
struct DocumentParseTests {
    static let commands = """
        [commands.direct]
        none = "run"
        [commands.escorted]
        none = "run"
        """

    @Test func bundledDefaultLoadsWithItsRules() throws {
        let doc = try PolicyDocument.bundledDefault()
        #expect(doc.countriesOfConcern.isSuperset(of: [CountryCode("CN"), CountryCode("RU"), CountryCode("IR"), CountryCode("KP")]))
        #expect(doc.locationEnforcedFrom == .il4)
        #expect(doc.accessRules.contains { $0.mode == .never && $0.levels.contains(.il5) })
        #expect(doc.interactivePrograms == ["top", "less", "more", "vi", "vim", "nano", "htop", "man", "watch", "tail"])
        #expect(doc.escortedCommands.verdict(for: .critical) == .refuse)
        #expect(doc.directCommands.verdict(for: .critical) == .holdWithReview)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var label: String
        var toml: String
        var code: PolicyError.Code
        var field: String
        var testDescription: String { label }
    }

    static let bad: [Bad] = [
        Bad(label: "unknown country in the concern list", toml: "countries_of_concern = [\"CN\", \"XX\"]\n" + commands,
            code: .unknownCountry, field: "countries_of_concern[1]"),
        Bad(label: "unknown country in a rule", toml: """
            countries_of_concern = []
            [[access]]
            name = "r"
            levels = ["IL2"]
            mode = "direct"
            citizenship_any_of = ["USA"]
            """ + "\n" + commands, code: .unknownCountry, field: "access[0].citizenship_any_of[0]"),
        Bad(label: "unknown verdict", toml: """
            countries_of_concern = []
            [commands.direct]
            high = "ask-nicely"
            [commands.escorted]
            """, code: .unknownVerdict, field: "commands.direct.high"),
        Bad(label: "run for unanalysable", toml: """
            countries_of_concern = []
            [commands.direct]
            [commands.escorted]
            unanalysable = "run"
            """, code: .invalidValue, field: "commands.escorted.unanalysable"),
        Bad(label: "unknown impact level", toml: """
            countries_of_concern = []
            [[access]]
            name = "r"
            levels = ["IL2", "IL3"]
            mode = "direct"
            """ + "\n" + commands, code: .unknownImpactLevel, field: "access[0].levels[1]"),
        Bad(label: "unknown key at the top", toml: "countries_of_concern = []\ncountries_of_conern = []\n" + commands,
            code: .unknownKey, field: "countries_of_conern"),
        Bad(label: "unknown key in a rule", toml: """
            countries_of_concern = []
            [[access]]
            name = "r"
            levels = ["IL2"]
            mode = "direct"
            min_clearence = "secret"
            """ + "\n" + commands, code: .unknownKey, field: "access[0].min_clearence"),
        Bad(label: "unknown key in a command table", toml: """
            countries_of_concern = []
            [commands.direct]
            severe = "hold"
            [commands.escorted]
            """, code: .unknownKey, field: "commands.direct.severe"),
        Bad(label: "unknown mode", toml: """
            countries_of_concern = []
            [[access]]
            name = "r"
            levels = ["IL2"]
            mode = "sometimes"
            """ + "\n" + commands, code: .unknownMode, field: "access[0].mode"),
        Bad(label: "unknown clearance", toml: """
            countries_of_concern = []
            [[escort]]
            levels = ["IL2"]
            min_clearance = "cosmic"
            """ + "\n" + commands, code: .invalidValue, field: "escort[0].min_clearance"),
        Bad(label: "wrong type", toml: "countries_of_concern = \"CN\"\n" + commands, code: .wrongType, field: "countries_of_concern"),
        Bad(label: "missing concern list", toml: commands, code: .missingField, field: "countries_of_concern"),
        Bad(label: "missing command tables", toml: "countries_of_concern = []\n", code: .missingField, field: "commands"),
        Bad(label: "a never rule with no condition", toml: """
            countries_of_concern = []
            [[access]]
            name = "r"
            levels = ["IL2"]
            mode = "never"
            """ + "\n" + commands, code: .invalidValue, field: "access[0]"),
        Bad(label: "bad session setting", toml: "countries_of_concern = []\n" + commands + "\n[session]\nallow_port_forwarding = \"yes\"\n",
            code: .wrongType, field: "session.allow_port_forwarding"),
    ]

    @Test(arguments: bad)
    func rejects(_ b: Bad) {
        do {
            _ = try PolicyDocument.parse(toml: b.toml)
            Issue.record("parsed although it should not")
        } catch {
            #expect(error.code == b.code, "\(error)")
            #expect(error.field == b.field, "\(error)")
        }
    }

    @Test func syntaxErrorsNameTheLine() {
        do {
            _ = try PolicyDocument.parse(toml: "countries_of_concern = [\n\n= 3")
            Issue.record("parsed")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.field?.hasPrefix("line ") == true, "\(error)")
        }
    }
}
