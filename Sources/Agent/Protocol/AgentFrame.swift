/// One unit of the agent protocol: a kind byte, a 4-byte big-endian length and the payload.
///
/// The gateway and `escort-agent` speak it over one byte stream (the agent's standard input and
/// output: a local socket pair, or an SSH exec channel without a terminal). Terminal bytes travel
/// as ``Kind/input`` and ``Kind/output`` payloads as they are; everything else is a JSON object.
/// Nothing the engineer types or prints can make a frame: the stream is framed end to end.
public struct AgentFrame: Sendable, Hashable {
    /// What a frame carries. Gateway-to-agent kinds are below 64, agent-to-gateway kinds above.
    public enum Kind: UInt8, Sendable {
        /// Gateway → agent: keystrokes for the program in the terminal's foreground.
        case input = 1
        /// Gateway → agent: `{"cols":N,"rows":N}`.
        case resize = 2
        /// Gateway → agent: `{"n":N,"command":"…"}`, a complete, approved command for the shell.
        case run = 3
        /// Gateway → agent: `{"id":"…","allow":BOOL,"reason":"…"}`, the answer to an ``exec``.
        case decision = 4
        /// Gateway → agent: `{"rid":N,"path":"…","limit":N}`, read a file (relative paths from the
        /// shell's working directory as the kernel has it).
        case readFile = 5
        /// Gateway → agent: end the session (every process in it is killed).
        case stop = 6
        /// Agent → gateway: `{"version":1,"agent_pid":N,"shell_pid":N,"mediated":BOOL}`.
        case hello = 65
        /// Agent → gateway: terminal output.
        case output = 66
        /// Agent → gateway: an ``ExecReport``; the process waits for a ``decision``.
        case exec = 67
        /// Agent → gateway: `{"n":N,"status":N,"cwd":"…"}`, command N finished.
        case finished = 68
        /// Agent → gateway: `{"rid":N,"ok":BOOL,"hex":"…","error":"…"}`.
        case file = 69
        /// Agent → gateway: `{"status":N}` (or `{"signal":N}`), the shell ended.
        case exited = 70
        /// Agent → gateway: `{"id":"…","pid":N,"reason":"…"}`, what ran was not what was decided;
        /// the process has been killed.
        case mismatch = 71
        /// Agent → gateway: `{"message":"…"}`, the agent cannot go on (it ends the session).
        case failure = 72
    }

    public var kind: Kind
    public var payload: [UInt8]

    public init(_ kind: Kind, _ payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }

    /// The largest payload either side accepts (a frame announcing more ends the stream).
    public static let maximumPayload = 4 << 20

    /// The frame as bytes on the stream.
    public var encoded: [UInt8] {
        var out: [UInt8] = [kind.rawValue]
        let n = UInt32(payload.count)
        out += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
        out += payload
        return out
    }
}

/// Splits a byte stream into frames. A value type with `mutating func feed(_:)`, no I/O.
public struct AgentFrameDecoder: Sendable {
    var buffer: [UInt8] = []
    var start = 0

    public init() {}

    /// What went wrong with the stream: it cannot be read further (the session ends).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Feeds bytes; returns every complete frame. Throws on an unknown kind or an oversized frame.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [AgentFrame] {
        buffer.append(contentsOf: bytes)
        var frames: [AgentFrame] = []
        while buffer.count - start >= 5 {
            let k = buffer[start]
            guard let kind = AgentFrame.Kind(rawValue: k) else {
                throw Failure(description: "unknown agent frame kind \(k)")
            }
            let n = Int(buffer[start + 1]) << 24 | Int(buffer[start + 2]) << 16 | Int(buffer[start + 3]) << 8 | Int(buffer[start + 4])
            guard n <= AgentFrame.maximumPayload else {
                throw Failure(description: "agent frame of \(n) bytes is over the \(AgentFrame.maximumPayload)-byte limit")
            }
            guard buffer.count - start - 5 >= n else { break }
            frames.append(AgentFrame(kind, Array(buffer[(start + 5)..<(start + 5 + n)])))
            start += 5 + n
        }
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 65536 {
            buffer.removeFirst(start)
            start = 0
        }
        return frames
    }
}
