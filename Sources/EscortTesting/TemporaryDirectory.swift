import Foundation

/// A fresh directory under the system temporary directory, removed when this is released.
public final class TemporaryDirectory: Sendable {
    /// The directory's path.
    public let path: String

    public init(prefix: String = "escort-test") {
        let base = FileManager.default.temporaryDirectory.path
        let p = "\(base)/\(prefix)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        path = p
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
