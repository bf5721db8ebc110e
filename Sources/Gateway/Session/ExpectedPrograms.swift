import Agent
import ShellAnalysis

/// What a decided command is expected to start: the names its simple commands run, and the
/// scripts the gateway read for it (path → text). An exec that is one of these, from a system
/// folder or with exactly the text that was read, is part of what was decided; anything else is
/// judged on its own.
struct ExpectedPrograms: Sendable {
    var names: Set<String> = []
    /// Programs the command names by a path (`./hello`, `/opt/app/bin/tool`): what was seen is
    /// which file runs.
    var paths: Set<String> = []
    var scripts: [String: String] = [:]

    init() {}

    init(command: String, scripts: [String: String], limits: ParserLimits) {
        self.scripts = scripts
        guard case .success(let tree) = ShellParser.parse(command, limits: limits) else { return }
        collect(tree.script)
    }

    mutating func collect(_ script: Script) {
        for s in ShellWalk.simpleCommands(in: script) {
            if let first = s.words.first?.literalValue {
                names.insert(Self.base(first))
                if first.contains("/") { paths.insert(first) }
            }
        }
    }

    static func base(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Folders whose programs the session cannot have planted (when root owns the file and no one
    /// else may write it).
    static let systemFolders = ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/", "/usr/local/bin/", "/usr/local/sbin/", "/usr/lib/", "/usr/libexec/", "/usr/lib64/", "/lib/", "/lib64/"]

    /// Whether the exec's file is a system program nobody in the session could have changed.
    static func isSystemProgram(_ r: ExecReport) -> Bool {
        systemFolders.contains { r.resolved.hasPrefix($0) } && r.owner == 0 && r.mode & 0o022 == 0
    }

    /// Variables whose presence changes what any program loads or runs.
    static func loaderVariables(_ r: ExecReport) -> [String] {
        r.environment.filter { k, v in
            !v.isEmpty && (k.hasPrefix("LD_") || k == "BASH_ENV" || k == "ENV" || k.hasPrefix("BASH_FUNC_") || k == "GCONV_PATH"
                || ((k == "PS0" || k == "PROMPT_COMMAND" || k == "PS4") && (v.contains("$(") || v.contains("`"))))
        }.keys.sorted()
    }

    static let shells: Set<String> = ["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox", "rbash"]
    static let interpreters: Set<String> = ["python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "tclsh", "wish",
                                            "awk", "gawk", "mawk", "nawk", "expect", "pwsh", "Rscript", "gdb", "env", "xargs"]

    /// Whether `r` starts a shell or an interpreter binary, which runs code it is handed (a
    /// script file is judged by its own text, and a system script's text is the system's).
    static func runsCode(_ r: ExecReport) -> Bool {
        guard !r.isScript else { return false }
        let name = base(r.resolved.isEmpty ? r.path : r.resolved)
        let file = base(r.path)
        return [name, file].contains { n in
            shells.contains(n) || interpreters.contains(n) || n.hasPrefix("python") || n.hasPrefix("perl") || n.hasPrefix("ruby")
        }
    }

    /// The files a shell exec will read and run without an exec of their own: `--rcfile` /
    /// `--init-file` files and the script operand (when there is no `-c`).
    static func shellFiles(_ r: ExecReport) -> [String] {
        guard shells.contains(base(r.path)) || shells.contains(base(r.resolved)) else { return [] }
        var files: [String] = []
        var i = 1
        var command = false
        while i < r.argv.count {
            let a = r.argv[i]
            if a == "--rcfile" || a == "--init-file" {
                if i + 1 < r.argv.count { files.append(r.argv[i + 1]) }
                i += 2
                continue
            }
            if a == "--" { i += 1; break }
            if a.hasPrefix("-") || a.hasPrefix("+") {
                if !a.hasPrefix("--"), a.dropFirst().contains("c") { command = true }
                if a == "-o" || a == "+o" || a == "-O" || a == "+O" { i += 1 }
                i += 1
                continue
            }
            break
        }
        if !command, i < r.argv.count { files.append(r.argv[i]) }
        return files
    }

    /// Why `r` is part of the decided command, or nil if it is not. `read`: the text of each file
    /// a shell exec will read (``shellFiles(_:)``), which must be the text that was decided.
    func covers(_ r: ExecReport, read: [String: String] = [:]) -> String? {
        guard Self.loaderVariables(r).isEmpty else { return nil }
        for (path, text) in read {
            guard scripts.contains(where: { Self.base($0.key) == Self.base(path) && $0.value == text }) else { return nil }
        }
        // The file's name, not argv[0]: a program chooses its children's argv[0] (`exec -a`).
        let file = Self.base(r.path)
        guard names.contains(file) else { return nil }
        if Self.isSystemProgram(r) { return "\(r.resolved) is a system program the command names" }
        if !r.isScript, paths.contains(r.path) { return "\(r.path) is the program the command names by its path" }
        if r.isScript, r.textComplete, let text = r.text,
           scripts.contains(where: { (path, read) in Self.base(path) == file && read == text }) {
            return "\(r.resolved) is the script that was read and decided, unchanged"
        }
        return nil
    }
}
