import ShellAnalysis
import Testing

/// The parser: one table of inputs and what must come out.
@Suite struct ParserTests {
    enum Expect { case ok, incomplete, syntaxError, tooComplex }

    static let table: [(String, Expect)] = [
        ("ls -la /tmp", .ok),
        ("a=1 b=2 env", .ok),
        ("echo 'single' \"double $HOME\" $'ansi\\x41' $\"locale\" back\\slash", .ok),
        ("echo ${IFS} ${x:1:2} ${x//a/b} ${!x} ${x^^} ${x,,} ${#x} ${x:-default} ${arr[1]}", .ok),
        ("echo $(date) `uname -a` $((1 + 2)) $[3*4]", .ok),
        ("diff <(ls a) <(ls b) > >(tee log)", .ok),
        ("a | b && c || d; e & f", .ok),
        ("( cd /tmp; ls ) && { echo a; echo b; }", .ok),
        ("if a; then b; elif c; then d; else e; fi", .ok),
        ("for i in 1 2 3; do echo $i; done", .ok),
        ("for ((i=0; i<3; i++)); do echo $i; done", .ok),
        ("while read l; do echo $l; done < f", .ok),
        ("until false; do :; done", .ok),
        ("case $x in a|b) echo ab;; *) echo other;; esac", .ok),
        ("select x in a b; do echo $x; done", .ok),
        ("f() { echo hi; }; function g { echo g; }", .ok),
        ("cat <<EOF\nhello $USER\nEOF\n", .ok),
        ("cat <<-'EOF'\n\tliteral $x\n\tEOF\n", .ok),
        ("cat <<< \"here string\"", .ok),
        ("exec 3<>/dev/tcp/example.com/80", .ok),
        ("echo hi 2>&1 >/dev/null &>> log", .ok),
        ("[[ $a =~ ^(x|y)$ && -f file ]]", .ok),
        ("(( i++ ))", .ok),
        ("x=$(case a in a) echo yes;; esac)", .ok),
        ("declare -a A=(1 2 3)", .ok),
        ("{ (echo a) }", .ok),
        ("echo 'open", .incomplete),
        ("echo \"open", .incomplete),
        ("echo trailing \\", .incomplete),
        ("cat <<EOF\nno end", .incomplete),
        ("if true; then", .incomplete),
        ("echo $(", .incomplete),
        ("ls |", .incomplete),
        ("a &&", .incomplete),
        ("for x in a b; do", .incomplete),
        ("echo )", .syntaxError),
        ("; ls", .syntaxError),
        ("echo >", .syntaxError),
        ("fi", .syntaxError),
        ("a && && b", .syntaxError),
        (String(repeating: "$(", count: 300) + String(repeating: ")", count: 300), .tooComplex),
    ]

    @Test(arguments: table.indices)
    func parses(_ i: Int) {
        let (source, expect) = Self.table[i]
        let result = ShellParser.parse(source)
        switch (result, expect) {
        case (.success, .ok): break
        case (.failure(let f), .incomplete) where f.kind == .incomplete: break
        case (.failure(let f), .syntaxError) where f.kind == .syntaxError: break
        case (.failure(let f), .tooComplex) where f.kind == .tooComplex: break
        default: Issue.record("`\(source)`: expected \(expect), got \(result)")
        }
    }

    @Test func rangesPointAtTheSource() throws {
        let source = "echo  'a b'  | grep x"
        let tree = try ShellParser.parse(source).get()
        let pipeline = tree.script.items[0].andOr.first
        #expect(pipeline.commands.count == 2)
        guard case .simple(let echo) = pipeline.commands[0] else { Issue.record("not simple"); return }
        let bytes = Array(source.utf8)
        let w = echo.words[1]
        #expect(String(decoding: bytes[w.range.start..<w.range.end], as: UTF8.self) == "'a b'")
        #expect(w.literalValue == "a b")
    }

    @Test func quotingIsRemoved() throws {
        let tree = try ShellParser.parse(#"c\at b''a''s''h $'\x62\x61\x73\x68' "x"y'z'"#).get()
        guard case .simple(let cmd) = tree.script.items[0].andOr.first.commands[0] else { return }
        #expect(cmd.words.map(\.literalValue) == ["cat", "bash", "bash", "xyz"])
    }

    @Test func hereDocumentBodiesAreKept() throws {
        let tree = try ShellParser.parse("cat > fix.sh <<'EOF'\nrm -rf /\nEOF\nbash fix.sh").get()
        #expect(tree.hereDocuments.values.first?.body == "rm -rf /\n")
        #expect(tree.script.items.count == 2)
    }

    @Test func sizeBoundFailsClosed() {
        let big = String(repeating: "a", count: 100)
        guard case .failure(let f) = ShellParser.parse(big, limits: ParserLimits(maxBytes: 10)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(f.kind == .tooComplex)
    }
}
