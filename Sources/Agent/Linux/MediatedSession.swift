#if canImport(Glibc)
import CEscortAgent
import Glibc

/// `escort-agent session`: runs the engineer's shell on a new terminal with every program start
/// in its process tree stopped by the kernel (seccomp user notification) until the gateway, at
/// the other end of `input`/`output`, answers. Single-threaded: one `poll` loop over the gateway
/// stream, the terminal, the exec listener and the shell's status pipe.
///
/// The shell reads its commands from a pipe only this agent writes (`bash -i /dev/fd/3`), never
/// from the terminal: what the gateway analysed is byte for byte what bash parses (no line
/// discipline, no 4095-byte cut, no Ctrl-U or Ctrl-V editing), and keystrokes left over by an
/// interactive program are never read as commands. A command's end and exit status come back on
/// a second pipe with a fresh nonce per command, which nothing the engineer runs can know before
/// the shell reads it.
public final class MediatedSession {
    public struct Options: Sendable {
        public var shell: String = "/bin/bash"
        public var columns: UInt16 = 80
        public var rows: UInt16 = 24
        public var environment: [String] = []
        public var directory: String?
        public init() {}
    }

    let options: Options
    let input: Int32
    let output: Int32
    var master: Int32 = -1
    var slave: Int32 = -1
    var commandWrite: Int32 = -1
    var statusRead: Int32 = -1
    var listener: Int32 = -1
    var shellPID: pid_t = 0
    var shellExecAllowed = false
    var decoder = AgentFrameDecoder()
    var statusBuffer: [UInt8] = []
    /// The nonce the current command's status line must carry, and the command's number.
    var expected: (nonce: String, number: Int)?
    var pending: [String: (notice: escort_exec_notice, report: ExecReport)] = [:]
    var running = true

    public init(options: Options, input: Int32 = 0, output: Int32 = 1) {
        self.options = options
        self.input = input
        self.output = output
    }

    /// Runs the session; returns the process's exit status.
    public func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        do {
            try start()
        } catch {
            send(.failure("escort-agent could not start the shell: \(error)"))
            return 1
        }
        send(.hello(agentPID: getpid(), shellPID: shellPID, mediated: true))
        // The shell's set-up, then the first status line: the shell is ready.
        let nonce = Self.nonce()
        expected = (nonce, 0)
        writeCommand("exec 3<&- 250>&4 4>&-; PS1=''; PS2=''; PS0=''; unset PROMPT_COMMAND; HISTFILE=/dev/null; set +o history; __escort_ret() { return \"$1\"; }\n" + trailer(nonce))
        loop()
        stopEverything()
        return 0
    }

    func trailer(_ nonce: String) -> String {
        "\n__escort_s=$?; builtin printf '%s %s\\n' \(nonce) \"$__escort_s\" >&250; __escort_ret \"$__escort_s\"\n"
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    func start() throws {
        guard escort_become_subreaper() == 0 else { throw StartFailure(description: "cannot become a subreaper: \(Self.errorText())") }
        var size = winsize(ws_row: options.rows, ws_col: options.columns, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw StartFailure(description: "no pseudo-terminal: \(Self.errorText())") }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        var commands: [Int32] = [0, 0]
        var status: [Int32] = [0, 0]
        guard escort_pipe(&commands) == 0, escort_pipe(&status) == 0 else { throw StartFailure(description: "no pipe: \(Self.errorText())") }
        commandWrite = commands[1]
        statusRead = status[0]
        let arguments = [options.shell, "--noediting", "--noprofile", "--norc", "-i", "/dev/fd/3"]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = options.environment.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        let pid = argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in
                escort_spawn_mediated(options.shell, a.baseAddress, e.baseAddress, options.directory, slave, commands[0], status[1],
                                      geteuid() == 0 ? 0 : 1, &listener)
            }
        }
        close(commands[0])
        close(status[1])
        guard pid > 0 else { throw StartFailure(description: "cannot start \(options.shell) under exec mediation: \(Self.errorText())") }
        shellPID = pid
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        _ = fcntl(statusRead, F_SETFL, fcntl(statusRead, F_GETFL) | O_NONBLOCK)
    }

    func loop() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while running {
            var fds = [
                pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                pollfd(fd: master, events: Int16(POLLIN), revents: 0),
                pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                pollfd(fd: statusRead, events: Int16(POLLIN), revents: 0),
            ]
            let n = poll(&fds, nfds_t(fds.count), 50)
            if n < 0, errno != EINTR { break }
            if fds[0].revents != 0 {
                let r = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR) { break } // the gateway has gone
                if r > 0 { gatewayBytes(Array(buffer[0..<r])) }
            }
            if fds[1].revents != 0 {
                let r = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if r > 0 { send(.output(Array(buffer[0..<r]))) }
            }
            if fds[2].revents & Int16(POLLIN) != 0 { execStopped() }
            if fds[3].revents != 0 {
                let r = buffer.withUnsafeMutableBytes { read(statusRead, $0.baseAddress, $0.count) }
                if r > 0 { statusBytes(buffer[0..<r]) }
            }
            reap()
        }
    }

    // MARK: From the gateway

    func gatewayBytes(_ bytes: [UInt8]) {
        let frames: [AgentFrame]
        do { frames = try decoder.feed(bytes) } catch {
            send(.failure("\(error)"))
            running = false
            return
        }
        for frame in frames {
            let message: AgentMessage
            do { message = try AgentMessage(frame: frame) } catch {
                send(.failure("\(error)"))
                running = false
                return
            }
            handle(message)
        }
    }

    func handle(_ message: AgentMessage) {
        switch message {
        case .input(let bytes):
            // While the shell itself has the terminal (at its prompt, or running builtins), only
            // the signal keys pass: nothing typed may wait in the terminal for a program to come.
            let shellHasTerminal = escort_foreground(master) == shellPID
            let passed = shellHasTerminal ? bytes.filter { $0 == 0x03 || $0 == 0x1C || $0 == 0x1A } : bytes
            writeAll(master, passed)
        case .resize(let c, let r):
            _ = escort_set_window(master, UInt16(clamping: c), UInt16(clamping: r))
        case .run(let number, let command):
            // Keystrokes left in the terminal from before are not the next program's input.
            tcflush(slave, TCIFLUSH)
            let nonce = Self.nonce()
            expected = (nonce, number)
            writeCommand(command + trailer(nonce))
        case .decision(let id, let allow, _):
            guard let entry = pending.removeValue(forKey: id) else { return }
            decide(entry.notice, entry.report, allow: allow)
        case .readFile(let rid, let path, let limit):
            send(readFile(rid, path, limit))
        case .stop:
            running = false
        default:
            send(.failure("escort-agent: the gateway sent an agent-side message"))
            running = false
        }
    }

    func writeCommand(_ text: String) {
        if !writeAll(commandWrite, Array(text.utf8)) {
            send(.failure("the shell no longer reads commands"))
            running = false
        }
    }

    func readFile(_ rid: Int, _ path: String, _ limit: Int) -> AgentMessage {
        let cwd = ProcessInspector.link("/proc/\(shellPID)/cwd") ?? "/"
        let full = path.hasPrefix("/") ? path : cwd + "/" + path
        var info = stat()
        guard stat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return .file(request: rid, content: nil, error: "not a readable file at \(full)")
        }
        guard let bytes = ProcessInspector.readSmall(full, limit: max(0, min(limit, AgentFrame.maximumPayload / 2 - 1024))) else {
            return .file(request: rid, content: nil, error: "\(full): \(Self.errorText())")
        }
        return .file(request: rid, content: bytes, error: nil)
    }

    // MARK: From the shell

    func statusBytes(_ bytes: ArraySlice<UInt8>) {
        statusBuffer += bytes
        if statusBuffer.count > 4096 { statusBuffer.removeFirst(statusBuffer.count - 4096) }
        while let nl = statusBuffer.firstIndex(of: 0x0A) {
            let line = String(decoding: statusBuffer[..<nl], as: UTF8.self)
            statusBuffer.removeFirst(nl + 1)
            let parts = line.split(separator: " ")
            // Anything but the current nonce is something a program wrote to the inherited pipe.
            guard parts.count == 2, let e = expected, parts[0] == e.nonce, let status = Int32(parts[1]) else { continue }
            expected = nil
            drainTerminal()
            send(.finished(number: e.number, status: status, cwd: ProcessInspector.link("/proc/\(shellPID)/cwd") ?? "?"))
        }
    }

    /// Sends what the terminal still holds: the command's last output must arrive before its end.
    /// (A pty passes writes to its master through a work queue, so a quiet millisecond is awaited.)
    func drainTerminal() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let r = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if r > 0 {
                send(.output(Array(buffer[0..<r])))
                continue
            }
            var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 1) <= 0 || p.revents & Int16(POLLIN) == 0 { return }
        }
    }

    func execStopped() {
        var notice = escort_exec_notice()
        guard escort_notice_receive(listener, &notice) == 0 else {
            if errno == ENOENT || errno == EINTR { return } // the process died before we looked
            send(.failure("the exec listener failed: \(Self.errorText())"))
            running = false
            return
        }
        // The shell's own start, which this agent asked for.
        if notice.pid == shellPID, !shellExecAllowed {
            shellExecAllowed = true
            _ = escort_notice_answer(listener, notice.id, 1, 0)
            return
        }
        let report: ExecReport
        do {
            report = try ProcessInspector.report(notice)
        } catch {
            _ = escort_notice_answer(listener, notice.id, 0, EPERM)
            send(.mismatch(id: String(notice.id), pid: notice.pid, reason: "refused: \(error)"))
            return
        }
        // The pid was not recycled while we read it (seccomp_unotify(2)).
        guard escort_notice_valid(listener, notice.id) != 0 else { return }
        // No such file: the exec would fail (execvp tries every PATH folder). Answered here, so a
        // file created meanwhile cannot run unseen.
        guard !report.resolved.isEmpty else {
            _ = escort_notice_answer(listener, notice.id, 0, ENOENT)
            return
        }
        pending[report.id] = (notice, report)
        send(.exec(report))
    }

    /// Answers an exec. An allowed one is traced through the exec and checked at the kernel's exec
    /// stop — the new program has not run one instruction yet — against what was decided: another
    /// thread, a `vfork` child or a process sharing the memory could have changed the path or
    /// arguments between the agent's reading and the kernel's, or the file could have been replaced.
    func decide(_ notice: escort_exec_notice, _ report: ExecReport, allow: Bool) {
        guard allow else {
            _ = escort_notice_answer(listener, notice.id, 0, EPERM)
            return
        }
        // No such file: the exec fails; answered here, so a file created meanwhile cannot run unseen.
        guard !report.resolved.isEmpty else {
            _ = escort_notice_answer(listener, notice.id, 0, ENOENT)
            return
        }
        // What cannot be watched through its exec does not run (fail closed).
        guard escort_trace_seize(notice.pid) == 0 else {
            _ = escort_notice_answer(listener, notice.id, 0, EPERM)
            send(.mismatch(id: report.id, pid: notice.pid, reason: "refused: the exec cannot be traced (\(Self.errorText()))"))
            return
        }
        guard escort_notice_answer(listener, notice.id, 1, 0) == 0 else {
            _ = escort_trace_release(notice.pid)
            return
        }
        switch escort_trace_await_exec(notice.pid, 20) {
        case 1:
            if let problem = mismatch(notice.pid, report) {
                kill(notice.pid, SIGKILL)
                _ = escort_trace_release(notice.pid)
                var status: Int32 = 0
                _ = waitpid(notice.pid, &status, Int32(bitPattern: 0x40000000)) // __WALL: release the tracee
                send(.mismatch(id: report.id, pid: notice.pid, reason: problem))
            } else {
                _ = escort_trace_release(notice.pid)
            }
        default:
            break // the exec failed (nothing ran), or the process is gone
        }
    }

    /// What differs between the image the kernel set up and the decision, if anything.
    func mismatch(_ pid: Int32, _ report: ExecReport) -> String? {
        var info = stat()
        guard stat("/proc/\(pid)/exe", &info) == 0 else { return "the executed program cannot be identified" }
        let cmdline = ProcessInspector.commandLine(of: pid)
        if report.isScript {
            let tail = Array(report.argv.dropFirst())
            if cmdline.count < tail.count + 1 || Array(cmdline.suffix(tail.count)) != tail {
                return "a script's arguments changed after they were checked"
            }
            return nil
        }
        if (UInt64(info.st_dev), UInt64(info.st_ino)) != (report.device, report.inode) {
            return "the program executed is not the file that was checked"
        }
        if cmdline != report.argv {
            return "the arguments executed are not the ones that were checked"
        }
        return nil
    }

    // MARK: Ending

    func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { break }
            if pid == shellPID {
                // What the shell and its programs printed last comes before the end.
                drainTerminal()
                let exited = status & 0x7F == 0
                send(.exited(status: exited ? (status >> 8) & 0xFF : nil))
                running = false
            }
        }
    }

    /// Kills every process of the session (all are descendants of this subreaper) and closes the
    /// listener, after which no exec in the tree can succeed.
    func stopEverything() {
        for p in pending.values { _ = escort_notice_answer(listener, p.notice.id, 0, EPERM) }
        pending = [:]
        close(listener)
        close(commandWrite)
        let me = getpid()
        for _ in 0..<20 {
            let victims = Self.descendants(of: me)
            if victims.isEmpty { break }
            for v in victims { kill(v, SIGKILL) }
            var status: Int32 = 0
            while waitpid(-1, &status, WNOHANG) > 0 {}
            usleep(10_000)
        }
    }

    static func descendants(of root: pid_t) -> [pid_t] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var parent: [pid_t: pid_t] = [:]
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = pid_t(name), let pp = ProcessInspector.parent(of: pid) else { continue }
            parent[pid] = pp
        }
        return parent.keys.filter { pid in
            var p = parent[pid]
            var steps = 0
            while let q = p, steps < 64 {
                if q == root { return true }
                p = parent[q]
                steps += 1
            }
            return false
        }
    }

    // MARK: Helpers

    func send(_ message: AgentMessage) {
        _ = writeAll(output, message.frame.encoded)
    }

    @discardableResult
    func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 100)
                    continue
                }
                return false
            }
            offset += n
        }
        return true
    }

    static func nonce() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(g.next() as UInt64, radix: 36) }.joined()
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
#endif
