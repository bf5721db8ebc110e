import Foundation

/// Rules that need more than the catalogue: data flowing through decoders and downloaders,
/// destructive targets, files written then run, reverse-shell pipelines.
extension ShellReader {
    static let systemFolders: Set<String> = ["/", "/*", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/root", "/sbin", "/srv", "/sys", "/usr", "/var", "~", "~/", "/usr/*", "/etc/*", "/var/*", "/home/*", "C:\\", "C:\\Windows"]

    mutating func applyProgramRules(_ name: String, entry: ProgramEntry, outcome: ProgramEvaluator.Outcome, args: [Argument], stdin: Stream, range: SourceRange, via: String?, member: inout PipelineMember) -> Stream {
        let texts = args.map { $0.text ?? "" }
        let operands = outcome.operands
        let flagNames = Set(outcome.flags.flatMap(\.flag.names))
        func hasFlag(_ names: String...) -> Bool {
            names.contains { n in flagNames.contains(n) || texts.contains(n) || texts.contains { $0.hasPrefix("-") && !$0.hasPrefix("--") && n.count == 2 && n.hasPrefix("-") && $0.contains(n.dropFirst()) } }
        }
        checkShellHandover(name, args: args, range: range, member: &member)
        checkServiceControl(name, outcome: outcome, args: args, range: range)
        if name == "curl" || name == "wget" { checkExfilUpload(name, args: args, range: range) }
        switch name {
        case "rm", "unlink", "rmdir", "shred", "srm", "wipe":
            let recursive = hasFlag("-r", "-R", "--recursive")
            for op in operands {
                guard let t = op.text else {
                    if recursive { add(.medium, "T1485", "Deletes, recursively, folders whose names are only known at run time.", range) }
                    continue
                }
                let trimmed = t.count > 1 && t.hasSuffix("/") ? String(t.dropLast()) : t
                if Self.systemFolders.contains(trimmed) || Self.systemFolders.contains(PathPattern.normalise(trimmed)) {
                    add(recursive || name == "shred" ? .critical : .high, "T1485", "Deletes `\(t)`, a whole system folder: this destroys the machine's data or operating system.", op.range)
                } else if let kind = resource(of: PathPattern.normalise(trimmed)), kind.risk >= .high {
                    // What is destroyed, from the resource catalogue: application data, databases…
                    let wipes = recursive || name != "rm" && name != "unlink"
                    add(wipes ? .high : .medium, "T1485", "Destroys `\(t)` (\(kind.meaning)): it is gone unless there is a backup.", op.range)
                }
                if encryptedFiles.contains(PathPattern.normalise(t)) {
                    add(.high, "T1486", "Deletes `\(t)` after encrypting it, so only the encrypted copy is left: what ransomware does.", op.range)
                }
            }
            if texts.contains("--no-preserve-root") {
                add(.critical, "T1485", "Turns off `rm`'s protection against deleting the whole system (`--no-preserve-root`).", range)
            }
            // A wildcard under a system path, unless the folder holds only caches or temporary files.
            if recursive, operands.contains(where: { op in
                guard let t = op.text, t.contains("*"), t.hasPrefix("/") else { return false }
                let folder = String(t.prefix { $0 != "*" }).split(separator: "/").joined(separator: "/")
                return resource(of: "/" + folder)?.risk != .low
            }) {
                add(.high, "T1485", "Deletes, recursively, everything matching a wildcard under a system path.", range)
            }
        case "openssl", "gpg", "gpg2", "age", "ccrypt", "7z", "zip":
            // Encrypting: remember the inputs, whose deletion then leaves only the encrypted copy.
            let encrypts: Bool
            var inputs: [String] = []
            switch name {
            case "openssl":
                // (`-pbkdf2` is no `-d`: openssl's options are whole words.)
                encrypts = (texts.first == "enc" || texts.first?.hasPrefix("-aes") == true) && !texts.contains("-d") && !texts.contains("-decrypt")
                if let i = texts.firstIndex(of: "-in"), i + 1 < texts.count { inputs.append(texts[i + 1]) }
                if encrypts, let i = texts.firstIndex(of: "-in"), let o = texts.firstIndex(of: "-out"), i + 1 < texts.count, o + 1 < texts.count, texts[i + 1] == texts[o + 1] {
                    add(.high, "T1486", "Encrypts `\(texts[i + 1])` over itself: only whoever holds the key can read it again.", range)
                }
            case "gpg", "gpg2":
                encrypts = texts.contains { ["-c", "--symmetric", "-e", "--encrypt"].contains($0) || ($0.hasPrefix("-") && !$0.hasPrefix("--") && ($0.contains("c") || $0.contains("e"))) } && !texts.contains("-d") && !texts.contains("--decrypt")
                inputs = operands.compactMap(\.text)
            case "7z", "zip":
                encrypts = texts.contains { $0.hasPrefix("-p") || $0 == "-P" || $0 == "-e" || $0 == "--encrypt" || $0 == "--password" }
                inputs = Array(operands.compactMap(\.text).dropFirst(name == "7z" ? 2 : 1))
            default:
                encrypts = true
                inputs = operands.compactMap(\.text)
            }
            if encrypts { for f in inputs { encryptedFiles.insert(PathPattern.normalise(f)) } }
        case "dd":
            for a in args {
                guard let t = a.text else { continue }
                if t.hasPrefix("of=") {
                    let path = String(t.dropFirst(3))
                    evaluator.checkPath(path, writing: true, range: at(a.range), verb: "overwrites", into: &report)
                    if path.hasPrefix("/dev/"), !["/dev/null", "/dev/stdout", "/dev/stderr"].contains(path) {
                        add(.critical, "T1561.002", "Writes straight over the disk device `\(path)`, destroying what is on it.", a.range)
                    }
                    files[PathPattern.normalise(path)] = .dynamic(stdin.taint)
                } else if t.hasPrefix("if=") {
                    evaluator.checkPath(String(t.dropFirst(3)), writing: false, range: at(a.range), verb: "reads", into: &report)
                }
            }
        case "chmod":
            if let mode = operands.first?.text, Self.setsSetID(mode) {
                add(.high, "T1548.001", "Sets the set-user-ID or set-group-ID bit, so the program runs with its owner's rights (often root).", range)
            }
            if operands.contains(where: { ($0.text ?? "").contains("x") || ($0.text ?? "") == "777" || ($0.text ?? "") == "755" }) {
                for op in operands {
                    guard let t = op.text, case .dynamic(let taint)? = files[PathPattern.normalise(t)], taint.contains(.network) else { continue }
                    add(.high, "T1105", "Makes `\(t)`, a file just downloaded from the internet, executable.", op.range)
                }
            }
        case "crontab":
            if let file = operands.first?.text, file != "-" {
                add(.high, "T1053.003", "Replaces the scheduled tasks with the contents of `\(file)`.", range)
                if case .text(let content, let taint, _)? = files[PathPattern.normalise(file)] {
                    readScheduled(content, taint: taint, range: range)
                }
            } else if operands.first?.text == "-" || (!hasFlag("-l", "-r", "-e") && operands.isEmpty && !(stdin.taint.isEmpty && stdin.text == nil && { if case .none = stdin { return true } else { return false } }())) {
                add(.high, "T1053.003", "Replaces the scheduled tasks with text from its input.", range)
                if case .text(let content, let taint, _) = stdin { readScheduled(content, taint: taint, range: range) }
            }
        case "at", "batch":
            switch stdin {
            case .text(let content, let taint, _):
                add(.high, "T1053.002", "Schedules commands to run later.", range)
                readScheduled(content, taint: taint, range: range)
            case .dynamic:
                // The commands are piped in but only known when it runs (`echo "$(tty)…" | at now`).
                add(.high, "T1053.002", "Schedules commands to run later; what they are is only known when it runs.", range)
            case .none:
                break
            }
        case "tee":
            for op in operands {
                guard let t = op.text else { continue }
                files[PathPattern.normalise(t)] = stdin
                if case .text(let content, let taint, _) = stdin { noteWrittenContent(content, taint: taint, to: t, range: op.range) }
            }
            return stdin
        case "sed", "gsed":
            var scripts: [String] = []
            for (i, t) in texts.enumerated() {
                if (t == "-e" || t == "--expression"), i + 1 < texts.count { scripts.append(texts[i + 1]) }
                if t.hasPrefix("--expression=") { scripts.append(String(t.dropFirst("--expression=".count))) }
            }
            if scripts.isEmpty, !hasFlag("-f", "--file"), let first = operands.first?.text { scripts.append(first) }
            for script in scripts {
                for file in Self.sedWrites(script) {
                    add(.medium, "T1565.001", "Writes to `\(file)` from its editing script (`w`): sed's job is editing a stream, not writing files by name.", range)
                    evaluator.checkPath(file, writing: true, range: at(range), verb: "changes", into: &report)
                }
                guard let command = Self.sedExecutes(script) else { continue }
                add(.high, "T1059.004", "Runs shell commands from its editing script (GNU sed's `e`), a known way to escape restrictions.", range)
                if !command.isEmpty { readNested(command, range: range, hidden: false) }
            }
        case "grep", "egrep", "fgrep", "rg", "ag", "findstr":
            if args.contains(where: { a in let l = (a.text ?? "").lowercased(); return ["password", "passwd", "pwd=", "secret", "token", "api_key", "apikey", "private key", "credential"].contains { l.contains($0) } }) {
                add(.high, "T1552.001", "Searches files for passwords, keys or tokens.", range)
            }
            checkSecuritySoftwareSearch(name, args: args, range: range)
        case "date":
            // `date MMDDhhmm[[CC]YY][.ss]` sets the clock, like `date -s`.
            if let value = operands.compactMap(\.text).first(where: { $0.count >= 8 && $0.allSatisfy { $0.isNumber || $0 == "." } }) {
                add(.medium, "T1070.006", "Sets the system clock to `\(value)`, which changes the times recorded in logs and on files.", range)
            }
        case "run-parts":
            // run-parts runs every program in a folder; pointed at a system program folder it runs
            // whatever there matches (`--regex '^sh$' /bin` starts a shell).
            let binFolders: Set<String> = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]
            if let folder = operands.compactMap(\.text).first(where: { binFolders.contains($0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0) }) {
                add(.high, "T1059.004", "Runs programs picked from `\(folder)`, the system's own program folder, which can start a shell: a known way to escape restrictions.", range)
            }
        case "tex", "latex", "pdflatex", "pdftex", "xelatex", "lualatex":
            // TeX given on the command line that opens a file for writing.
            if texts.contains(where: { $0.contains("\\openout") }) {
                add(.medium, "T1565.001", "The TeX code it is given writes a file (`\\openout`): a typesetter used to write files.", range)
            }
        case "locate", "plocate", "mlocate", "mdfind":
            checkBrowserDataSearch(name, searched: operands.compactMap(\.text), range: range)
        case "rpm", "rpmdb", "rpmquery", "rpmverify", "rpmbuild", "rpmspec":
            // `--eval '%{lua:…}'` and `%(…)` run Lua or shell code; `rpm -E %fedora` only expands a macro.
            for (i, t) in texts.enumerated() where t == "--eval" || t == "-E" || t.hasPrefix("--eval=") {
                let value = t.hasPrefix("--eval=") ? String(t.dropFirst(7)) : (i + 1 < texts.count ? texts[i + 1] : "")
                if value.contains("%{lua:") || value.contains("%(") {
                    add(.medium, "T1059", "`\(name)` expands a macro that runs Lua or shell code (`\(Self.excerpt(value, limit: 60))`).", range)
                }
            }
        case "mkdir":
            // A folder whose name starts with a dot does not show in listings; made in a folder
            // everyone can write to, it is a common place to keep tools out of sight.
            for op in operands {
                guard let t = op.text, let last = ProgramEvaluator.lastComponent(t), last.hasPrefix("."), last != ".", last != "..",
                    StagingFolder.contains(t) else { continue }
                add(.medium, "T1564.001", "Creates `\(t)`, a hidden folder (its name starts with a dot) in a temporary folder everyone can write to: a common place to keep tools out of sight.", op.range)
            }
        case "sysadminctl":
            // As `net user guest /active:yes`: an account anyone can use, without a password.
            if let i = texts.firstIndex(of: "-guestAccount"), i + 1 < texts.count, texts[i + 1].lowercased() == "on" {
                add(.high, "T1078.001", "Turns on the guest account: anyone at the machine can log in without a password.", range)
            }
        case "xattr":
            // macOS marks downloaded files with `com.apple.quarantine`; Gatekeeper checks a marked
            // program's signature before its first run. Removing the mark skips that check.
            if hasFlag("-d"), texts.contains("com.apple.quarantine") {
                add(.high, "T1553.001", "Removes the quarantine mark macOS puts on downloaded files, so Gatekeeper does not check the program before it runs.", range)
            }
        case "finger":
            // `finger WORD@HOST` sends WORD to HOST's finger service: any text can leave this way.
            if let target = operands.compactMap(\.text).first(where: { $0.contains("@") && !$0.hasSuffix("@") }) {
                add(.medium, "T1048", "Sends `\(target.prefix { $0 != "@" })` to the finger service of `\(target.drop { $0 != "@" }.dropFirst())`, another computer: a way to carry text out.", range)
            }
        case "nc", "netcat", "ncat", "nc.openbsd", "nc.traditional":
            // `nc -z HOST PORT` checks one service; a range or a list of ports is a port scan.
            if texts.contains(where: { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("z") }) {
                let ports = operands.compactMap(\.text).dropFirst()
                if ports.count > 1 || ports.contains(where: { $0.contains("-") || $0.contains(",") }) {
                    add(.medium, "T1046", "Scans `\(operands.first?.text ?? "a computer")` for open ports (\(ports.joined(separator: " "))): mapping what it runs.", range)
                }
            }
        case "pgrep", "pidof":
            checkSecuritySoftwareSearch(name, args: args, range: range)
        case "pkill", "killall":
            let products = PowerShellRules.securityProductsNamed(in: args.compactMap(\.text).joined(separator: " ").lowercased())
            if let product = products.sorted().first {
                add(.high, "T1562.001", "Stops the security software `\(product)` by killing its processes: what happens next may go unseen.", range)
            }
        default:
            break
        }
        if outcome.roles.contains("network-tool") {
            member.roles.insert("network-tool")
            if case .none = stdin {} else if stdin.text != nil || stdin.taint.subtracting(.secret).isEmpty {
                add(.high, "T1048", "Sends data to another computer over a raw network connection.", range)
            }
            return .dynamic([.network])
        }
        // Downloads: where the data goes.
        if outcome.roles.contains("downloader") {
            return download(name, args: args, outcome: outcome, range: range)
        }
        // Decoders turn known text into known text.
        if let decoded = decode(name, args: args, outcome: outcome, stdin: stdin, range: range) {
            return decoded
        }
        if name == "cat" || name == "tac" || name == "head" || name == "tail" || name == "more" || name == "less" {
            if operands.isEmpty, name == "cat" { return stdin }
            if operands.count == 1, let p = operands[0].text, let s = files[PathPattern.normalise(p)], name == "cat" { return s }
        }
        return .dynamic(stdin.taint.intersection([.network, .decoded]))
    }

    /// The shell command a GNU sed script runs, if it runs one: the `e [COMMAND]` command (after any
    /// address: `1e id`, `$e`, `/x/e cmd`), or an `s` command with the `e` flag (`s/.*/id/e`, which
    /// runs the pattern space). Returns "" when the command is the text being edited.
    static func sedExecutes(_ script: String) -> String? {
        for c in sedCommands(script) {
            if c == "e" { return "" }
            if c.hasPrefix("e ") { return String(c.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
            if let flags = sedSubstituteFlags(c), flags.prefix(while: { $0.isLetter || $0.isNumber }).contains("e") { return "" }
        }
        return nil
    }

    /// A sed script's commands, each without its address (numbers, `$`, `/regex/`, `first~step`,
    /// ranges and `!`).
    static func sedCommands(_ script: String) -> [Substring] {
        script.split(whereSeparator: { $0 == ";" || $0 == "\n" }).map { raw in
            var c = Substring(raw.trimmingCharacters(in: .whitespaces))
            while let f = c.first {
                if f.isNumber || f == "$" || f == "," || f == "!" || f == "~" || f == " " { c = c.dropFirst(); continue }
                if f == "/", let end = c.dropFirst().firstIndex(of: "/") { c = c[c.index(after: end)...]; continue }
                break
            }
            return c
        }
    }

    /// The flags of an `s` command (what follows its third delimiter: `g`, `e`, `w FILE`…), or nil
    /// when `c` is not a complete `s` command.
    static func sedSubstituteFlags(_ c: Substring) -> Substring? {
        guard c.first == "s", c.count > 1 else { return nil }
        let delimiter = c[c.index(after: c.startIndex)]
        var seen = 0
        var escaped = false
        for (offset, ch) in c.dropFirst(2).enumerated() {
            if escaped { escaped = false; continue }
            if ch == "\\" { escaped = true } else if ch == delimiter { seen += 1 }
            if seen == 2 { return c.dropFirst(2 + offset + 1) }
        }
        return nil
    }

    /// A search of the disk for the files where browsers keep history, bookmarks or saved passwords
    /// (`find / -path '*/Safari/Bookmarks.plist'`, `locate logins.json`).
    mutating func checkBrowserDataSearch(_ name: String, searched: [String], range: SourceRange) {
        guard let (file, holds) = searched.lazy.compactMap(BrowserData.named(in:)).first else { return }
        let hit = BrowserData.search(file, holds: holds)
        add(hit.risk, techniques: hit.techniques, ProgramEvaluator.sentence("`\(name)` " + hit.reason), range)
    }

    /// The files a sed script writes: the `w FILE` command (`1w /tmp/x`) and the `w FILE` flag of
    /// `s` (`s/a/b/w /tmp/x`). sed's job is editing a stream; writing a file by name is not it.
    static func sedWrites(_ script: String) -> [String] {
        guard script.contains("w") else { return [] }
        var out: [String] = []
        for c in sedCommands(script) {
            if c.hasPrefix("w ") || c.hasPrefix("W ") {
                out.append(c.dropFirst(2).trimmingCharacters(in: .whitespaces))
            } else if let flags = sedSubstituteFlags(c), let w = flags.prefix(while: { $0.isLetter || $0.isNumber }).firstIndex(of: "w") {
                let file = flags[flags.index(after: w)...].trimmingCharacters(in: .whitespaces)
                if !file.isEmpty { out.append(file) }
            }
        }
        return out.filter { !$0.isEmpty && $0 != "/dev/stdout" && $0 != "/dev/stderr" }
    }

    /// Whether a `chmod` mode sets the set-user-ID or set-group-ID bit: octal `4755`, `2755`, `6777`,
    /// `04755`, or a symbolic clause that adds or assigns `s` (`+s`, `u+s`, `u+xs`, `g=rxs`, `a+rwxs,o-w`).
    static func setsSetID(_ mode: String) -> Bool {
        if !mode.isEmpty, mode.count <= 5, mode.allSatisfy(\.isNumber), mode.count >= 4 {
            let special = mode.dropLast(3).last.flatMap { $0.wholeNumberValue } ?? 0
            return special & 6 != 0
        }
        guard mode.allSatisfy({ "ugoa+-=rwxXst,".contains($0) }) else { return false }
        for clause in mode.split(separator: ",") {
            // Each clause is [ugoa]*([-+=][rwxXst]*)+; `s` after `+` or `=` sets the bit.
            var adding = false
            for c in clause {
                switch c {
                case "+", "=": adding = true
                case "-": adding = false
                case "s" where adding: return true
                default: break
                }
            }
        }
        return false
    }

    /// A shell handed to another program (GTFOBins-style escapes: `-exec /bin/sh`, `:!/bin/sh`,
    /// `--up '/bin/sh -p'`). Applies to programs Escort does not know as well.
    mutating func checkShellHandover(_ name: String, args: [Argument], range: SourceRange, member: inout PipelineMember) {
        guard !member.roles.contains("shell"), args.contains(where: { $0.text.map(Self.handsOverShell) ?? false }) else { return }
        add(.high, "T1059.004", "Hands a shell to `\(name)`, which can start it: a known way to escape restrictions.", range)
        member.interactiveShell = true
    }

    static let securityServices: [String] = [
        "auditd", "apparmor", "selinux", "ufw", "firewalld", "iptables", "nftables", "netfilter-persistent",
        "rsyslog", "syslog", "syslog-ng", "systemd-journald", "journald", "falcon-sensor", "crowdstrike",
        "osqueryd", "wazuh-agent", "ossec", "clamav-daemon", "clamd", "aide", "fail2ban", "sysmon", "auoms",
        "mdatp", "sentinelone", "cbagentd", "amazon-cloudwatch-agent", "google-cloud-ops-agent", "pf", "pflog",
        "falco", "auditbeat", "filebeat", "elastic-agent", "tetragon", "suricata", "snort", "zeek", "splunkd",
        "splunkforwarder", "nxlog", "fluentd", "fluent-bit", "td-agent", "datadog-agent", "qualys-cloud-agent",
        "ir_agent", "taniumclient", "sophos-spl", "eset_rtp",
    ]

    /// Data sent (`curl -F file=@…`, `-d`, `-T`, `wget --post-file`) to a webhook, paste site or
    /// anonymous file drop. Slack's webhooks carry everyday notifications, so for them only a file
    /// upload counts.
    mutating func checkExfilUpload(_ name: String, args: [Argument], range: SourceRange) {
        let texts = args.compactMap(\.text)
        guard let service = PowerShellRules.exfilService(in: texts.joined(separator: " ")) ?? texts.first(where: { $0.lowercased().contains("hooks.slack.com") }).map({ _ in "hooks.slack.com" }) else { return }
        let dataFlags = ["-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form", "-T", "--upload-file", "--post-data", "--post-file", "--body-data", "--body-file", "--json"]
        var sends = false
        var sendsFile = false
        for (i, t) in texts.enumerated() {
            let (flag, inline) = t.firstIndex(of: "=").map { (String(t[..<$0]), String(t[t.index(after: $0)...])) } ?? (t, "")
            guard dataFlags.contains(flag) || (t.hasPrefix("-F") && t.count > 2) || (t.hasPrefix("-d") && t.count > 2) else { continue }
            sends = true
            let value = !inline.isEmpty ? inline : (i + 1 < texts.count ? texts[i + 1] : "")
            if value.contains("@") || ["-T", "--upload-file", "--post-file", "--body-file"].contains(flag) { sendsFile = true }
        }
        if texts.contains(where: { $0.uppercased() == "POST" || $0.uppercased() == "PUT" }) { sends = true }
        guard sends, service != "hooks.slack.com" || sendsFile else { return }
        add(.high, "T1567.004", "Sends data to `\(service)`, a web service that passes it to whoever holds the link: a known way to carry data out unnoticed.", range)
    }

    /// A search for several security products at once (`ps aux | egrep 'falcond|osqueryd|auditbeat'`,
    /// `pgrep -l 'wazuh-agent|cbagentd'`): the check attackers make to learn what will see them.
    mutating func checkSecuritySoftwareSearch(_ name: String, args: [Argument], range: SourceRange) {
        let products = PowerShellRules.securityProductsNamed(in: args.compactMap(\.text).joined(separator: " ").lowercased())
        guard products.count >= 2 else { return }
        add(.high, "T1518.001", "Looks for several security products at once (\(products.sorted().prefix(4).joined(separator: ", "))): the check attackers make to learn what will see them.", range)
    }

    /// Database services: taking one down for good is an impact on the application.
    static let databaseServices = ["postgresql", "mysql", "mysqld", "mariadb", "mongod", "mongodb", "redis", "redis-server", "mssql-server", "oracle-xe", "elasticsearch", "cassandra", "couchdb", "influxdb", "etcd"]

    /// Stopping, disabling or masking a security service (firewall, audit, logging, EDR).
    mutating func checkServiceControl(_ name: String, outcome: ProgramEvaluator.Outcome, args: [Argument], range: SourceRange) {
        let texts = args.compactMap(\.text).map { $0.lowercased() }
        let verbs: Set<String> = ["stop", "disable", "mask", "kill"]
        let acts: Bool
        switch name {
        case "systemctl": acts = texts.contains { verbs.contains($0) }
        case "service", "rc-service", "chkconfig", "update-rc.d", "launchctl": acts = texts.contains { verbs.contains($0) || $0 == "off" || $0 == "remove" || $0 == "unload" }
        default: return
        }
        // A database kept from starting again (`mask`, `disable`) is the application taken down.
        if name == "systemctl", texts.contains("mask") || texts.contains("disable"),
            let db = texts.first(where: { t in Self.databaseServices.contains { t == $0 || t == $0 + ".service" || t.hasPrefix($0 + "@") } })
        {
            add(.high, "T1489", "Stops `\(db)`, a database, and keeps it from starting again: the application that uses it is down until someone notices.", range)
        }
        checkOwnServiceControl(name, texts: texts, range: range)
        guard acts, let svc = texts.first(where: { t in Self.securityServices.contains { t == $0 || t == $0 + ".service" || t.hasPrefix($0 + "@") } }) else { return }
        let firewall = ["ufw", "firewalld", "iptables", "nftables", "netfilter-persistent", "pf"].contains { svc.hasPrefix($0) }
        add(.high, firewall ? "T1562.004" : "T1562.001", "Turns off `\(svc)`, a security or logging service: what happens next may go unrecorded or unprotected.", range)
    }

    /// The target's own application services (``TargetContext/services``): restarting,
    /// reloading or querying one is routine; stopping it takes the application down (T1489),
    /// and disabling or masking it keeps it down. Security tooling is judged apart, whatever the
    /// context says (`checkServiceControl`).
    mutating func checkOwnServiceControl(_ name: String, texts: [String], range: SourceRange) {
        let ctx = context
        guard !ctx.services.isEmpty, let own = texts.lazy.compactMap({ ctx.ownService($0) }).first else { return }
        let routine: Set<String> = ["restart", "reload", "try-restart", "reload-or-restart", "try-reload-or-restart", "force-reload", "condrestart", "status", "start", "is-active", "is-enabled", "is-failed", "show", "cat", "list-units"]
        if texts.contains(where: { ["disable", "mask", "remove", "off", "unload"].contains($0) }) {
            add(.high, "T1489", "Takes down `\(own)`, this target's own application service, and keeps it from starting again: the application is down until someone notices.", range)
        } else if texts.contains(where: { ["stop", "kill"].contains($0) }) {
            add(.medium, "T1489", "Stops `\(own)`, this target's own application service: the application is down until it is started again.", range)
        } else if texts.contains(where: routine.contains) {
            add(.low, nil, "Restarts, reloads or queries `\(own)`, this target's own application service: routine work.", range)
        }
    }

    /// What the data in `path` is: the target's own application folders first (from the
    /// registry), then the resource catalogue.
    func resource(of path: String) -> PathRule? {
        if let dir = context.appDirectory(holding: path) {
            if let kind = catalogue.resource(of: path), kind.risk <= .low { return kind }
            // Its caches and temporary folders are made again when needed.
            let inside = path.dropFirst(PathPattern.normalise(dir).count).split(separator: "/")
            if inside.contains(where: { ["cache", "caches", ".cache", "tmp", "temp", "__pycache__"].contains($0.lowercased()) }) {
                return PathRule(pattern: dir + "/**/cache/**", access: "any", risk: .low, techniques: nil, meaning: "caches or temporary files of this target's application, made again when needed")
            }
            return PathRule(pattern: dir + "/**", access: "any", risk: .high, techniques: nil, meaning: "this target's application folder `\(dir)`: its code and data")
        }
        return catalogue.resource(of: path)
    }

    /// A file this input filled with a shell-starting command, handed to a program that runs,
    /// builds or installs what it is given (`ansible-playbook f`, `go run f.go`, `cmake DIR`), or as
    /// an option's value (`scp -S f`, `wget --use-askpass=f`).
    mutating func checkShellPayloadHandover(_ name: String, entry: ProgramEntry?, args: [Argument], range: SourceRange) {
        guard !shellPayloads.isEmpty else { return }
        let roles = Set(entry?.roles ?? [])
        if roles.contains("shell") { return }  // The shell reads the file itself (runFile).
        let runsWhatItIsGiven = entry == nil || !roles.isDisjoint(with: ["interpreter", "compiler", "package-manager", "scheduler", "wrapper", "remote-exec"])
        for (i, a) in args.enumerated() {
            guard var t = a.text else { continue }
            var asOptionValue = i > 0 && (args[i - 1].text ?? "").hasPrefix("-")
            if t.hasPrefix("-"), let eq = t.firstIndex(of: "=") {
                t = String(t[t.index(after: eq)...])
                asOptionValue = true
            }
            guard runsWhatItIsGiven || asOptionValue else { continue }
            let p = PathPattern.normalise(t)
            let folder = p.hasSuffix("/") ? p : p + "/"
            guard let payload = shellPayloads.first(where: { $0 == p || $0.hasPrefix(folder) }) else { continue }
            add(.high, "T1059.004", "Hands `\(payload)`, which this input filled with a command that starts a shell, to `\(name)`: a known way to get a shell out of a program that runs what it is given.", a.range)
            return
        }
    }

    static func handsOverShell(_ t: String) -> Bool {
        // Every form below contains `sh`, `exec` or `system:`; most arguments contain none, and
        // this look spares them the dozens of substring searches after it.
        guard t.contains("sh") || t.contains("exec") || t.contains("system:") else { return false }
        let shells = ["/bin/sh", "/bin/bash", "/bin/dash", "/bin/zsh", "/usr/bin/sh", "/usr/bin/bash"]
        if shells.contains(t) { return true }
        if t.hasPrefix("!") && (t.contains("sh") ) { return true }
        if t.contains(":!") || t.hasPrefix("-H") && t.contains("sh") { return shells.contains { t.contains($0) } || t.contains("!sh") || t.contains("!bash") }
        if t.contains("=exec=") || t.contains("exec:") || t.contains("system:") || t.hasPrefix("exec=") { return true }
        return shells.contains { t.contains($0 + " ") || t.hasSuffix($0) || t.contains($0 + "'") || t.contains($0 + "\"") || t.contains($0 + ";") || t.contains($0 + ")") || t.contains($0 + "\n") }
    }

    mutating func readScheduled(_ content: String, taint: Taint, range: SourceRange) {
        // Strip the five schedule fields of each cron line.
        var commands: [String] = []
        for line in content.split(separator: "\n") {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.isEmpty || l.hasPrefix("#") { continue }
            let fields = l.split(separator: " ", maxSplits: l.hasPrefix("@") ? 1 : 5, omittingEmptySubsequences: true)
            if l.hasPrefix("@"), fields.count == 2 { commands.append(String(fields[1])) } else if fields.count == 6 { commands.append(String(fields[5])) } else { commands.append(l) }
        }
        for c in commands {
            explain("The scheduled task runs `\(Self.excerpt(c, limit: 100))`.")
            readNested(c, range: range, hidden: taint.contains(.decoded))
        }
    }

    /// When text is written to a file that will be run later (a script, a cron table, a shell
    /// start-up file), read it as commands.
    mutating func noteWrittenContent(_ content: String, taint: Taint, to path: String, range: SourceRange) {
        let p = PathPattern.normalise(path)
        let body = content.split(separator: "\n").filter { !$0.hasPrefix("#!") }.joined(separator: "\n")
        if Self.handsOverShell(body.trimmingCharacters(in: .whitespacesAndNewlines)) { shellPayloads.insert(p) }
        let startup = [".bashrc", ".bash_profile", ".profile", ".zshrc", ".bash_login", ".bash_logout", ".shrc", ".kshrc", ".cshrc", ".tcshrc", ".zshenv", ".zprofile", ".zlogin", ".login"].contains(where: { p.hasSuffix("/" + $0) || p == "~/" + $0 || p == $0 })
            || p.hasPrefix("/etc/profile") || p.hasPrefix("/etc/bash.bashrc")
        let cron = p.hasPrefix("/etc/cron") || p.hasPrefix("/var/spool/cron") || p == "/etc/crontab"
        if startup {
            add(.high, "T1546.004", "Adds commands to `\(path)`, which runs every time someone opens a shell.", range)
            readNested(content, range: range, hidden: taint.contains(.decoded))
        } else if cron {
            add(.high, "T1053.003", "Writes scheduled tasks into `\(path)`.", range)
            readScheduled(content, taint: taint, range: range)
        } else if p.contains(".git/hooks/"), shellPayloads.contains(p) {
            add(.high, "T1059.004", "Writes a git hook (`\(path)`) that starts a shell: git runs it by itself on the next commit, checkout or merge.", range)
        } else if p.hasSuffix("authorized_keys") {
            add(.high, "T1098.004", "Adds an SSH key to `\(path)`, letting its holder log in without a password.", range)
        } else if p.hasPrefix("/etc/sudoers") {
            add(.high, "T1548.003", "Changes who may run commands as root (`\(path)`).", range)
        }
    }

    /// A downloader: where the downloaded data goes.
    mutating func download(_ name: String, args: [Argument], outcome: ProgramEvaluator.Outcome, range: SourceRange) -> Stream {
        let texts = args.map { $0.text ?? "" }
        var outputFile: String? = nil
        var toStdout = name == "curl"
        for (i, var t) in texts.enumerated() {
            // curl's short flags come bundled (`-sO`, `-fsSLo FILE`): the output flag is what counts.
            if name == "curl", t.hasPrefix("-"), !t.hasPrefix("--"), t.count > 2, t.dropFirst().allSatisfy(\.isLetter) {
                if t.hasSuffix("o") { t = "-o" } else if t.contains("O") { t = "-O" }
            }
            if ["-o", "--output", "-O", "--output-document"].contains(t) || (name == "wget" && t == "-O") {
                if t == "-O" && name == "curl" {
                    outputFile = outcome.operands.first.flatMap { $0.text.map { Self.basename($0) } }
                    toStdout = false
                    continue
                }
                if i + 1 < texts.count { outputFile = texts[i + 1] }
            } else if t.hasPrefix("-qO") || t.hasPrefix("-O") && name == "wget" && t.count > 2 {
                outputFile = String(t.dropFirst(t.hasPrefix("-qO") ? 3 : 2))
            } else if t.hasPrefix("--output-document=") || t.hasPrefix("--output=") {
                outputFile = String(t.split(separator: "=", maxSplits: 1).last ?? "")
            }
        }
        if name == "wget", outputFile == nil {
            outputFile = outcome.operands.first.flatMap { $0.text.map { Self.basename($0) } }
            toStdout = false
        }
        if let out = outputFile {
            if out == "-" || out == "/dev/stdout" {
                toStdout = true
            } else {
                toStdout = false
                files[PathPattern.normalise(out)] = .dynamic([.network])
                explain("The download is saved as `\(out)`.")
            }
        }
        let urls = outcome.operands.compactMap(\.text).filter { $0.contains("://") || $0.contains(".") }
        if let url = urls.first { explain("It contacts `\(url)`.") }
        return toStdout ? .dynamic([.network]) : .none
    }

    /// Decoders: `base64 -d`, `xxd -r -p`, `rev`, `tr`, `gunzip`, `openssl enc -d`.
    mutating func decode(_ name: String, args: [Argument], outcome: ProgramEvaluator.Outcome, stdin: Stream, range: SourceRange) -> Stream? {
        let texts = args.map { $0.text ?? "" }
        var input = stdin
        // (`tr` reads only its standard input: its operands are character sets, not files.)
        if name != "tr", let file = outcome.operands.first?.text, file != "-" {
            input = files[PathPattern.normalise(file)] ?? .dynamic([])
        }
        func out(_ transform: (String) -> String?) -> Stream {
            if case .text(let s, let taint, let r) = input, let d = transform(s) { return .text(d, taint.union(.decoded), r) }
            return .dynamic(input.taint.union(.decoded))
        }
        switch name {
        case "base64", "base32", "basenc":
            guard texts.contains(where: { $0 == "-d" || $0 == "--decode" || $0 == "-D" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("d")) }) else { return nil }
            return out(name == "base32" ? Decoders.base32 : Decoders.base64)
        case "xxd":
            guard texts.contains(where: { $0.hasPrefix("-r") || $0 == "-revert" }) else { return nil }
            return out(Decoders.hex)
        case "rev":
            return out { Decoders.reverseLines($0) }
        case "tr":
            let delete = texts.contains { $0.hasPrefix("-") && $0.contains("d") }
            let sets = outcome.operands.compactMap(\.text)
            guard let s1 = sets.first else { return nil }
            return out { Decoders.tr($0, s1, sets.count > 1 ? sets[1] : nil, delete: delete) }
        case "gunzip", "zcat", "gzip", "xz", "unxz", "bzip2", "bunzip2", "zstd", "unzstd", "lzma", "brotli":
            if ["gzip", "xz", "bzip2", "zstd", "lzma", "brotli"].contains(name), !texts.contains(where: { $0 == "-d" || $0 == "--decompress" || $0 == "-dc" || $0 == "-cd" }) { return nil }
            return .dynamic(input.taint.union(.decoded))
        case "openssl":
            guard texts.contains("-d") || texts.contains("-base64") && texts.contains("-d") else { return nil }
            if texts.contains("-base64") || texts.contains("-a") || texts.first == "base64" { return out(Decoders.base64) }
            return .dynamic(input.taint.union(.decoded))
        case "uudecode":
            return .dynamic(input.taint.union(.decoded))
        default:
            return nil
        }
    }

    /// Pipeline-wide rules: a shell wired to a network tool is a reverse shell.
    mutating func checkPipeline(_ members: [PipelineMember], range: SourceRange) {
        let network = members.contains { $0.roles.contains("network-tool") }
        let shell = members.contains { $0.runsStdin || $0.interactiveShell }
        if network && shell {
            add(.critical, "T1059.004", "Wires a shell to a network connection (a reverse or bind shell): someone elsewhere can run any command here.", range)
            add(.critical, "T1095", "Wires a shell to a network connection (a reverse or bind shell): someone elsewhere can run any command here.", range)
        }
    }
}
