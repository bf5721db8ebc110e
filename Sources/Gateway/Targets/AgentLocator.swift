import Foundation

/// Where the gateway finds `escort-agent` for its local-shell targets: `ESCORT_AGENT` if set,
/// else beside the running executable (`escort`, or the test runner in `.build/<config>/`).
public enum AgentLocator {
    public static var local: String? {
        if let path = ProcessInfo.processInfo.environment["ESCORT_AGENT"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = me.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("escort-agent").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }
}
