import ShellAnalysis
import Testing

/// Property: any input, however mangled, gives a verdict without crashing or hanging, and a
/// failure to parse is never judged harmless.
@Suite struct FuzzTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    static let alphabet: [String] = [
        "a", " ", "'", "\"", "\\", "$", "(", ")", "{", "}", "[", "]", "`", "|", "&", ";", "<", ">", "\n", "#",
        "$(", "${", "<<", "EOF", "if ", "then ", "fi", "do ", "done", "case ", "esac", "=", "*", "!", "-c ",
        "bash", "eval ", "base64 -d", "\t", "é", "\u{0}",
    ]

    @Test func randomInputNeverCrashesAndFailsClosed() throws {
        let analyser = try Analyser.bundled().get()
        var g = Generator(state: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<3000 {
            let length = Int(g.next() % 40)
            var s = ""
            for _ in 0..<length { s += Self.alphabet[Int(g.next() % UInt64(Self.alphabet.count))] }
            let a = analyser.analyse(s)
            if a.status != .complete {
                #expect(a.risk >= .high, "`\(s)` failed to parse but was judged \(a.risk)")
            }
        }
    }

    @Test func deepNestingIsBounded() throws {
        let analyser = try Analyser.bundled().get()
        for piece in ["$(", "(", "{ ", "\"$(", "${x:-", "\"`\\\""] {
            let s = String(repeating: piece, count: 5000)
            let a = analyser.analyse(s)
            #expect(a.risk >= .high)
        }
        let nested = String(repeating: "eval ", count: 50) + "echo hi"
        _ = analyser.analyse(nested)
    }
}
