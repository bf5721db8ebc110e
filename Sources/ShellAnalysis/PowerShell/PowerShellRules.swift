/// Cross-cutting Windows rules: the attack patterns that matter whatever the catalogue says about
/// the programs involved. Each rule names the evasion or technique it catches.
enum PowerShellRules {
    /// A resolved command, lower-cased, for the per-command rules.
    struct Facts: Sendable {
        var name: String
        var args: [String]
        var joined: String
        func has(_ s: String) -> Bool { joined.contains(s) }
        func arg(_ s: String) -> Bool { args.contains(s) }
    }

    typealias Hit = (risk: RiskLevel, techniques: [String], reason: String)

    /// Registry Run keys: programs started at every logon (persistence).
    static func runKey(_ f: Facts) -> Hit? {
        let writers = ["set-itemproperty", "new-itemproperty", "sp", "new-item", "set-item"]
        let isReg = f.name == "reg" && (f.arg("add") || f.arg("import"))
        guard isReg || writers.contains(f.name) else { return nil }
        let path = f.joined.replacingOccurrences(of: "/", with: "\\")
        guard path.contains("\\currentversion\\run") || path.contains("\\currentversion\\policies\\explorer\\run")
            || path.contains("\\winlogon") else { return nil }
        return (.high, ["T1547.001"], "writes a registry Run key, so a program starts by itself at every logon")
    }

    /// Windows Defender switched off or told to ignore files, folders or processes.
    static func defender(_ f: Facts) -> Hit? {
        if f.name == "set-mppreference", f.args.contains(where: { $0.hasPrefix("-disable") }) {
            return (.high, ["T1562.001"], "switches off parts of Windows Defender")
        }
        if f.name == "add-mppreference", f.args.contains(where: { $0.hasPrefix("-exclusion") }) {
            return (.high, ["T1562.001"], "tells Windows Defender to ignore some files, folders or programs")
        }
        if f.name == "sc" || f.name == "net", f.arg("stop") || f.arg("delete") || f.arg("config"), f.has("windefend") || f.has("sense") {
            return (.high, ["T1562.001"], "stops or removes the Windows Defender service")
        }
        if f.name == "netsh", f.has("firewall"), f.has("state off") || f.has("disable") {
            return (.high, ["T1562.004"], "switches the Windows firewall off")
        }
        return nil
    }

    /// Event logs cleared to hide what was done.
    static func clearLogs(_ f: Facts) -> Hit? {
        if f.name == "wevtutil", f.arg("cl") || f.arg("clear-log") {
            return (.high, ["T1070.001"], "clears a Windows event log, erasing the record of what happened")
        }
        if ["clear-eventlog", "remove-eventlog", "clear-winevent"].contains(f.name) || (f.name == "limit-eventlog" && f.has("-maximumsize")) {
            return (.high, ["T1070.001"], "clears or removes a Windows event log, erasing the record of what happened")
        }
        return nil
    }

    /// Shadow copies and backups deleted, the step before ransomware encrypts.
    static func inhibitRecovery(_ f: Facts) -> Hit? {
        let hit: Hit = (.critical, ["T1490"], "deletes the machine's shadow copies or backups, so files cannot be recovered")
        if f.name == "vssadmin", f.arg("delete") || (f.arg("resize") && f.has("shadowstorage")) { return hit }
        if f.name == "wmic", f.has("shadowcopy"), f.arg("delete") { return hit }
        if f.name == "wbadmin", f.arg("delete") { return hit }
        if f.name == "bcdedit", f.has("recoveryenabled") && f.has("no") || f.has("ignoreallfailures") { return hit }
        return nil
    }

    /// Credentials read out of LSASS memory (Mimikatz, MiniDump through comsvcs.dll, procdump).
    static func lsass(_ f: Facts) -> Hit? {
        let hit: Hit = (.critical, ["T1003.001"], "copies the memory of LSASS, where Windows keeps the passwords and keys of logged-on users")
        if f.name == "rundll32", f.has("comsvcs"), f.has("minidump") || f.has("#24") { return hit }
        if f.name.hasPrefix("procdump"), f.has("lsass") { return hit }
        if f.name == "invoke-mimikatz" || f.name == "out-minidump" { return hit }
        if f.name == "reg", f.arg("save") || f.arg("export"), f.has("hklm\\sam") || f.has("hklm\\security") || f.has("hklm\\system") {
            return (.critical, ["T1003.002"], "copies the registry hives that hold the machine's password hashes")
        }
        return nil
    }

    static let commandRules: [@Sendable (Facts) -> Hit?] = [runKey, defender, clearLogs, inhibitRecovery, lsass]

    /// Applies the per-command rules to one resolved command.
    static func checkCommand(_ name: String, args: [Argument], range: SourceRange, into report: inout Report) {
        let lowered = args.map { ($0.text ?? "").lowercased() }
        let facts = Facts(name: name.lowercased(), args: lowered, joined: lowered.joined(separator: " "))
        for rule in commandRules {
            if let hit = rule(facts) {
                report.add(hit.risk, techniques: hit.techniques, ProgramEvaluator.sentence("`\(name)` \(hit.reason)"), range)
            }
        }
    }

    /// Patterns that show in the text itself, whatever the commands around them.
    static let textRules: [(needles: [[String]], hit: Hit)] = [
        // A reverse shell: a raw TCP connection whose input is run as PowerShell.
        ([["net.sockets.tcpclient", "tcpclient("], ["getstream"]],
         (.critical, ["T1059.001", "T1095"], "opens a raw network connection and runs whatever arrives on it: a reverse shell that hands this machine to someone else")),
        // Mimikatz, by name or by its commands.
        ([["invoke-mimikatz", "sekurlsa::", "lsadump::", "mimikatz"]],
         (.critical, ["T1003.001"], "runs Mimikatz, a tool that steals passwords and keys from Windows memory")),
        // Shadow copies deleted through WMI.
        ([["win32_shadowcopy"], ["delete"]],
         (.critical, ["T1490"], "deletes the machine's shadow copies through WMI, so files cannot be recovered")),
        // LSASS dumped by MiniDump or by any tool named with lsass.
        ([["comsvcs"], ["minidump"]],
         (.critical, ["T1003.001"], "dumps a process's memory with comsvcs.dll MiniDump, the usual way to steal LSASS credentials")),
        // The Antimalware Scan Interface switched off in memory.
        ([["amsiutils", "amsiinitfailed", "amsiscanbuffer"]],
         (.high, ["T1562.001"], "switches off the Antimalware Scan Interface, so malware scanners cannot see the script")),
    ]

    /// Applies the text rules to one piece of source (each decoded layer is scanned on its own).
    static func scanText(_ text: String, range: SourceRange, into report: inout Report) {
        let lower = text.lowercased()
        for (needles, hit) in textRules where needles.allSatisfy({ group in group.contains { lower.contains($0) } }) {
            report.add(hit.risk, techniques: hit.techniques, ProgramEvaluator.sentence("This " + hit.reason), range)
        }
    }
}
