import EscortCore
import Testing

@Suite("Canonical JSON")
struct CanonicalJSONTests {
    @Test func sortsKeysAndEscapesMinimally() throws {
        let v: JSONValue = ["b": 1, "a": ["x", true, nil], "é": "tab\there \"q\" \\ \u{01} /"]
        let s = String(decoding: try v.canonicalBytes(), as: UTF8.self)
        #expect(s == #"{"a":["x",true,null],"b":1,"é":"tab\there \"q\" \\ \u0001 /"}"#)
    }

    @Test func refusesFloats() {
        #expect(throws: JSONError.self) { try JSONValue.float(1.5).canonicalBytes() }
    }

    @Test func roundTrips() throws {
        let v: JSONValue = ["n": -42, "s": "snow ☃ \u{1F600}", "o": ["k": []], "z": .integer(Int64.max)]
        let bytes = try v.canonicalBytes()
        #expect(try JSONParser.parseCanonical(bytes) == v)
    }

    @Test func canonicalParsingRejectsOtherForms() {
        for text in [#"{ "a":1}"#, #"{"b":1,"a":2}"#, #"{"a":"\u0041"}"#, #"{"a":1.0}"#] {
            #expect(throws: JSONError.self, "\(text)") { try JSONParser.parseCanonical(Array(text.utf8)) }
        }
    }

    @Test(arguments: [
        "", "{", "[1,", #"{"a"}"#, #"{"a":1,}"#, #"{"a":1,"a":2}"#, "01", "-", "1e", "tru", #""\x""#,
        #""\ud800""#, "\"\u{01}\"", "[1] x", String(repeating: "[", count: 200), "\"abc",
    ])
    func rejectsMalformedInputWithAnError(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func readsEscapesAndNumbers() throws {
        let v = try JSONParser.parse(Array(#"[1.5,-0,1e3,"\ud83d\ude00\n\/"]"#.utf8))
        #expect(v == [.float(1.5), 0, .float(1000), "😀\n/"])
    }

    @Test func listsObjectMembersWithRanges() throws {
        let text = Array(#"{"a":{"x":[1,2]},"b":"c"}"#.utf8)
        let members = try JSONParser.members(ofObject: text)
        #expect(members.map(\.key) == ["a", "b"])
        #expect(String(decoding: text[members[0].valueRange], as: UTF8.self) == #"{"x":[1,2]}"#)
    }

    @Test(arguments: [
        #"{"a":{"x":[1,]}}"#, #"{"a":{"x" 1}}"#, #"{"a":[1 2]}"#, #"{"a":{1:2}}"#, #"{"a":"\q"}"#,
        "{\"a\":\"tab\there\"}", #"{"a":[{"b":"c"}}"#, #"{"a":"x"#,
    ])
    func memberListingValidatesNestedValues(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.members(ofObject: Array(text.utf8)) }
    }

    @Test func memberListingAcceptsEscapesAndUnicodeInNestedValues() throws {
        let text = Array(#"{"a":{"k":"\"q\" ☃ \u00e9","l":[true,null,-1.5e3]},"b":1}"#.utf8)
        #expect(try JSONParser.members(ofObject: text).map(\.key) == ["a", "b"])
        #expect(throws: JSONError.self) { try JSONParser.members(ofObject: [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x22, 0x7D]) }
    }
}

@Suite("JSON string escaping")
struct JSONStringEscapingTests {
    @Test func everyASCIIAndControlByteRoundTrips() throws {
        let all = String(decoding: Array(0...0x7F) + Array("é☃😀".utf8), as: UTF8.self)
        let bytes = try JSONValue.string(all).canonicalBytes()
        #expect(try JSONParser.parseCanonical(bytes) == .string(all))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#""\u0000\u0001"#))
        #expect(text.contains(#"\b\t\n\u000b\f\r\u000e"#))
        #expect(text.contains(##" !\"#"##) && text.contains(#"[\\]"#))
        #expect(text.hasSuffix("é☃😀\""))
    }

    @Test func plainTextIsCopiedAsIs() throws {
        let plain = String(repeating: "abc/xyz ", count: 1000)
        #expect(try JSONValue.string(plain).canonicalBytes() == Array("\"\(plain)\"".utf8))
    }
}
