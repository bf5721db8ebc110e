/// A shell on a target, reached through a PTY with echo off and without line editing. The
/// gateway owns the line editor and the echo; the target's shell only ever receives complete,
/// analysed, audited commands (and, while an allowed interactive program runs, its keystrokes).
public protocol TargetShell: AnyObject, Sendable {
    /// Delivers the shell's output to `deliver`, one read at a time and in order, awaiting each
    /// delivery before reading more (backpressure). Returns when the shell has gone.
    func pumpOutput(_ deliver: @escaping @Sendable ([UInt8]) async -> Void) async
    /// Writes to the shell's terminal.
    func write(_ bytes: [UInt8]) async throws
    /// Tells the terminal its new size.
    func resize(columns: Int, rows: Int)
    /// Ends the shell.
    func close() async
    /// The shell's exit status once it has ended (nil if it was killed by a signal or unknown).
    func exitStatus() async -> Int32?
    /// Reads a file on the target over a separate channel (not through the engineer's shell),
    /// at most `limit` bytes. Returns nil if there is no such regular file.
    func readFile(_ path: String, limit: Int) async throws -> [UInt8]?
    /// Whether the command of an exec session without a terminal (`ssh gateway -- COMMAND`, not
    /// `ssh -t`) runs on a channel of its own without one, as `ssh host COMMAND` runs it, rather
    /// than typed into the shell.
    var runsCommandsWithoutTerminal: Bool { get }
    /// Runs `command` (a bash command line) on a channel of its own without a terminal, delivering
    /// its output (standard output and error, in order) as ``pumpOutput(_:)`` does. Returns its
    /// exit status, nil if none came (killed by a signal, or the connection dropped).
    func runWithoutTerminal(_ command: String, deliver: @escaping @Sendable ([UInt8]) async -> Void) async throws -> Int32?
}

extension TargetShell {
    public var runsCommandsWithoutTerminal: Bool { false }

    public func runWithoutTerminal(_ command: String, deliver: @escaping @Sendable ([UInt8]) async -> Void) async throws -> Int32? {
        throw GatewayError(.targetUnavailable, "this target runs commands only in its shell")
    }
}

/// How the gateway opens a shell on a target.
public protocol TargetConnector: Sendable {
    /// Opens a shell with a terminal of the given size, without exec mediation (agentless).
    func openShell(columns: Int, rows: Int, term: String) async throws -> any TargetShell
    /// Whether this target may run `escort-agent` (the connector knows where it would be).
    var offersAgent: Bool { get }
    /// Opens the shell under escort-agent (`mediated`), returning a ``MediatedShell``, or
    /// agentless; throws if mediation was asked for and the agent cannot be started.
    func openShell(columns: Int, rows: Int, term: String, mediated: Bool) async throws -> any TargetShell
}

extension TargetConnector {
    public var offersAgent: Bool { false }

    public func openShell(columns: Int, rows: Int, term: String, mediated: Bool) async throws -> any TargetShell {
        guard !mediated else { throw GatewayError(.targetUnavailable, "this target has no escort-agent") }
        return try await openShell(columns: columns, rows: rows, term: term)
    }
}
