import ArgumentParser
import Foundation
import Recording

/// `escort replay FILE`: plays a session recording in the terminal.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Play a session recording (asciicast v2) in this terminal."
    )

    @Argument(help: "The recording (.cast).")
    var file: String

    @Option(name: [.short, .long], help: "Playback speed: 2 is twice as fast.")
    var speed: Double = 1

    @Option(name: [.customShort("i"), .long], help: "Cap pauses at this many seconds.")
    var maxIdle: Double = 2

    func validate() throws {
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number") }
        guard maxIdle >= 0 else { throw ValidationError("--max-idle must not be negative") }
    }

    func run() async throws {
        try await reportingErrors {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw RecordingError(.io, "cannot read \(file)")
            }
            let cast = try AsciicastReader.parse(Array(data))
            for step in PlaybackSchedule.steps(cast, speed: speed, maxIdle: maxIdle) {
                if step.delay > 0 { try await Task.sleep(for: .milliseconds(Int(step.delay * 1000))) }
                FileHandle.standardOutput.write(Data(step.data.utf8))
            }
        }
    }
}
