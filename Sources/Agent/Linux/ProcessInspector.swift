#if canImport(Glibc)
import CEscortAgent
import Crypto
import Glibc

/// SHA-256 and head of files by identity: a file is hashed again only when its device, inode, size,
/// modification or change time differ (a write changes the change time, which no program can set).
final class HashCache {
    nonisolated(unsafe) static let shared = HashCache()
    struct Key: Hashable {
        var device: UInt64, inode: UInt64, size: Int64, mtime: Int64, mtimeNanos: Int, ctime: Int64, ctimeNanos: Int
    }
    var entries: [Key: (String, [UInt8], Bool)] = [:]

    func hash(_ file: String, _ info: stat) -> (String, [UInt8], Bool) {
        let key = Key(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                      mtime: Int64(info.st_mtim.tv_sec), mtimeNanos: info.st_mtim.tv_nsec,
                      ctime: Int64(info.st_ctim.tv_sec), ctimeNanos: info.st_ctim.tv_nsec)
        if let hit = entries[key] { return hit }
        let value = ProcessInspector.hash(file)
        // The file may have changed while it was read: keep the value only if it did not.
        var after = stat()
        if stat(file, &after) == 0, after.st_ctim.tv_sec == info.st_ctim.tv_sec, after.st_ctim.tv_nsec == info.st_ctim.tv_nsec {
            if entries.count > 4096 { entries.removeAll() }
            entries[key] = value
        }
        return value
    }
}

/// Reads what a stopped exec asks for out of the process itself (`/proc/PID/mem`, `cwd`, `root`,
/// `fd/N`), and the file it names. Every read is bounded; a string that does not end within its
/// bound, or memory that cannot be read, makes the exec unreadable (and so refused).
public enum ProcessInspector {
    /// Bounds: one string, all of argv, all of the environment.
    static let stringLimit = 128 * 1024
    static let argvLimit = 1 << 20
    static let argumentCount = 8192

    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Builds the report for notice `notice` (which the caller re-validates afterwards).
    public static func report(_ notice: escort_exec_notice) throws(Unreadable) -> ExecReport {
        let pid = notice.pid
        let mem = open("/proc/\(pid)/mem", O_RDONLY | O_CLOEXEC)
        guard mem >= 0 else { throw Unreadable(description: "cannot open the memory of process \(pid): \(errnoText())") }
        defer { close(mem) }
        let isAt = notice.is_execveat != 0
        let args = withUnsafeBytes(of: notice.args) { Array($0.bindMemory(to: UInt64.self)) }
        let pathAddress = isAt ? args[1] : args[0]
        let argvAddress = isAt ? args[2] : args[1]
        let envAddress = isAt ? args[3] : args[2]
        let path = try string(mem, at: pathAddress, limit: 4096)
        let argv = try strings(mem, at: argvAddress)
        let env = try strings(mem, at: envAddress)
        let cwd = link("/proc/\(pid)/cwd") ?? ""
        let root = link("/proc/\(pid)/root") ?? "/"
        // The file, as the kernel will look it up: through the process's root, from its cwd (or
        // from the directory fd of execveat).
        var base = cwd
        if isAt {
            let dirfd = Int32(truncatingIfNeeded: Int64(bitPattern: args[0]))
            let flags = Int32(truncatingIfNeeded: args[4])
            if dirfd != AT_FDCWD_VALUE {
                let target = link("/proc/\(pid)/fd/\(dirfd)") ?? ""
                if path.isEmpty, flags & 0x1000 != 0 { // AT_EMPTY_PATH: the fd itself is the program
                    return try describe(pid: pid, notice: notice, call: "execveat", path: "", file: "/proc/\(pid)/fd/\(dirfd)",
                                        shown: target, argv: argv, env: env, cwd: cwd)
                }
                base = target
            }
        }
        let within = root == "/" ? "" : root
        let file: String = path.hasPrefix("/") ? within + path : within + (base.hasSuffix("/") ? base : base + "/") + path
        return try describe(pid: pid, notice: notice, call: isAt ? "execveat" : "execve", path: path, file: file,
                            shown: nil, argv: argv, env: env, cwd: cwd)
    }

    static let AT_FDCWD_VALUE: Int32 = -100

    static func describe(pid: Int32, notice: escort_exec_notice, call: String, path: String, file: String, shown: String?,
                         argv: [String], env: [String], cwd: String) throws(Unreadable) -> ExecReport {
        var info = stat()
        let exists = stat(file, &info) == 0
        let resolved = shown ?? (exists ? (realpathString(file) ?? file) : "")
        var sha = ""
        var head: [UInt8] = []
        var complete = false
        if exists, (info.st_mode & S_IFMT) == S_IFREG {
            (sha, head, complete) = HashCache.shared.hash(file, info)
        }
        let isScript = head.count >= 2 && head[0] == 0x23 && head[1] == 0x21
        var interpreter: String?
        var text: String?
        if isScript {
            let line = head.prefix { $0 != 0x0A }.dropFirst(2)
            interpreter = String(decoding: line, as: UTF8.self).trimmingSpaces
            text = String(decoding: head, as: UTF8.self)
        }
        var environment: [String: String] = [:]
        for kv in env {
            guard let eq = kv.firstIndex(of: "=") else { continue }
            let name = kv[..<eq]
            if ExecReport.reports(variable: name) { environment[String(name)] = String(kv[kv.index(after: eq)...]) }
        }
        return ExecReport(
            id: String(notice.id), pid: pid, call: call, path: path, resolved: resolved,
            device: exists ? UInt64(info.st_dev) : 0, inode: exists ? UInt64(info.st_ino) : 0,
            owner: exists ? info.st_uid : 0, mode: exists ? info.st_mode : 0, sha256: sha,
            isScript: isScript, interpreter: interpreter, text: text, textComplete: complete,
            argv: argv, environment: environment, cwd: cwd, parents: parents(of: pid))
    }

    /// SHA-256 of the file, its first ``ExecReport/scriptLimit`` bytes, and whether they are all of it.
    static func hash(_ file: String) -> (String, [UInt8], Bool) {
        let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { return ("", [], false) }
        defer { close(fd) }
        var hasher = SHA256()
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            hasher.update(data: buffer[0..<n])
            if head.count < ExecReport.scriptLimit { head += buffer[0..<min(n, ExecReport.scriptLimit - head.count)] }
            total += n
        }
        return (hasher.finalize().map { String($0, radix: 16).leftPadded }.joined(), head, total <= ExecReport.scriptLimit)
    }

    /// The parent chain from `/proc`, nearest first, at most eight deep, within the session (it
    /// stops at the agent: what started the agent is not the session's).
    static func parents(of pid: Int32) -> [ExecReport.Ancestor] {
        var out: [ExecReport.Ancestor] = []
        var current = parent(of: pid)
        let agent = getpid()
        while let p = current, p > 1, p != agent, out.count < 8 {
            out.append(.init(pid: p, executable: link("/proc/\(p)/exe") ?? "?", argv: commandLine(of: p)))
            current = parent(of: p)
        }
        return out
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let stat = readSmall("/proc/\(pid)/stat"), let close = stat.lastIndex(of: 0x29) else { return nil }
        let fields = stat[(close + 2)...].split(separator: 0x20)
        guard fields.count > 1 else { return nil }
        return Int32(String(decoding: fields[fields.startIndex + 1], as: UTF8.self))
    }

    /// `/proc/PID/cmdline` as words.
    public static func commandLine(of pid: Int32) -> [String] {
        guard let bytes = readSmall("/proc/\(pid)/cmdline", limit: argvLimit) else { return [] }
        var words = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if words.last == "" { words.removeLast() }
        return words
    }

    /// A small file's bytes.
    public static func readSmall(_ path: String, limit: Int = 65536) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while out.count < limit {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            out += buffer[0..<n]
        }
        return out
    }

    /// A symbolic link's target.
    public static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func realpathString(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// A NUL-terminated string at `address`, at most `limit` bytes.
    static func string(_ mem: Int32, at address: UInt64, limit: Int) throws(Unreadable) -> String {
        guard address != 0 else { return "" }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var at = address
        while out.count < limit {
            // Never read across a page boundary in one go: the next page may be unmapped.
            let room = Int(4096 - (at % 4096))
            let n = chunk.withUnsafeMutableBytes { pread(mem, $0.baseAddress, room, off_t(Int64(bitPattern: at))) }
            guard n > 0 else { throw Unreadable(description: "the exec's arguments cannot be read (\(errnoText()))") }
            if let z = chunk[0..<n].firstIndex(of: 0) {
                out += chunk[0..<z]
                return String(decoding: out, as: UTF8.self)
            }
            out += chunk[0..<n]
            at += UInt64(n)
        }
        throw Unreadable(description: "an exec argument is longer than \(limit) bytes")
    }

    /// A NULL-terminated array of strings at `address`.
    static func strings(_ mem: Int32, at address: UInt64) throws(Unreadable) -> [String] {
        guard address != 0 else { return [] }
        var out: [String] = []
        var total = 0
        var at = address
        while out.count < argumentCount {
            var pointer: UInt64 = 0
            let n = withUnsafeMutableBytes(of: &pointer) { pread(mem, $0.baseAddress, 8, off_t(Int64(bitPattern: at))) }
            guard n == 8 else { throw Unreadable(description: "the exec's argument list cannot be read (\(errnoText()))") }
            if pointer == 0 { return out }
            let s = try string(mem, at: pointer, limit: stringLimit)
            total += s.utf8.count + 1
            guard total <= argvLimit else { throw Unreadable(description: "the exec's arguments are over \(argvLimit) bytes") }
            out.append(s)
            at += 8
        }
        throw Unreadable(description: "the exec has more than \(argumentCount) arguments")
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

extension String {
    var leftPadded: String { count == 1 ? "0" + self : self }
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
#endif
