import Gateway
import Testing

/// The marker scanner in isolation: markers found however the reads split them, the nonce
/// redacted, and plain output passed on unchanged.
@Suite
struct MarkerScannerTests {
    let integration = ShellIntegration(nonce: "0123456789abcdef0123456789abcdef")

    func marker(_ status: Int, _ dir: String) -> [UInt8] {
        Array("\u{1B}]777;escort;\(integration.nonce);\(status);\(dir)\u{07}".utf8)
    }

    /// Feeds `bytes` in reads of `size` and joins what comes out.
    func scan(_ bytes: [UInt8], size: Int) -> (output: [UInt8], finished: [ShellOutputEvent]) {
        var scanner = MarkerScanner(integration: integration)
        var output: [UInt8] = []
        var finished: [ShellOutputEvent] = []
        var i = 0
        while i < bytes.count {
            for e in scanner.feed(Array(bytes[i..<min(bytes.count, i + size)])) {
                if case .output(let o) = e { output += o } else { finished.append(e) }
            }
            i += size
        }
        return (output, finished)
    }

    @Test func plainOutputPassesUnchanged() {
        var scanner = MarkerScanner(integration: integration)
        let bulk = [UInt8](repeating: 0, count: 100_000) + Array("text\r\n".utf8)
        #expect(scanner.feed(bulk) == [.output(bulk)])
        #expect(scanner.feed([]) == [])
    }

    /// Evasion: print the nonce (it is in $PS1) split across reads to forge "finished".
    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func markersAndNonceAreFoundAcrossAnySplit(size: Int) {
        let forged = Array("echo \(integration.nonce) done\r\n".utf8)
        let input = Array("before\r\n".utf8) + [UInt8](repeating: 0x41, count: 5000) + forged + marker(0, "/tmp") + Array("after".utf8) + marker(2, "/")
        let (output, finished) = scan(input, size: size)
        let text = String(decoding: output, as: UTF8.self)
        #expect(finished == [.finished(status: 0, directory: "/tmp"), .finished(status: 2, directory: "/")])
        #expect(!text.contains(integration.nonce))
        #expect(text.contains("echo [escort-nonce] done"))
        #expect(text.hasPrefix("before\r\n") && text.hasSuffix("after"))
        #expect(output.count == 8 + 5000 + "echo [escort-nonce] done\r\n".utf8.count + 5)
    }
}
