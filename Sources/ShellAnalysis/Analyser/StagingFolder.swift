/// Folders that any user or program can write to and where nothing is installed: what runs from
/// them was put there recently, usually downloaded or unpacked, and nobody has reviewed it.
/// Running a program from one is a classic sign of an attack (ATT&CK T1204.002; Sigma's
/// "execution from a suspicious folder").
enum StagingFolder {
    static let unix = ["/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/private/tmp/", "/private/var/tmp/"]

    /// Lower-cased fragments of Windows paths (after `%TEMP%` and `$env:TEMP` are expanded, and as typed).
    static let windows = [
        "\\appdata\\local\\temp\\", "\\windows\\temp\\", "%temp%\\", "%tmp%\\", "$env:temp\\", "$env:tmp\\",
        "\\users\\public\\", "c:\\perflogs\\", "\\$recycle.bin\\",
    ]

    /// Whether `path` (a program being run) lives in a staging folder.
    static func contains(_ path: String) -> Bool {
        let p = PathPattern.normalise(path)
        if unix.contains(where: { p.hasPrefix($0) }) { return true }
        let w = ByteSearch.replacing(UInt8(ascii: "/"), with: UInt8(ascii: "\\"), in: path.lowercased())
        return windows.contains { w.contains($0) }
    }

    static let reason = "a folder anyone can write to, where nothing is installed: whatever runs from there was put there recently and nobody has reviewed it"
}
