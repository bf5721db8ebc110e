/// The gateway's orderly stop, after the listener has stopped accepting connections: sessions
/// are paused (no new command runs), commands already running get up to `grace` to finish,
/// then every session left is ended with the reason "gateway shutting down".
public enum GatewayShutdown {
    public static let reason = "gateway shutting down"

    /// Returns once every session has ended. Reports how many sessions had to be cut off.
    @discardableResult
    public static func drain(_ hub: ModerationHub, grace: Duration) async -> Int {
        await hub.beginShutdown(notice: "the gateway is shutting down: commands running now may finish; nothing new runs.")
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            var busy = false
            for control in await hub.controls() where await control.isRunningCommand() {
                busy = true
                break
            }
            if !busy { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = await hub.controls()
        await withTaskGroup(of: Void.self) { group in
            for control in remaining {
                group.addTask { await control.shutDown(reason: reason) }
            }
        }
        GatewayTelemetry.logger.notice("sessions ended for shutdown", metadata: ["ended": "\(remaining.count)"])
        return remaining.count
    }
}
