import EscortCore

/// One program start the kernel stopped in the session's process tree, as the agent saw it
/// before letting it run: the file the kernel would execute (resolved by the agent against the
/// process's own working directory and root, never `$PWD`), its identity and hash, what it is
/// handed, and who asked.
public struct ExecReport: Sendable, Hashable {
    /// A link in the parent chain, nearest first.
    public struct Ancestor: Sendable, Hashable {
        public var pid: Int32
        public var executable: String
        public var argv: [String]
        public init(pid: Int32, executable: String, argv: [String]) {
            self.pid = pid
            self.executable = executable
            self.argv = argv
        }
    }

    /// The notification's id (decimal): the ``AgentFrame/Kind/decision`` names it.
    public var id: String
    public var pid: Int32
    /// `execve` or `execveat`.
    public var call: String
    /// The path as the program passed it.
    public var path: String
    /// The absolute path of the file (symbolic links resolved); empty if it does not exist.
    public var resolved: String
    public var device: UInt64
    public var inode: UInt64
    /// The file's owner and permission bits.
    public var owner: UInt32
    public var mode: UInt32
    /// SHA-256 of the file (hex), empty if it could not be read.
    public var sha256: String
    /// Whether the file starts with `#!`; then `text` holds it (up to ``scriptLimit`` bytes).
    public var isScript: Bool
    /// The interpreter line of a script (without `#!`), if any.
    public var interpreter: String?
    /// A script's text (UTF-8, at most ``scriptLimit`` bytes); nil for binaries.
    public var text: String?
    /// Whether `text` is the whole script.
    public var textComplete: Bool
    public var argv: [String]
    /// The environment variables that change what a program does (`LD_*`, `PATH`, `BASH_ENV`,
    /// `ENV`, `PS0`, `PS4`, `PROMPT_COMMAND`, `SHELLOPTS`, `BASHOPTS`, `IFS`, `PYTHON*`, `PERL5*`, …).
    public var environment: [String: String]
    /// The process's working directory, from the kernel.
    public var cwd: String
    public var parents: [Ancestor]

    /// How much of a script the agent sends.
    public static let scriptLimit = 256 * 1024

    public init(id: String, pid: Int32, call: String, path: String, resolved: String, device: UInt64, inode: UInt64,
                owner: UInt32, mode: UInt32, sha256: String, isScript: Bool, interpreter: String?, text: String?,
                textComplete: Bool, argv: [String], environment: [String: String], cwd: String, parents: [Ancestor]) {
        self.id = id
        self.pid = pid
        self.call = call
        self.path = path
        self.resolved = resolved
        self.device = device
        self.inode = inode
        self.owner = owner
        self.mode = mode
        self.sha256 = sha256
        self.isScript = isScript
        self.interpreter = interpreter
        self.text = text
        self.textComplete = textComplete
        self.argv = argv
        self.environment = environment
        self.cwd = cwd
        self.parents = parents
    }

    /// Whether `name` is one of the environment variables worth reporting.
    public static func reports(variable name: Substring) -> Bool {
        if name.hasPrefix("LD_") || name.hasPrefix("PYTHON") || name.hasPrefix("PERL5") || name.hasPrefix("RUBY")
            || name.hasPrefix("NODE_") || name.hasPrefix("GIT_") || name.hasPrefix("BASH_FUNC_") { return true }
        return ["PATH", "BASH_ENV", "ENV", "PS0", "PS4", "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "IFS",
                "LESSOPEN", "LESSCLOSE", "PAGER", "MANPAGER", "EDITOR", "VISUAL", "SHELL", "HISTFILE",
                "GCONV_PATH", "MALLOC_CONF", "JAVA_TOOL_OPTIONS", "PWD"].contains(name)
    }
}

extension ExecReport {
    /// The report as the JSON payload of an ``AgentFrame/Kind/exec`` frame.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "pid": .integer(Int64(pid)), "call": .string(call), "path": .string(path),
            "resolved": .string(resolved), "dev": .string(String(device)), "ino": .string(String(inode)),
            "uid": .integer(Int64(owner)), "mode": .integer(Int64(mode)), "sha256": .string(sha256),
            "script": .bool(isScript), "text_complete": .bool(textComplete),
            "argv": .array(argv.map { .string($0) }),
            "env": .object(environment.mapValues { .string($0) }), "cwd": .string(cwd),
            "parents": .array(parents.map { .object(["pid": .integer(Int64($0.pid)), "exe": .string($0.executable), "argv": .array($0.argv.map { .string($0) })]) }),
        ]
        if let interpreter { o["interpreter"] = .string(interpreter) }
        if let text { o["text"] = .string(text) }
        return .object(o)
    }

    /// Reads a report; nil if a required field is missing or of the wrong type.
    public init?(json v: JSONValue) {
        guard let id = v["id"]?.stringValue, let pid = v["pid"]?.integerValue, let call = v["call"]?.stringValue,
              let path = v["path"]?.stringValue, let resolved = v["resolved"]?.stringValue,
              let dev = v["dev"]?.stringValue.flatMap({ UInt64($0) }), let ino = v["ino"]?.stringValue.flatMap({ UInt64($0) }),
              let uid = v["uid"]?.integerValue, let mode = v["mode"]?.integerValue, let sha = v["sha256"]?.stringValue,
              let script = v["script"]?.boolValue, let argv = v["argv"]?.arrayValue?.compactMap(\.stringValue),
              let cwd = v["cwd"]?.stringValue else { return nil }
        let env = (v["env"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        let parents = (v["parents"]?.arrayValue ?? []).compactMap { p -> Ancestor? in
            guard let pid = p["pid"]?.integerValue, let exe = p["exe"]?.stringValue else { return nil }
            return Ancestor(pid: Int32(truncatingIfNeeded: pid), executable: exe, argv: p["argv"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        self.init(id: id, pid: Int32(truncatingIfNeeded: pid), call: call, path: path, resolved: resolved, device: dev, inode: ino,
                  owner: UInt32(truncatingIfNeeded: uid), mode: UInt32(truncatingIfNeeded: mode), sha256: sha, isScript: script,
                  interpreter: v["interpreter"]?.stringValue, text: v["text"]?.stringValue,
                  textComplete: v["text_complete"]?.boolValue ?? false, argv: argv, environment: env, cwd: cwd, parents: parents)
    }

    /// The command line as a shell would have to be typed to run the same thing.
    public var commandLine: String {
        argv.map(Self.quoted).joined(separator: " ")
    }

    /// `word` as one shell word (quoted only where it must be).
    public static func quoted(_ word: String) -> String {
        if !word.isEmpty, word.utf8.allSatisfy({ b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2F || b == 0x2E || b == 0x2D || b == 0x5F || b == 0x3D || b == 0x3A || b == 0x2C || b == 0x2B || b == 0x40
        }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
