/// The last stretch of a session's output, kept so that an escort who joins late sees the
/// terminal as it is rather than a blank one. Bounded: the oldest bytes go first, cut at a line
/// start where one is near, so the replay does not begin inside an escape sequence.
public struct OutputHistory: Sendable {
    /// At most this many bytes are kept.
    public static let limit = 64 * 1024
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func append(_ more: [UInt8]) {
        bytes += more
        guard bytes.count > Self.limit else { return }
        var cut = bytes.count - Self.limit
        // Start at the next line if one begins within the first 4 KB of what is kept.
        if let nl = bytes[cut..<min(bytes.count, cut + 4096)].firstIndex(of: 0x0A) { cut = nl + 1 }
        bytes.removeFirst(cut)
    }
}
