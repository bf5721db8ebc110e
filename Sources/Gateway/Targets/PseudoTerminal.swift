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

        _ = slavePath
        // Only the terminal passes to the shell: every other descriptor of the gateway is closed
        // in the child (another session's terminal or a listening socket must not leak into it).
        let pid = LocalProcess.spawn(arguments, environment, input: slave, output: slave, error: slave, newSession: true)
        guard pid > 0 else {
            close(master)
            throw GatewayError(.targetUnavailable, "could not start \(arguments[0]): \(String(cString: strerror(errno)))")
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
