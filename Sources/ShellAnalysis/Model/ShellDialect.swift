/// The language a command line is written in.
public enum ShellDialect: String, Sendable, Codable, CaseIterable {
    /// POSIX sh and the bash extensions people type (bash and sh share one parser).
    case sh
    case bash
    case powershell
    case cmd

    /// Accepts the usual spellings (`pwsh`, `ps`, `cmd.exe`, `zsh` is read as bash).
    public init?(name: String) {
        switch name.lowercased() {
        case "sh", "dash", "posix": self = .sh
        case "bash", "zsh", "ksh": self = .bash
        case "powershell", "pwsh", "ps", "ps1", "powershell.exe": self = .powershell
        case "cmd", "cmd.exe", "bat", "command_prompt": self = .cmd
        default: return nil
        }
    }

    var isUnix: Bool { self == .sh || self == .bash }
}
