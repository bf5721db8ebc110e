@testable import ShellAnalysis

/// A small Windows catalogue for the PowerShell and cmd reader tests, so they do not depend on the
/// bundled JSON (which is written separately).
enum WindowsFixture {
    static func program(
        _ name: String, _ summary: String, _ risk: RiskLevel, aliases: [String] = [], techniques: [String]? = nil,
        roles: [String]? = nil, flags: [FlagEntry]? = nil, subcommands: [SubcommandEntry]? = nil
    ) -> ProgramEntry {
        ProgramEntry(
            name: name, aliases: aliases, platform: "windows", summary: summary, risk: risk, techniques: techniques,
            roles: roles, flags: flags, subcommands: subcommands, valueOptions: nil)
    }

    static let catalogue: Catalogue = {
        let windows: [ProgramEntry] = [
            program("Get-Process", "lists the running programs", .none, aliases: ["gps", "ps"]),
            program("Get-ChildItem", "lists the files in a folder", .none, aliases: ["gci", "ls", "dir"]),
            program("ipconfig", "shows the network settings", .none, flags: [FlagEntry(names: ["/all"], value: nil, meaning: "shows every detail", risk: nil, techniques: nil)]),
            program("Invoke-Expression", "runs text as PowerShell code", .medium, aliases: ["iex"], techniques: ["T1059.001"]),
            program("Invoke-WebRequest", "fetches a web page or file", .medium, aliases: ["iwr", "curl", "wget"], roles: ["downloader"],
                    flags: [FlagEntry(names: ["-Uri"], value: true, meaning: "contacts {value}", risk: nil, techniques: nil)]),
            program("Set-ItemProperty", "changes a setting in the registry or a file's properties", .medium, aliases: ["sp"]),
            program("New-Object", "creates a .NET object", .none),
            program("Write-Output", "prints text", .none, aliases: ["echo"]),
            program("net", "manages users, groups, shares and services", .low, subcommands: [
                SubcommandEntry(name: "user", summary: "lists or changes user accounts", risk: .low, techniques: ["T1087.001"], roles: nil, flags: nil),
            ]),
            program("reg", "reads or changes the registry", .medium),
            program("vssadmin", "manages shadow copies (backups)", .medium),
            program("whoami", "shows the current user", .none),
        ]
        let paths = [
            PathRule(pattern: #"HKCU:\Software\Microsoft\Windows\CurrentVersion\Run"#, access: "write", risk: .high, techniques: ["T1547.001"], meaning: "programs started at every logon"),
        ]
        let techniques = TechniqueCatalogue(tactics: ["TA0002": "Execution", "TA0005": "Defense Evasion"], techniques: [
            "T1059.001": TechniqueEntry(name: "PowerShell", tactics: ["TA0002"], aliases: nil),
            "T1027": TechniqueEntry(name: "Obfuscated Files or Information", tactics: ["TA0005"], aliases: nil),
            "T1105": TechniqueEntry(name: "Ingress Tool Transfer", tactics: ["TA0011"], aliases: nil),
            "T1547.001": TechniqueEntry(name: "Registry Run Keys", tactics: ["TA0003"], aliases: nil),
        ])
        return Catalogue(unix: [], windows: windows, paths: paths, techniques: techniques)
    }()

    static func powershell(_ s: String) -> (ReaderStatus, Report) {
        var r = Report()
        let st = PowerShellReader(catalogue: catalogue).read(s, origin: 0, depth: 0, into: &r)
        return (st, r)
    }

    static func cmd(_ s: String) -> (ReaderStatus, Report) {
        var r = Report()
        let st = CmdReader(catalogue: catalogue).read(s, origin: 0, depth: 0, into: &r)
        return (st, r)
    }

    static func mentions(_ r: Report, _ needle: String) -> Bool {
        let n = needle.lowercased()
        return r.findings.contains { $0.reason.lowercased().contains(n) } || r.explanation.contains { $0.lowercased().contains(n) }
    }
}
