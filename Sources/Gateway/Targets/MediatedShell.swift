import Agent

/// A target shell under escort-agent: commands reach the shell by a channel no terminal alters,
/// their end and exit status come from the agent, and every program the session starts waits for
/// the gateway's answer (``MediatedShellDelegate/execRequested(_:)``).
public protocol MediatedShell: TargetShell {
    /// Sets who hears the agent's events; call before ``TargetShell/pumpOutput(_:)``.
    func attach(_ delegate: any MediatedShellDelegate)
    /// Hands the shell one complete, decided command (number `number`).
    func run(number: Int, command: String) async throws
}

/// The session's side of a mediated shell.
public protocol MediatedShellDelegate: AnyObject, Sendable {
    /// The shell is ready for its first command.
    func shellReady(cwd: String) async
    /// Command `number` finished with `status`, leaving the shell in `cwd` (the kernel's).
    func shellFinished(number: Int, status: Int32, cwd: String) async
    /// A program start in the session's tree: allow it or not (the process waits meanwhile).
    func execRequested(_ report: ExecReport) async -> (allow: Bool, reason: String)
    /// What the kernel ran was not what was decided; the agent killed the process.
    func execMismatch(id: String, pid: Int32, reason: String) async
    /// The agent cannot go on, or its stream broke: the session must end.
    func agentFailed(_ message: String) async
}
