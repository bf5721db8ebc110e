import EscortCore

/// The agent protocol's messages, typed. ``AgentFrame`` carries them; ``frame`` and
/// ``init(frame:)`` convert, and a frame that does not read as its kind is a protocol failure.
public enum AgentMessage: Sendable, Hashable {
    case input([UInt8])
    case resize(columns: Int, rows: Int)
    case run(number: Int, command: String)
    case decision(id: String, allow: Bool, reason: String)
    case readFile(request: Int, path: String, limit: Int)
    case stop
    case hello(agentPID: Int32, shellPID: Int32, mediated: Bool)
    case output([UInt8])
    case exec(ExecReport)
    case finished(number: Int, status: Int32, cwd: String)
    case file(request: Int, content: [UInt8]?, error: String?)
    case exited(status: Int32?)
    case mismatch(id: String, pid: Int32, reason: String)
    case failure(String)

    /// The protocol version this build speaks.
    public static let version: Int64 = 1

    public var frame: AgentFrame {
        switch self {
        case .input(let b): return AgentFrame(.input, b)
        case .output(let b): return AgentFrame(.output, b)
        case .resize(let c, let r): return Self.json(.resize, ["cols": .integer(Int64(c)), "rows": .integer(Int64(r))])
        case .run(let n, let command): return Self.json(.run, ["n": .integer(Int64(n)), "command": .string(command)])
        case .decision(let id, let allow, let reason): return Self.json(.decision, ["id": .string(id), "allow": .bool(allow), "reason": .string(reason)])
        case .readFile(let rid, let path, let limit): return Self.json(.readFile, ["rid": .integer(Int64(rid)), "path": .string(path), "limit": .integer(Int64(limit))])
        case .stop: return Self.json(.stop, [:])
        case .hello(let a, let s, let m):
            return Self.json(.hello, ["version": .integer(Self.version), "agent_pid": .integer(Int64(a)), "shell_pid": .integer(Int64(s)), "mediated": .bool(m)])
        case .exec(let report): return AgentFrame(.exec, report.json.encodedBytes())
        case .finished(let n, let status, let cwd): return Self.json(.finished, ["n": .integer(Int64(n)), "status": .integer(Int64(status)), "cwd": .string(cwd)])
        case .file(let rid, let content, let error):
            var o: [String: JSONValue] = ["rid": .integer(Int64(rid)), "ok": .bool(content != nil)]
            if let content { o["hex"] = .string(Hex.encode(content)) }
            if let error { o["error"] = .string(error) }
            return Self.json(.file, o)
        case .exited(let status): return Self.json(.exited, ["status": status.map { .integer(Int64($0)) } ?? .null])
        case .mismatch(let id, let pid, let reason): return Self.json(.mismatch, ["id": .string(id), "pid": .integer(Int64(pid)), "reason": .string(reason)])
        case .failure(let m): return Self.json(.failure, ["message": .string(m)])
        }
    }

    static func json(_ kind: AgentFrame.Kind, _ o: [String: JSONValue]) -> AgentFrame {
        AgentFrame(kind, JSONValue.object(o).encodedBytes())
    }

    /// Reads a frame. Throws ``AgentFrameDecoder/Failure`` naming what was wrong.
    public init(frame: AgentFrame) throws(AgentFrameDecoder.Failure) {
        func bad(_ what: String) -> AgentFrameDecoder.Failure { AgentFrameDecoder.Failure(description: "agent \(frame.kind) frame: \(what)") }
        switch frame.kind {
        case .input: self = .input(frame.payload); return
        case .output: self = .output(frame.payload); return
        case .stop: self = .stop; return
        default: break
        }
        let v: JSONValue
        do { v = try JSONParser.parse(frame.payload) } catch { throw bad("not JSON (\(error))") }
        func int(_ k: String) throws(AgentFrameDecoder.Failure) -> Int64 {
            guard let i = v[k]?.integerValue else { throw bad("no integer \(k)") }
            return i
        }
        func str(_ k: String) throws(AgentFrameDecoder.Failure) -> String {
            guard let s = v[k]?.stringValue else { throw bad("no string \(k)") }
            return s
        }
        switch frame.kind {
        case .resize: self = .resize(columns: Int(try int("cols")), rows: Int(try int("rows")))
        case .run: self = .run(number: Int(try int("n")), command: try str("command"))
        case .decision:
            guard let allow = v["allow"]?.boolValue else { throw bad("no allow") }
            self = .decision(id: try str("id"), allow: allow, reason: v["reason"]?.stringValue ?? "")
        case .readFile: self = .readFile(request: Int(try int("rid")), path: try str("path"), limit: Int(try int("limit")))
        case .hello:
            guard try int("version") == Self.version else { throw bad("protocol version \(v["version"]?.integerValue ?? -1), this gateway speaks \(Self.version)") }
            self = .hello(agentPID: Int32(truncatingIfNeeded: try int("agent_pid")), shellPID: Int32(truncatingIfNeeded: try int("shell_pid")), mediated: v["mediated"]?.boolValue ?? false)
        case .exec:
            guard let r = ExecReport(json: v) else { throw bad("an incomplete exec report") }
            self = .exec(r)
        case .finished: self = .finished(number: Int(try int("n")), status: Int32(truncatingIfNeeded: try int("status")), cwd: try str("cwd"))
        case .file:
            let content = v["hex"]?.stringValue.flatMap { Hex.decode($0) }
            self = .file(request: Int(try int("rid")), content: v["ok"]?.boolValue == true ? (content ?? []) : nil, error: v["error"]?.stringValue)
        case .exited: self = .exited(status: v["status"]?.integerValue.map { Int32(truncatingIfNeeded: $0) })
        case .mismatch: self = .mismatch(id: try str("id"), pid: Int32(truncatingIfNeeded: try int("pid")), reason: try str("reason"))
        case .failure: self = .failure(try str("message"))
        case .input, .output, .stop: throw bad("read twice")
        }
    }
}
