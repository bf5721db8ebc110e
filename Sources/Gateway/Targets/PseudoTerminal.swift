#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A child process on a new pseudo-terminal: `openpty`, then `posix_spawn` with a new session
/// whose controlling terminal is the PTY's slave (no `fork` in this threaded process).
struct PseudoTerminal {
    let master: Int32
    let pid: pid_t

    /// Starts `arguments[0]` (a path) on a new PTY with ECHO off, in `directory` (through
    /// `env -C`, as glibc's `posix_spawn_file_actions_addchdir_np` is not visible to Swift).
    static func spawn(arguments: [String], environment: [String], directory: String?, columns: Int, rows: Int) throws -> PseudoTerminal {
        let arguments = directory.map { ["/usr/bin/env", "-C", $0] + arguments } ?? arguments
        var master: Int32 = -1
        var slave: Int32 = -1
        var size = winsize(ws_row: UInt16(clamping: rows), ws_col: UInt16(clamping: columns), ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else {
            throw GatewayError(.targetUnavailable, "could not open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        defer { close(slave) }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        var modes = termios()
        if tcgetattr(slave, &modes) == 0 {
            modes.c_lflag &= ~tcflag_t(ECHO | ECHOE | ECHOK | ECHONL)
            _ = tcsetattr(slave, TCSANOW, &modes)
        }
        var nameBuffer = [CChar](repeating: 0, count: 256)
        guard ttyname_r(slave, &nameBuffer, nameBuffer.count) == 0 else {
            close(master)
            throw GatewayError(.targetUnavailable, "could not name the pseudo-terminal")
        }
        let slavePath = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH] {
            sigaddset(&defaults, s)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        let setsid: Int32 = 0x80 // POSIX_SPAWN_SETSID, hidden behind _GNU_SOURCE
        posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard rc == 0 else {
            close(master)
            throw GatewayError(.targetUnavailable, "could not start \(arguments[0]): \(String(cString: strerror(rc)))")
        }
        return PseudoTerminal(master: master, pid: pid)
    }

    static func resize(master: Int32, columns: Int, rows: Int) {
        var size = winsize(ws_row: UInt16(clamping: rows), ws_col: UInt16(clamping: columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    /// Waits for the child (blocking: call off the event loops). Its exit status, or nil for a signal.
    static func wait(pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        // WIFEXITED / WEXITSTATUS
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return nil
    }
}
