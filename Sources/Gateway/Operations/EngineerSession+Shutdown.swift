extension EngineerSession {
    /// Whether a command is on its way to, or running on, the target: forwarded and not yet
    /// finished, or being decided without waiting for anyone (not held, not paused).
    public func isRunningCommand() async -> Bool {
        switch state {
        case .running:
            return true
        case .deciding:
            guard let summary = await context.hub.summary(id) else { return false }
            return summary.held == nil && !summary.paused && !summary.waitingForEscort
        default:
            return false
        }
    }

    /// Ends the session because the gateway stops: the engineer is told, a running command is
    /// cut off, and the audit log records the session as ended with `reason`.
    public func shutDown(reason: String) async {
        guard state != .ended else { return }
        await say("Escort: the gateway is shutting down; this session ends.", inline: false)
        await end(reason: reason, status: 1)
    }
}
