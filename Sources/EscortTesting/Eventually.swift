/// Waits until `condition` holds, asking again every `interval`; after `seconds` it throws an
/// error that names `what` was awaited. For tests of things that happen in the background
/// (another node's loop, a notification, a process's output).
public func eventually(_ what: String, within seconds: Double = 30, every interval: Duration = .milliseconds(20),
                       _ condition: @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while true {
        if await condition() { return }
        guard ContinuousClock.now < deadline else { throw NotWithin(what: what, seconds: seconds) }
        try await Task.sleep(for: interval)
    }
}

/// What ``eventually(_:within:every:_:)`` throws.
public struct NotWithin: Error, CustomStringConvertible {
    public var what: String
    public var seconds: Double
    public var description: String { "not within \(seconds) s: \(what)" }
}
