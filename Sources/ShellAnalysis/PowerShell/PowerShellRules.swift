import Foundation

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

    /// A firewall rule that lets connections through: `New-NetFirewallRule` (whose default action
    /// is Allow), `Set-NetFirewallRule -Action Allow`, `netsh advfirewall firewall add rule
    /// action=allow`, the old `netsh firewall add portopening|allowedprogram`, and built-in rules
    /// switched on (`netsh advfirewall firewall set rule … new enable=yes`).
    static func firewallOpened(_ f: Facts) -> Hit? {
        let hit: Hit = (.high, ["T1562.004"], "adds or switches on a firewall rule that lets network connections through, opening this machine to others")
        func value(of parameter: String) -> String? {
            // PowerShell accepts any unambiguous prefix (`-Act`) and `-Action:Allow`.
            for (i, a) in f.args.enumerated() where a.hasPrefix("-") && a.count >= 4 {
                let (name, inline) = a.firstIndex(of: ":").map { (String(a[..<$0]), String(a[a.index(after: $0)...])) } ?? (a, "")
                guard parameter.hasPrefix(name) else { continue }
                if !inline.isEmpty { return inline.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
                return i + 1 < f.args.count ? f.args[i + 1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) : nil
            }
            return nil
        }
        switch f.name {
        case "new-netfirewallrule":
            return value(of: "-action") == "block" ? nil : hit
        case "set-netfirewallrule":
            return value(of: "-action") == "allow" || value(of: "-enabled") == "true" ? hit : nil
        case "netsh":
            guard f.has("firewall") else { return nil }
            if f.arg("add"), f.has("action=allow") { return hit }
            if f.arg("add"), f.arg("portopening") || f.arg("allowedprogram") { return hit }
            if f.arg("set"), f.has("enable=yes") { return hit }
            return nil
        default:
            return nil
        }
    }

    /// The groups whose members hold the keys to a Windows domain. Listing them is how attackers
    /// pick whose account to go after next.
    static let privilegedDomainGroups = [
        "domain admins", "enterprise admins", "schema admins", "administrators", "account operators", "backup operators",
        "server operators", "dnsadmins", "domain controllers", "group policy creator owners", "key admins",
        "enterprise key admins", "exchange organization management", "exchange trusted subsystem", "exchange windows permissions",
    ]

    /// Members of a privileged domain group listed (`net group "Domain Admins" /domain`,
    /// `Get-ADGroupMember "Enterprise Admins"`), not added or removed.
    static func privilegedGroups(_ f: Facts) -> Hit? {
        let listers = ["get-adgroupmember", "get-netgroupmember", "get-domaingroupmember", "get-netgroup", "get-domaingroup"]
        let netGroup = (f.name == "net" || f.name == "net1") && (f.arg("group") || f.arg("groups") || (f.arg("localgroup") && f.arg("/domain")))
        guard netGroup || listers.contains(f.name), !f.arg("/add"), !f.arg("/delete"), !f.arg("/del") else { return nil }
        let names = f.args.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")).replacingOccurrences(of: "builtin\\", with: "") }
        guard let group = names.first(where: { privilegedDomainGroups.contains($0) }) else { return nil }
        // `net localgroup administrators` on this machine is everyday work; in the domain it is recon.
        if group == "administrators", !f.arg("/domain"), !listers.contains(f.name) { return nil }
        return (.high, ["T1069.002"], "lists the members of the domain group `\(group)`, the accounts that control the domain: how attackers choose whose account to steal")
    }

    /// Searches of the registry or of files for saved passwords (`reg query HKLM /f password /s`,
    /// `Select-String -Pattern password`, `findstr /si password *.xml`).
    static func passwordSearch(_ f: Facts) -> Hit? {
        let words = ["password", "passwd", "pwd", "credential", "secret"]
        func mentions(_ a: String) -> Bool { words.contains { a.contains($0) } }
        if f.name == "reg", f.arg("query"), let i = f.args.firstIndex(of: "/f"), i + 1 < f.args.count, mentions(f.args[i + 1]) {
            return (.high, ["T1552.002"], "searches the registry for saved passwords")
        }
        if ["select-string", "sls", "findstr"].contains(f.name), f.args.contains(where: { !$0.hasPrefix("-") && !$0.hasPrefix("/") && mentions($0) }) {
            return (.high, ["T1552.001"], "searches files for passwords, keys or other secrets")
        }
        return nil
    }

    /// Web services that take data from anyone and hand it to whoever holds the link or the bot:
    /// chat webhooks, paste sites, anonymous file drops, request catchers and tunnels. Sending data
    /// to one is how data is carried out of a network unnoticed.
    static let exfilServices = [
        "discord.com/api/webhooks", "discordapp.com/api/webhooks", "api.telegram.org/bot", "pastebin.com/api",
        "paste.ee/", "hastebin.com", "transfer.sh", "file.io", "0x0.st", "webhook.site", "requestbin", "pipedream.net",
        "ngrok.io", "ngrok-free.app", "anonfiles.com", "gofile.io", "temp.sh", "oshi.at", "bashupload.com", "termbin.com",
        "ufile.io", "filebin.net", "interact.sh", "oast.",
    ]

    /// The exfiltration service a URL points at, if any.
    static func exfilService(in text: String) -> String? {
        let lower = text.lowercased()
        return exfilServices.first { lower.contains($0) }
    }

    /// Data posted to a webhook, paste site or anonymous file drop (`Invoke-RestMethod -Uri
    /// https://discord.com/api/webhooks/… -Method Post -Body …`).
    static func exfilUpload(_ f: Facts) -> Hit? {
        guard ["invoke-restmethod", "invoke-webrequest", "irm", "iwr", "curl", "wget"].contains(f.name),
            let service = exfilService(in: f.joined) else { return nil }
        let sends = f.args.contains { a in ["-body", "-infile", "-form"].contains { $0.hasPrefix(a) && a.count >= 3 } }
            || f.has("-method post") || f.has("-method put") || f.has("-method:post") || f.has("-method:put")
        guard sends else { return nil }
        return (.high, ["T1567", "T1567.004"], "sends data to `\(service)`, a web service that passes it to whoever holds the link: a known way to carry data out unnoticed")
    }

    /// IIS request logging switched off through the WebAdministration module.
    static func iisLogging(_ f: Facts) -> Hit? {
        guard ["set-webconfigurationproperty", "set-webconfiguration"].contains(f.name), f.has("httplogging"), f.has("dontlog") else { return nil }
        return (.high, ["T1562.002"], "turns off the web server's request log, so requests to it go unrecorded")
    }

    /// The disk searched, recursively, for the files where browsers keep history, bookmarks or
    /// saved passwords (`where /R C:\Users\ places.sqlite`, `Get-ChildItem C:\Users -Recurse -Filter Bookmarks`).
    static func browserDataSearch(_ f: Facts) -> Hit? {
        guard ["where", "get-childitem", "gci", "dir", "ls", "forfiles"].contains(f.name),
            f.args.contains(where: { $0 == "/r" || $0 == "/s" || ($0.count >= 4 && "-recurse".hasPrefix($0)) }),
            let (name, holds) = f.args.lazy.compactMap(BrowserData.named(in:)).first else { return nil }
        return BrowserData.search(name, holds: holds)
    }

    static let commandRules: [@Sendable (Facts) -> Hit?] = [runKey, defender, clearLogs, inhibitRecovery, lsass, firewallOpened, privilegedGroups, passwordSearch, exfilUpload, iisLogging, browserDataSearch, stopsSecurityTool, uploadsOut]

    /// A file uploaded to a computer outside this network (`Invoke-RestMethod -InFile F -Uri …`,
    /// `bitsadmin /transfer j /upload URL F`, `Start-BitsTransfer -TransferType Upload`,
    /// `curl.exe -T F`): judged by where it goes (``Destination``).
    static func uploadsOut(_ f: Facts) -> Hit? {
        let file: String?
        let bits: Bool
        switch f.name {
        case "invoke-restmethod", "invoke-webrequest", "irm", "iwr":
            file = f.args.firstIndex { $0.count >= 3 && "-infile".hasPrefix($0) }.flatMap { $0 + 1 < f.args.count ? f.args[$0 + 1] : nil }
            bits = false
        case "curl", "curl.exe":
            file = f.args.firstIndex { $0 == "-t" || $0 == "--upload-file" }.flatMap { $0 + 1 < f.args.count ? f.args[$0 + 1] : nil }
            bits = false
        case "bitsadmin", "bitsadmin.exe":
            guard f.arg("/upload") else { return nil }
            file = f.args.last { !$0.hasPrefix("/") && !$0.contains("://") && $0.contains("\\") }
            bits = true
        case "start-bitstransfer":
            guard f.has("upload") else { return nil }
            file = f.args.firstIndex { $0 == "-source" }.flatMap { $0 + 1 < f.args.count ? f.args[$0 + 1] : nil }
            bits = true
        default:
            return nil
        }
        guard let file, !file.isEmpty, let host = f.args.lazy.compactMap(Destination.urlHost).first else { return nil }
        let d = Destination.classify(host)
        guard d.leavesNetwork else { return nil }
        return (.high, bits ? ["T1197", "T1048"] : ["T1567"], "sends `\(file)` to \(d.phrase)")
    }

    /// Stopping or disabling a security or logging tool by name (`Stop-Service Sysmon64`,
    /// `Set-Service WinDefend -StartupType Disabled`, `sc stop Sense`, `net stop`, `taskkill /im`).
    static func stopsSecurityTool(_ f: Facts) -> Hit? {
        let stops: Bool
        switch f.name {
        case "stop-service", "spsv", "stop-process", "spps", "kill", "taskkill": stops = true
        case "set-service": stops = f.has("disabled") || f.has("stopped")
        case "sc", "sc.exe": stops = f.arg("stop") || f.arg("delete") || (f.arg("config") && f.has("disabled"))
        case "net", "net1": stops = f.arg("stop")
        default: stops = false
        }
        guard stops, let product = securityProductsNamed(in: f.joined).sorted().first else { return nil }
        return (.high, ["T1562.001"], "stops or disables `\(product)`, a security or logging tool: what happens next may go unseen.")
    }

    /// Applies the per-command rules to one resolved command.
    static func checkCommand(_ name: String, args: [Argument], range: SourceRange, into report: inout Report) {
        let lowered = args.map { ($0.text ?? "").lowercased() }
        if name.lowercased() != "write-host", name.lowercased() != "echo" {
            InstanceMetadata.check(lowered, range: range, into: &report)
        }
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
        // A disk or volume opened as raw bytes: files are read past their locks and permissions (SAM, NTDS.dit).
        ([["\\\\.\\c:", "\\\\.\\physicaldrive", "\\\\.\\harddiskvolume", "\\\\?\\globalroot"], ["filestream", "createfile", "readallbytes", "[io.file]"]],
         (.high, ["T1006"], "reads the disk directly as raw bytes, getting past file locks and permissions (the way locked files such as the password database are copied)")),
        // WMI event subscriptions: a filter bound to a consumer that runs a command or script on an event.
        ([["__eventfilter"], ["commandlineeventconsumer", "activescripteventconsumer"]],
         (.high, ["T1546.003"], "registers a WMI event subscription that runs a command whenever an event happens, a way to make code start by itself")),
        // COM objects that run commands, created by class id or on another machine (MMC20, ShellWindows, ShellBrowserWindow).
        ([["gettypefromprogid", "gettypefromclsid"], ["shellexecute", "executeshellcommand"]],
         (.high, ["T1021.003", "T1559.001"], "starts a program through a COM object (such as MMC20.Application or ShellWindows), which can run it on another machine or under a trusted process")),
        // A shortcut made in a Startup folder: it runs at every logon.
        ([["createshortcut"], ["\\start menu\\programs\\startup"]],
         (.high, ["T1547.009", "T1547.001"], "creates a shortcut in a Startup folder, so a program starts by itself at every logon")),
        // An Excel add-in (XLL) registered to load with Excel.
        ([["registerxll("]],
         (.high, ["T1137.006"], "loads an Excel add-in (XLL), code that Excel runs inside itself")),
        // A password prompt made up by the script, titled as it pleases (a fake "Windows Security" box).
        ([["promptforcredential("]],
         (.high, ["T1056.002"], "shows a made-up password prompt: whatever the user types goes to this script, a known way to steal passwords")),
        // The antivirus products Windows Security Center knows of, asked for through WMI.
        ([["securitycenter"], ["antivirusproduct", "firewallproduct", "antispywareproduct"]],
         (.high, ["T1518.001"], "asks Windows which antivirus and firewall products are installed, the check attackers make before choosing how to hide")),
        // Domain trusts: the map of which other domains accept this one's accounts.
        ([["getalltrustrelationships", "objectclass=trusteddomain", "get-netdomaintrust", "get-domaintrust", "get-netforesttrust", "get-foresttrust"]],
         (.high, ["T1482"], "lists the trusts between this domain and others: a map of where an attacker can move next")),
        // Accounts that do not need Kerberos pre-authentication, whose password hashes anyone can request.
        ([["doesnotrequirepreauth", "4194304"], ["get-aduser", "useraccountcontrol", "adsisearcher", "directorysearcher", "adfind"]],
         (.high, ["T1558.004"], "looks for accounts that skip Kerberos pre-authentication, whose password hashes anyone can request and crack (AS-REP roasting)")),
        // Active Directory searched directly over LDAP (`[adsisearcher]"objectcategory=computer"`,
        // the WMI LDAP provider): it lists the whole domain's accounts, computers or groups, not
        // the machine being supported.
        ([["adsisearcher", "directoryservices.directorysearcher", "root\\directory\\ldap"]],
         (.medium, ["T1087.002"], "searches Active Directory directly for the domain's accounts, computers or groups: enumeration beyond the machine being supported")),
        // The domain's controllers looked up in DNS by their service records.
        ([["_ldap._tcp.dc._msdcs", "_kerberos._tcp.dc._msdcs", "_ldap._tcp.pdc._msdcs", "_gc._tcp."]],
         (.medium, ["T1018"], "asks DNS for the domain's controllers: a map of the domain beyond the machine being supported")),
        // A SecureString turned back into plain text (as decoding is, medium: a way of hiding text,
        // and of reading a saved password).
        ([["securestringtobstr", "securestringtoglobalallocunicode"], ["ptrtostring"]],
         (.medium, ["T1140"], "turns an encrypted SecureString back into plain text")),
        // A .NET profiler registered through the environment: every .NET program started afterwards
        // loads the DLL it names.
        ([["cor_profiler_path", "cor_enable_profiling", "coreclr_profiler_path", "coreclr_enable_profiling"]],
         (.high, ["T1574.012"], "sets up a .NET profiler, a DLL that every .NET program started afterwards loads into itself: a way to run code inside other programs")),
        // The local administrator passwords LAPS stores in Active Directory.
        ([["ms-mcs-admpwd", "mslaps-password", "mslaps-encryptedpassword", "get-lapsadpassword"]],
         (.high, ["T1555"], "reads the local administrator passwords that LAPS keeps in Active Directory")),
    ]

    /// Security products by the names their programs, services and drivers go by. Words are matched
    /// whole (`eset` does not match `reset`).
    static let securityProducts = [
        "falcon", "falcond", "falcon-sensor", "crowdstrike", "csagent", "csfalconservice", "carbonblack", "cbagentd", "cbdefense", "cbosxsensorservice",
        "sentinelone", "sentinelagent", "cylance", "sophos", "symantec", "mcafee", "eset", "kaspersky", "bitdefender", "malwarebytes",
        "defender", "windefend", "msmpeng", "mssense", "sysmon", "sysmon64", "osqueryd", "auditbeat", "packetbeat", "filebeat",
        "winlogbeat", "wazuh", "wazuh-agent", "ossec", "nessusd", "santad", "littlesnitch", "lulu", "blockblock", "td-agent",
        "elastic-agent", "splunkd", "tanium", "cybereason", "fireeye", "xagt", "qualys", "avast", "clamd", "clamav", "antivirus",
        "virus", "auditd", "tripwire", "snort", "suricata", "velociraptor", "mdatp", "wdavdaemon",
    ]

    /// The distinct security products named in `text` (lower-cased).
    static func securityProductsNamed(in text: String) -> Set<String> {
        var found = Set<String>()
        let isWordChar: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        let chars = Array(text.replacingOccurrences(of: "little snitch", with: "littlesnitch").replacingOccurrences(of: "carbon black", with: "carbonblack"))
        var i = 0
        while i < chars.count {
            guard isWordChar(chars[i]) else { i += 1; continue }
            var j = i
            while j < chars.count, isWordChar(chars[j]) { j += 1 }
            var word = String(chars[i..<j])
            if word.hasSuffix(".exe") { word = String(word.dropLast(4)) }
            if securityProducts.contains(word) { found.insert(word == "falcond" ? "falcon" : word) }
            // `falcond|nessusd` and `-like "*virus*"` split into words on their own; `CbOsxSensorService.exe` keeps its name.
            i = j
        }
        return found
    }

    /// Two or more security products looked for in one command, with a process, service or text
    /// search: how attackers check what will see them (`Get-Process | ?{$_.Description -like "*virus*"}`,
    /// `tasklist | findstr /i "sysmon defender"`).
    static func scanSecuritySoftwareSearch(_ lower: String, range: SourceRange, into report: inout Report) {
        let searches = ["get-process", "tasklist", "findstr", "select-string", "-like", "-match", "where-object", "get-service", "sc query", "wmic", "get-ciminstance", "get-wmiobject"]
        guard searches.contains(where: { lower.contains($0) }) else { return }
        let products = securityProductsNamed(in: lower)
        guard products.count >= 2 else { return }
        let names = products.sorted().prefix(4).joined(separator: ", ")
        report.add(.high, "T1518.001", "This looks for several security products at once (\(names)): the check attackers make to learn what will see them.", range)
    }

    /// Files hidden by setting their attributes (`$f.Attributes = 'Hidden'`), as `attrib +h` does.
    static func scanHiddenAttribute(_ lower: String, range: SourceRange, into report: inout Report) {
        let squeezed = lower.filter { $0 != " " && $0 != "\t" }
        guard let r = squeezed.range(of: ".attributes=") ?? squeezed.range(of: ".attributes+="), !squeezed[r.upperBound...].hasPrefix("=") else { return }
        let value = squeezed[r.upperBound...].prefix(60)
        guard value.contains("hidden") || value.contains("system") else { return }
        report.add(.medium, "T1564.001", "This marks a file hidden (or as a system file), so it does not show in folder listings.", range)
    }

    /// File times set by hand (`$f.CreationTime = "01/01/1970"`), to hide when a file was planted.
    static func scanTimestomp(_ lower: String, range: SourceRange, into report: inout Report) {
        let squeezed = lower.filter { $0 != " " && $0 != "\t" }
        let properties = [".creationtime", ".lastwritetime", ".lastaccesstime"]
        for p in properties {
            for suffix in ["=", "utc="] where squeezed.contains(p + suffix) && !squeezed.contains(p + suffix + "=") {
                report.add(.high, "T1070.006", "This sets a file's \(p.dropFirst()) by hand, disguising when the file was created or changed (timestomping).", range)
                return
            }
        }
    }

    /// Applies the text rules to one piece of source (each decoded layer is scanned on its own).
    static func scanText(_ text: String, range: SourceRange, into report: inout Report) {
        let lower = text.lowercased()
        for (needles, hit) in textRules where needles.allSatisfy({ group in group.contains { lower.contains($0) } }) {
            report.add(hit.risk, techniques: hit.techniques, ProgramEvaluator.sentence("This " + hit.reason), range)
        }
        scanSecuritySoftwareSearch(lower, range: range, into: &report)
        scanTimestomp(lower, range: range, into: &report)
        scanHiddenAttribute(lower, range: range, into: &report)
    }
}
