import EscortTesting
import Foundation
@testable import Recording
import Testing

@Suite("asciicast v2 recordings")
struct RecordingTests {
    func write(_ dir: TemporaryDirectory, _ body: (AsciicastWriter) throws -> Void) throws -> (String, RecordingSummary) {
        let path = dir.file("session.cast")
        let w = try AsciicastWriter(path: path, header: AsciicastHeader(width: 80, height: 24, title: "demo", env: ["TERM": "xterm-256color"]))
        try body(w)
        return (path, try w.close())
    }

    @Test func writesHeaderEventsAndMarkersThatReadBack() throws {
        let dir = TemporaryDirectory()
        let (path, summary) = try write(dir) { w in
            try w.output(Array("$ ".utf8))
            try w.input(Array("ls\r".utf8))
            try w.marker("command: ls")
            try w.marker("decision: allowed")
            try w.output(Array("file-a  file-b\r\n".utf8))
            try w.resize(width: 100, height: 30)
        }
        let cast = try AsciicastReader.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(cast.width == 80 && cast.height == 24 && cast.title == "demo")
        #expect(cast.events.map(\.type) == ["o", "i", "m", "m", "o", "r"])
        #expect(cast.events[1].data == "ls\r")
        #expect(cast.events[2].data == "command: ls")
        #expect(summary.events == 6)
        #expect(summary.sha256 == (try AsciicastWriter.sha256(ofFileAt: path)))
        #expect(summary.bytes == Int64((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1))
    }

    @Test func eventsAreOnDiskBeforeClose() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("live.cast")
        let w = try AsciicastWriter(path: path, header: AsciicastHeader(width: 80, height: 24))
        try w.output(Array("hello\r\n".utf8))
        // Read while still open, as after a crash.
        let cast = try AsciicastReader.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(cast.events.map(\.data) == ["hello\r\n"])
        _ = try w.close()
    }

    @Test func utf8SplitAcrossChunksIsReassembled() throws {
        let dir = TemporaryDirectory()
        let snow = Array("☃€😀".utf8)
        let (path, _) = try write(dir) { w in
            try w.output(Array(snow[0..<2]))
            try w.output(Array(snow[2..<5]))
            try w.output(Array(snow[5...]))
        }
        let cast = try AsciicastReader.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(cast.events.map(\.data).joined() == "☃€😀")
        #expect(!cast.events.map(\.data).joined().contains("\u{FFFD}"))
    }

    @Test func passwordsTypedAtPromptsAreNotRecorded() throws {
        let dir = TemporaryDirectory()
        let (path, _) = try write(dir) { w in
            try w.input(Array("sudo -i\r".utf8))
            try w.output(Array("[sudo] password for alice: ".utf8))
            for c in "hunter2" { try w.input(Array(String(c).utf8)) }
            try w.input([0x0D])
            try w.output(Array("\r\nroot# ".utf8))
            try w.input(Array("id\r".utf8))
            try w.input(Array("s3cret".utf8), echo: false)
        }
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        #expect(!text.contains("hunter"))
        #expect(!text.contains("s3cret"))
        #expect(text.contains("input withheld (no echo)"))
        #expect(text.contains(#""i", "id\r""#))
    }

    @Test func inputIsNotRecordedWhenPolicySaysNot() throws {
        let dir = TemporaryDirectory()
        var options = RecordingOptions()
        options.recordInput = false
        let path = dir.file("noinput.cast")
        let w = try AsciicastWriter(path: path, header: AsciicastHeader(width: 80, height: 24), options: options)
        try w.input(Array("ls\r".utf8))
        try w.output(Array("ok".utf8))
        _ = try w.close()
        let cast = try AsciicastReader.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(cast.events.map(\.type) == ["o"])
    }

    @Test func secretPromptDetection() {
        for prompt in ["Password: ", "[sudo] password for bob:", "Enter passphrase for key '/x':", "PIN:", "Verification token: "] {
            var f = SecretInputFilter()
            f.observeOutput(Array(prompt.utf8))
            #expect(f.atSecretPrompt, "\(prompt)")
        }
        var f = SecretInputFilter()
        f.observeOutput(Array("password reset done\r\n$ ".utf8))
        #expect(!f.atSecretPrompt)
    }

    @Test(arguments: [
        "", "not json\n", #"{"version":1,"width":80,"height":24}"# + "\n",
        #"{"version":2,"width":80}"# + "\n",
        #"{"version":2,"width":80,"height":24}"# + "\n" + #"[1, "o"]"# + "\n",
        #"{"version":2,"width":80,"height":24}"# + "\n" + "garbage\n",
    ])
    func badFilesGiveErrorsNotCrashes(_ text: String) {
        #expect(throws: RecordingError.self) { try AsciicastReader.parse(Array(text.utf8)) }
    }

    @Test func aTornLastLineIsIgnored() throws {
        let text = #"{"version":2,"width":80,"height":24}"# + "\n" + #"[0.5, "o", "hi"]"# + "\n" + #"[0.7, "o", "th"#
        let cast = try AsciicastReader.parse(Array(text.utf8))
        #expect(cast.events.count == 1)
    }

    @Test func playbackScheduleHonoursSpeedAndIdleCap() throws {
        let cast = Asciicast(width: 80, height: 24, title: nil, events: [
            AsciicastEvent(time: 1, type: "o", data: "a"),
            AsciicastEvent(time: 1.5, type: "m", data: "marker"),
            AsciicastEvent(time: 11, type: "o", data: "b"),
        ])
        let steps = PlaybackSchedule.steps(cast, speed: 2, maxIdle: 2)
        #expect(steps.map(\.delay) == [0.5, 1.0])
        #expect(steps.map(\.data) == ["a", "b"])
    }

    @Test func stockAsciinemaPlaysARecording() async throws {
        guard let asciinema = ChildProcess.which("asciinema") else {
            print("SKIPPED stockAsciinemaPlaysARecording: asciinema is not installed (scripts/setup.sh installs it)")
            return
        }
        let dir = TemporaryDirectory()
        let (path, _) = try write(dir) { w in
            try w.output(Array("$ ".utf8))
            try w.input(Array("echo hi\r".utf8))
            try w.marker("command: echo hi")
            try w.output(Array("hi ☃\r\n".utf8))
        }
        // `asciinema cat` opens /dev/tty, so give it a terminal with util-linux `script`.
        guard let script = ChildProcess.which("script") else {
            print("SKIPPED stockAsciinemaPlaysARecording: util-linux `script` is not installed")
            return
        }
        let result = try await ChildProcess.run(
            script, ["-qec", "\(asciinema) cat '\(path)'", "/dev/null"], environment: ["LC_ALL": "C.UTF-8", "HOME": dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("hi ☃"))
    }
}
