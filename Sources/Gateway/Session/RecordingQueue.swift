import Crypto
import Dispatch
import EscortCore
import NIOConcurrencyHelpers
import Recording

/// A session's recording, written on its own serial queue so that output reaches the engineer
/// without waiting for the disk, the JSON escaping or the hash.
///
/// Events keep their order and the time they happened (taken when queued). At most ``limit``
/// bytes of output wait; beyond that ``output(_:)`` waits for the writer (backpressure, so a fast
/// target cannot grow the gateway's memory). The first write error is kept: the session asks
/// ``failure`` before forwarding each command and ends if the recording has failed, since a
/// session that cannot be recorded must not go on.
///
/// Each command's output is written in full up to ``commandOutputLimit`` bytes; beyond that it
/// is counted and hashed (SHA-256) instead, and ``endCommand()`` writes a marker with the count
/// and digest (and returns them for the audit log). A gigabyte dumped to the terminal is thus
/// evidenced by its size and fingerprint rather than by six gigabytes of escaped JSON.
final class RecordingQueue: Sendable {
    private struct State {
        var pending = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var failure: RecordingError?
    }

    /// Output beyond the budget of the command running (touched only on the queue).
    private final class Overflow: @unchecked Sendable {
        var written = 0
        var skipped = 0
        var hasher = SHA256()
    }

    /// What a command's output left out of the recording.
    struct Unrecorded: Sendable {
        var bytes: Int
        var sha256: String
    }

    private let writer: AsciicastWriter
    private let queue = DispatchQueue(label: "escort.recording")
    private let state = NIOLockedValueBox(State())
    private let overflow = Overflow()
    let limit: Int
    let commandOutputLimit: Int

    init(_ writer: AsciicastWriter, limit: Int = 4 << 20, commandOutputLimit: Int = 16 << 20) {
        self.writer = writer
        self.limit = limit
        self.commandOutputLimit = commandOutputLimit
    }

    var path: String { writer.path }

    /// The first error the writer met, if any.
    var failure: RecordingError? { state.withLockedValue { $0.failure } }

    func output(_ bytes: [UInt8]) async {
        let time = ContinuousClock.now
        let full = state.withLockedValue { s in
            s.pending += bytes.count
            return s.pending > limit
        }
        queue.async { [self] in
            let room = max(0, commandOutputLimit - overflow.written)
            if room >= bytes.count {
                overflow.written += bytes.count
                run { () throws(RecordingError) in try writer.output(bytes, at: time) }
            } else {
                if room > 0 {
                    overflow.written += room
                    run { () throws(RecordingError) in try writer.output(Array(bytes[..<room]), at: time) }
                }
                overflow.skipped += bytes.count - room
                bytes[room...].withUnsafeBytes { overflow.hasher.update(bufferPointer: $0) }
            }
            let waiters = state.withLockedValue { s in
                s.pending -= bytes.count
                guard s.pending <= limit else { return [CheckedContinuation<Void, Never>]() }
                defer { s.waiters = [] }
                return s.waiters
            }
            for w in waiters { w.resume() }
        }
        guard full else { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { s in
                if s.pending <= limit { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Ends a command's output: queued behind the output already queued, then calls `done` with
    /// what was left out of the recording, if anything, after writing a marker saying so.
    func endCommand(_ done: @escaping @Sendable (Unrecorded?) -> Void) {
        let time = ContinuousClock.now
        queue.async { [self] in
            defer {
                overflow.written = 0
                overflow.skipped = 0
                overflow.hasher = SHA256()
            }
            guard overflow.skipped > 0 else { return done(nil) }
            let unrecorded = Unrecorded(bytes: overflow.skipped, sha256: Hex.encode(Array(overflow.hasher.finalize())))
            run { () throws(RecordingError) in
                try writer.marker("output not recorded beyond \(commandOutputLimit) bytes: \(unrecorded.bytes) more bytes, sha256 \(unrecorded.sha256)", at: time)
            }
            done(unrecorded)
        }
    }

    func input(_ bytes: [UInt8]) {
        let time = ContinuousClock.now
        queue.async { [self] in run { () throws(RecordingError) in try writer.input(bytes, at: time) } }
    }

    func marker(_ label: String) {
        let time = ContinuousClock.now
        queue.async { [self] in run { () throws(RecordingError) in try writer.marker(label, at: time) } }
    }

    func resize(width: Int, height: Int) {
        let time = ContinuousClock.now
        queue.async { [self] in run { () throws(RecordingError) in try writer.resize(width: width, height: height, at: time) } }
    }

    /// Writes what is queued, then syncs and closes the file.
    func close() async throws -> RecordingSummary {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<RecordingSummary, any Error>) in
            queue.async { [self] in
                do throws(RecordingError) {
                    c.resume(returning: try writer.close())
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }

    private func run(_ body: () throws(RecordingError) -> Void) {
        do {
            try body()
        } catch {
            state.withLockedValue { s in if s.failure == nil { s.failure = error } }
        }
    }
}
