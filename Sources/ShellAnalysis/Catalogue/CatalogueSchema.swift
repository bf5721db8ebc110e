/// The analyser's knowledge, as data. Loaded from the JSON files in `Resources/`:
/// `programs-unix.json`, `programs-windows.json`, `techniques.json` and `paths.json`.
///
/// The schema is documented for contributors in `docs/catalogue.md`.
public struct ProgramEntry: Sendable, Codable, Hashable {
    /// The program's name as typed (`curl`, `Invoke-WebRequest`, `certutil`). Case-insensitive
    /// for Windows entries; a trailing `.exe` is ignored when looking up Windows programs.
    public var name: String
    /// Other names that run the same thing (`iwr`, `wget2`).
    public var aliases: [String]?
    /// `unix` or `windows`.
    public var platform: String
    /// What it does, as the rest of a sentence starting with the program's name
    /// ("transfers data to or from a URL").
    public var summary: String
    /// Risk with no notable flags or arguments.
    public var risk: RiskLevel
    /// ATT&CK techniques the program matches by itself being run.
    public var techniques: [String]?
    /// Semantic roles the analyser's code relies on (see `ProgramRole`).
    public var roles: [String]?
    /// Flags that change what the program does or how risky it is.
    public var flags: [FlagEntry]?
    /// Sub-commands (`docker run`, `systemctl stop`, `kubectl exec`); a name may hold two words
    /// (`config set`).
    public var subcommands: [SubcommandEntry]?
    /// Option names (of this program) that take a value, so the value is not read as an operand
    /// or sub-command. Flags listed in `flags` with `value: true` count too.
    public var valueOptions: [String]?
    /// For programs that copy, move or link (`cp SRC… DEST`, `cp -t DIR SRC…`): `"last"` says the
    /// last operand (or the value of a ``targetDirectoryOptions`` option) is what gets written, and
    /// the other operands are only read. Without it, every operand of a writer counts as both
    /// read and written.
    public var destination: String?
    /// Options whose value is the destination folder (`-t`, `--target-directory`).
    public var targetDirectoryOptions: [String]?
    /// Whether the sources are changed too (`mv` takes them away).
    public var changesSources: Bool?
}

/// A flag that changes the meaning or the risk of a program.
public struct FlagEntry: Sendable, Codable, Hashable {
    /// Every spelling: `-o`, `--output`. For Windows, `/urlcache` and `-urlcache` are both matched.
    public var names: [String]
    /// Whether the flag takes a value (`-o FILE`, `--output=FILE`).
    public var value: Bool?
    /// What it means here, as a sentence fragment; `{value}` is replaced by the flag's value.
    public var meaning: String
    /// Risk when the flag is present (the command's risk is the maximum).
    public var risk: RiskLevel?
    public var techniques: [String]?
    /// Whether the flag's value is a file the program writes (`sort -o FILE`, `find -fprintf FILE`),
    /// so it is checked against the path rules for writing even when the program is not a writer.
    public var writes: Bool?
    /// Whether the flag changes what the program does so much that the program's own risk no
    /// longer applies (`nc -z` only checks whether ports are open): the flag's risk replaces it.
    public var replacesProgramRisk: Bool?
    /// `shell` when the flag's value is a shell command the program runs (`tar
    /// --checkpoint-action=exec=CMD`, `zip -TT CMD`, `git -c core.pager=CMD`): it is read as one.
    public var runs: String?
    /// With ``runs``: the value runs a command only after one of these prefixes, which are
    /// removed first (`exec=`, `core.pager=`; matched ignoring case).
    public var runsAfter: [String]?
    /// With this flag the program only reads its operands (`tar -c` packs them): they are checked
    /// for reading, not writing, and the values of its `writes` flags are checked for writing.
    public var readsOperands: Bool?
    /// With this flag the program changes the files it is given (`sed -i`, `perl -i`): they are
    /// checked against the path rules for writing.
    public var writesOperands: Bool?
}

public struct SubcommandEntry: Sendable, Codable, Hashable {
    public var name: String
    public var summary: String
    public var risk: RiskLevel?
    public var techniques: [String]?
    public var roles: [String]?
    public var flags: [FlagEntry]?
}

/// An ATT&CK technique: its name, tactics and the ids it has had in other ATT&CK versions.
public struct TechniqueEntry: Sendable, Codable, Hashable {
    public var name: String
    /// Tactic ids, `TA0005` etc.
    public var tactics: [String]
    /// Equivalent ids in other ATT&CK versions (e.g. `T1070.002` ↔ `T1685.006` from v19).
    public var aliases: [String]?
}

/// A rule about a sensitive path, matched against the operands of programs that read or write
/// files and against redirections.
public struct PathRule: Sendable, Codable, Hashable {
    /// A glob: `*` within one path component, `**` across components; `~` matches any home
    /// directory (`~`, `$HOME`, `/root`, `/home/*`).
    public var pattern: String
    /// `read`, `write` or `any`.
    public var access: String
    public var risk: RiskLevel
    public var techniques: [String]?
    /// What touching it means, as a sentence fragment ("the hashed passwords of every account").
    public var meaning: String
}

public struct TechniqueCatalogue: Sendable, Codable {
    public var tactics: [String: String]
    public var techniques: [String: TechniqueEntry]
}

public struct ProgramCatalogueFile: Sendable, Codable {
    public var programs: [ProgramEntry]
}

public struct PathCatalogueFile: Sendable, Codable {
    public var paths: [PathRule]
}

/// `resources.json`: what the data in a place is (application data, databases, configuration,
/// users' files, logs, temporary files), as path rules whose `risk` says how much it matters when
/// the data leaves the machine or is destroyed. `access` is `any`; techniques are not used.
public struct ResourceCatalogueFile: Sendable, Codable {
    public var resources: [PathRule]
}

/// The roles the analyser's code gives meaning to. Unknown roles in the data are ignored.
public enum ProgramRole: String, Sendable, CaseIterable {
    /// Runs shell code from its arguments or standard input (`sh`, `bash`, `busybox sh`).
    case shell
    /// Runs code in another language (`python`, `perl`, `node`, `powershell`).
    case interpreter
    /// Fetches data from the network.
    case downloader
    /// Sends data to the network.
    case uploader
    /// Opens or accepts raw network connections (`nc`, `socat`).
    case networkTool = "network-tool"
    /// Decodes or transforms data (`base64 -d`, `xxd -r`, `gunzip`, `rev`, `tr`).
    case decoder
    /// Runs another command given in its arguments (`sudo`, `env`, `nohup`, `timeout`, `xargs`).
    case wrapper
    /// Changes the user it runs as (`sudo`, `su`, `doas`, `pkexec`).
    case privilege
    /// Runs commands on another machine or container (`ssh`, `docker exec`, `kubectl exec`).
    case remoteExec = "remote-exec"
    /// Reads the files named by its operands (`cat`, `less`, `grep`).
    case reader
    /// Writes or replaces the files named by its operands (`tee`, `touch`, `truncate`).
    case writer
    /// Deletes or destroys data (`rm`, `shred`, `mkfs`, `dd`).
    case destructive
    /// Interactive programs that can start a shell (`vi`, `less`, `man`).
    case escapesToShell = "escapes-to-shell"
    /// Installs software.
    case packageManager = "package-manager"
    /// Schedules or registers something to run later (`crontab`, `at`, `systemctl enable`).
    case scheduler
    /// Reads or changes users, groups and credentials.
    case accounts
    /// Compiles or builds code.
    case compiler
    /// Changes the Windows registry keys named by its arguments (`reg add`, `Set-ItemProperty`);
    /// its other arguments (the data) are only read.
    case registry
}
