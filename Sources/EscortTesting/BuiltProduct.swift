import Foundation

/// Executables built by `swift build` in the same configuration as the running tests.
public enum BuiltProduct {
    /// The directory holding the built products (`.build/debug/` or `.build/release/`).
    public static var directory: String {
        // The test runner is `.build/<config>/EscortPackageTests.xctest`, or a helper inside it.
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("escort").path) { return url.path }
        }
        // Fall back to the package layout.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug").path
    }

    /// The path of the built executable `name`, or nil if it has not been built.
    public static func path(_ name: String) -> String? {
        let p = "\(directory)/\(name)"
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }
}
