import Testing

@testable import ShellAnalysis

/// The analyser's own substring search (Foundation's bridges through NSString on Linux).
@Suite struct ByteSearchTests {
    @Test(arguments: [
        ("cat /etc/shadow", "shadow", true),
        ("cat /etc/shadow", "cat", true),
        ("cat /etc/shadow", "/etc/shadow", true),
        ("cat /etc/shadow", "shadows", false),
        ("sh", "bash", false),
        ("", "x", false),
        ("anything", "", true),
        ("aaab", "aab", true),  // a partial match that fails must not skip the real one
        ("ababac", "abac", true),
        ("résumé /tmp/x", "/tmp", true),
        ("naïve", "ïv", true),
        ("C:\\Users\\bob", "\\Users\\", true),
    ])
    func finds(_ text: String, _ needle: String, _ expected: Bool) {
        #expect(text.contains(needle) == expected)
        #expect(ByteSearch.contains(text, needle) == expected)
    }

    @Test func searchesSubstrings() {
        let text = "xx /bin/sh yy"
        let middle = text.dropFirst(3).dropLast(3)
        #expect(middle.contains("/bin/sh"))
        #expect(!middle.contains("yy"))
        #expect(!middle.contains("xx"))
    }
}
