import EscortCore
import Foundation

/// The first line of an asciicast v2 file.
public struct AsciicastHeader: Sendable, Hashable {
    /// Terminal columns.
    public var width: Int
    /// Terminal rows.
    public var height: Int
    /// When the recording started.
    public var timestamp: Date
    public var title: String?
    /// Environment shown to players, e.g. `TERM` and `SHELL`.
    public var env: [String: String]

    public init(width: Int, height: Int, timestamp: Date = Date(), title: String? = nil, env: [String: String] = [:]) {
        self.width = width
        self.height = height
        self.timestamp = timestamp
        self.title = title
        self.env = env
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "version": 2,
            "width": .integer(Int64(width)),
            "height": .integer(Int64(height)),
            "timestamp": .integer(Int64(timestamp.timeIntervalSince1970)),
        ]
        if let title { o["title"] = .string(title) }
        if !env.isEmpty { o["env"] = .object(env.mapValues { .string($0) }) }
        return .object(o)
    }
}
