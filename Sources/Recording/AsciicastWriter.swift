import Crypto
import EscortCore
import Foundation

/// What a closed recording is: the numbers the gateway writes into the audit log.
public struct RecordingSummary: Sendable, Hashable {
    public var path: String
    /// Lower-case hex SHA-256 of the whole file.
    public var sha256: String
    public var bytes: Int64
    public var events: Int
    /// Seconds from the header to the last event.
    public var duration: Double
}

/// Writes one session's asciicast v2 file as the session happens.
///
/// Every event is written with its own `write(2)` (no user-space buffer) and the file is synced
/// at most every ``RecordingOptions/syncInterval``, so a crash of the gateway loses nothing that
/// was written and a power loss at most the last fraction of a second. Thread-safe.
public final class AsciicastWriter: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32
    private let options: RecordingOptions
    private let start = ContinuousClock.now
    private var lastSync = ContinuousClock.now
    private var hasher = SHA256()
    private var bytesWritten: Int64 = 0
    private var eventCount = 0
    private var lastTime: Double = 0
    private var output = UTF8Assembler()
    private var input = UTF8Assembler()
    private var secrets = SecretInputFilter()
    private var withholding = false
    /// The file being written.
    public let path: String

    /// Creates the file (which must not exist) and writes the header.
    public init(path: String, header: AsciicastHeader, options: RecordingOptions = RecordingOptions()) throws(RecordingError) {
        self.path = path
        self.options = options
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw RecordingError(.io, "cannot create recording \(path): \(String(cString: strerror(errno)))")
        }
        try writeLine(header.json.encodedBytes())
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Records terminal output shown to the engineer and watchers.
    ///
    /// - Parameter time: when the bytes were shown, if they are written later (a queued writer).
    public func output(_ bytes: [UInt8], at time: ContinuousClock.Instant = .now) throws(RecordingError) {
        try locked { () throws(RecordingError) in
            secrets.observeOutput(bytes)
            let text = output.takeBytes(bytes)
            if !text.isEmpty { try event("o", utf8: text, at: time) }
        }
    }

    /// Records keystrokes, unless the policy says not to or they look like a secret.
    ///
    /// - Parameter echo: false when the terminal is known not to echo (a password prompt).
    public func input(_ bytes: [UInt8], echo: Bool = true, at time: ContinuousClock.Instant = .now) throws(RecordingError) {
        try locked { () throws(RecordingError) in
            guard options.recordInput else { return }
            var recordable = bytes
            var withheld = false
            if options.detectPasswordPrompts || !echo {
                (recordable, withheld) = secrets.filterInput(bytes, echo: echo)
            }
            if withheld, !withholding {
                try event("m", "input withheld (no echo)", at: time)
            }
            withholding = withheld && recordable.isEmpty
            let text = input.take(recordable)
            if !text.isEmpty { try event("i", text, at: time) }
        }
    }

    /// Adds a marker, e.g. `command: rm -rf /tmp/x` or `decision: held for escort`.
    public func marker(_ label: String, at time: ContinuousClock.Instant = .now) throws(RecordingError) {
        try locked { () throws(RecordingError) in try event("m", label, at: time) }
    }

    /// Records a terminal resize.
    public func resize(width: Int, height: Int, at time: ContinuousClock.Instant = .now) throws(RecordingError) {
        try locked { () throws(RecordingError) in try event("r", "\(width)x\(height)", at: time) }
    }

    /// Flushes, syncs and closes the file, returning its SHA-256 for the audit log.
    public func close() throws(RecordingError) -> RecordingSummary {
        try locked { () throws(RecordingError) -> RecordingSummary in
            guard fd >= 0 else { throw RecordingError(.closed, "recording \(path) is already closed") }
            let rest = output.flush()
            if !rest.isEmpty { try event("o", rest) }
            let synced = fsync(fd)
            Glibc.close(fd)
            fd = -1
            guard synced == 0 else { throw RecordingError(.io, "cannot sync recording \(path)") }
            let digest = Hex.encode(hasher.finalize())
            return RecordingSummary(path: path, sha256: digest, bytes: bytesWritten, events: eventCount, duration: lastTime)
        }
    }

    // MARK: - Writing

    private func locked<T>(_ body: () throws(RecordingError) -> T) throws(RecordingError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func event(_ type: String, _ data: String, at time: ContinuousClock.Instant = .now) throws(RecordingError) {
        try event(type, utf8: Array(data.utf8), at: time)
    }

    /// Writes one event line; `data` is valid UTF-8.
    private func event(_ type: String, utf8 data: [UInt8], at time: ContinuousClock.Instant) throws(RecordingError) {
        let t = Double((time - start) / .microseconds(1)) / 1_000_000
        lastTime = max(lastTime, t)
        var line: [UInt8] = [UInt8(ascii: "[")]
        line.reserveCapacity(data.count + 32)
        line.append(contentsOf: Self.formatTime(lastTime).utf8)
        line.append(contentsOf: ", \"".utf8)
        line.append(contentsOf: type.utf8)
        line.append(contentsOf: "\", ".utf8)
        data.withUnsafeBufferPointer { JSONValue.writeString(utf8: $0, into: &line) }
        line.append(UInt8(ascii: "]"))
        try writeLine(line)
        eventCount += 1
    }

    private func writeLine(_ line: consuming [UInt8]) throws(RecordingError) {
        guard fd >= 0 else { throw RecordingError(.closed, "recording \(path) is closed") }
        var bytes = line
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RecordingError(.io, "cannot write recording \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        hasher.update(data: bytes)
        bytesWritten += Int64(bytes.count)
        if ContinuousClock.now - lastSync >= options.syncInterval {
            _ = fsync(fd)
            lastSync = ContinuousClock.now
        }
    }

    /// Seconds with microsecond precision, e.g. `1.250000`.
    static func formatTime(_ t: Double) -> String {
        let micro = Int64((t * 1_000_000).rounded())
        let frac = String(micro % 1_000_000)
        return "\(micro / 1_000_000).\(String(repeating: "0", count: 6 - frac.count))\(frac)"
    }
}

extension AsciicastWriter {
    /// The SHA-256 (lower-case hex) of a file, to check a recording against the audit log.
    public static func sha256(ofFileAt path: String) throws(RecordingError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RecordingError(.io, "cannot read \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return Hex.encode(hasher.finalize())
    }
}
