import EscortCore
import Foundation

/// One event in a recording.
public struct AsciicastEvent: Sendable, Hashable {
    /// Seconds since the start.
    public var time: Double
    /// `o`, `i`, `m` or `r`.
    public var type: String
    public var data: String
}

/// A parsed recording.
public struct Asciicast: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var title: String?
    public var events: [AsciicastEvent]
}

/// Reads asciicast v2 files.
public enum AsciicastReader {
    /// Parses a whole file. A cut-off last line (a crash while writing) is ignored; anything else
    /// that is not asciicast v2 is an error naming the line.
    public static func parse(_ data: [UInt8]) throws(RecordingError) -> Asciicast {
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        let endsWithNewline = data.last == 0x0A
        if endsWithNewline { lines.removeLast() }
        guard let first = lines.first, !first.isEmpty else { throw RecordingError(.badFormat, "the file is empty") }
        let header: JSONValue
        do { header = try JSONParser.parse(first) } catch {
            throw RecordingError(.badFormat, "line 1 is not an asciicast header: \(error)")
        }
        guard header["version"]?.integerValue == 2 else {
            throw RecordingError(.badFormat, "line 1: only asciicast version 2 is supported")
        }
        guard let w = header["width"]?.integerValue, let h = header["height"]?.integerValue, w > 0, h > 0, w < 10_000, h < 10_000 else {
            throw RecordingError(.badFormat, "line 1: the header has no valid width and height")
        }
        var events: [AsciicastEvent] = []
        for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let isLast = i == lines.count - 1
            let v: JSONValue
            do { v = try JSONParser.parse(line) } catch {
                if isLast, !endsWithNewline { break }  // torn final write
                throw RecordingError(.badFormat, "line \(i + 1) is not JSON: \(error)")
            }
            guard let a = v.arrayValue, a.count == 3, let t = a[0].doubleValue, t >= 0,
                let type = a[1].stringValue, let d = a[2].stringValue
            else {
                throw RecordingError(.badFormat, "line \(i + 1) is not an event [time, type, data]")
            }
            events.append(AsciicastEvent(time: t, type: type, data: d))
        }
        return Asciicast(width: Int(w), height: Int(h), title: header["title"]?.stringValue, events: events)
    }
}

/// When to write each output event during playback.
public enum PlaybackSchedule {
    /// The output events of `cast` with the delay before each, divided by `speed` and with idle
    /// gaps capped at `maxIdle` seconds (before the speed-up).
    public static func steps(_ cast: Asciicast, speed: Double, maxIdle: Double?) -> [(delay: Double, data: String)] {
        let speed = speed > 0 ? speed : 1
        var last = 0.0
        var steps: [(delay: Double, data: String)] = []
        for e in cast.events where e.type == "o" {
            var gap = max(0, e.time - last)
            if let maxIdle { gap = min(gap, maxIdle) }
            last = e.time
            steps.append((gap / speed, e.data))
        }
        return steps
    }
}
