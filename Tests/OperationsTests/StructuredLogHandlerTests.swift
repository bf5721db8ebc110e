import Foundation
import Logging
import Operations
import Testing

@Suite("structured log lines")
struct StructuredLogHandlerTests {
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var all: [String] = []
        func add(_ s: String) { lock.withLock { all.append(s) } }
    }

    @Test func jsonLinesCarryTimeLevelLabelMessageAndMetadata() throws {
        let lines = Lines()
        var logger = Logger(label: "escort.test") { StructuredLogHandler(label: $0, format: .json, level: .info, write: lines.add) }
        logger[metadataKey: "session"] = "s-1"
        logger.debug("not written")
        logger.info("command \"decided\"\nsecond line", metadata: ["risk": "high", "level": "shadowed"])
        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "info" && object["label"] == "escort.test")
        #expect(object["message"] == "command \"decided\"\nsecond line")
        #expect(object["session"] == "s-1" && object["risk"] == "high" && object["meta_level"] == "shadowed")
        #expect(object["time"]?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil, "\(object)")
    }

    @Test func logfmtQuotesWhatNeedsQuoting() throws {
        let lines = Lines()
        let logger = Logger(label: "escort.test") { StructuredLogHandler(label: $0, format: .logfmt, level: .trace, write: lines.add) }
        logger.warning("store failed", metadata: ["error": "disk full", "n": "3"])
        let line = try #require(lines.all.first)
        #expect(line.contains(#" level=warning label=escort.test message="store failed" error="disk full" n=3"#), "\(line)")
        #expect(line.hasPrefix("time=") && line.hasSuffix("\n"))
    }
}
