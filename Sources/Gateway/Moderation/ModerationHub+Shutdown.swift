extension ModerationHub {
    /// Starts the gateway's shutdown: every session is paused (a command typed now waits and
    /// never runs), and engineers and watchers are told.
    public func beginShutdown(notice: String) {
        shuttingDown = true
        for id in sessions.keys {
            sessions[id]?.summary.paused = true
            broadcastNotice(notice, in: id, except: nil)
            if let control = sessions[id]?.control {
                Task { await control.notify(notice) }
            }
        }
    }

    /// The live sessions' controls.
    public func controls() -> [any SessionControl] {
        sessions.values.map(\.control)
    }
}
