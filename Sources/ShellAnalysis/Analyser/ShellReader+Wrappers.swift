import Foundation

/// Programs that run another command: `sudo`, `env`, `nohup`, `timeout`, `xargs`, `find -exec`,
/// `ssh HOST CMD`, `docker exec`, `kubectl exec`, `su -c`, `busybox`, …
extension ShellReader {
    /// How a wrapper's own options are laid out before the command it runs.
    struct WrapperSpec {
        /// Options that take a value.
        var valueOptions: Set<String> = []
        /// Positional arguments before the command (`timeout DURATION`, `chroot DIR`).
        var leadingPositionals = 0
        /// `NAME=VALUE` arguments before the command (`env`).
        var assignments = false
        /// What running through it means, for the explanation.
        var meaning: String
    }

    static let wrappers: [String: WrapperSpec] = [
        "sudo": WrapperSpec(valueOptions: ["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group", "--prompt", "--chdir"], meaning: "runs the command that follows as another user, by default root (the administrator)"),
        "doas": WrapperSpec(valueOptions: ["-u", "-C"], meaning: "runs the command that follows as another user, by default root"),
        "env": WrapperSpec(valueOptions: ["-u", "-C", "--unset", "--chdir"], assignments: true, meaning: "runs the command that follows with a changed environment"),
        "nohup": WrapperSpec(meaning: "runs the command that follows so that it keeps running after the user logs out"),
        "timeout": WrapperSpec(valueOptions: ["-s", "-k", "--signal", "--kill-after"], leadingPositionals: 1, meaning: "runs the command that follows with a time limit"),
        "nice": WrapperSpec(valueOptions: ["-n", "--adjustment"], meaning: "runs the command that follows at a changed priority"),
        "ionice": WrapperSpec(valueOptions: ["-c", "-n", "-p", "-P", "-u", "--class", "--classdata"], meaning: "runs the command that follows at a changed disk priority"),
        "stdbuf": WrapperSpec(valueOptions: ["-i", "-o", "-e"], meaning: "runs the command that follows with changed buffering"),
        "setsid": WrapperSpec(meaning: "runs the command that follows in a new session, detached from this terminal"),
        "time": WrapperSpec(valueOptions: ["-f", "-o", "--format", "--output"], meaning: "runs the command that follows and reports how long it took"),
        "chroot": WrapperSpec(valueOptions: ["--userspec", "--groups"], leadingPositionals: 1, meaning: "runs the command that follows inside another root folder"),
        "flock": WrapperSpec(valueOptions: ["-w", "-E", "--timeout", "--conflict-exit-code"], leadingPositionals: 1, meaning: "runs the command that follows while holding a lock"),
        "unbuffer": WrapperSpec(meaning: "runs the command that follows without output buffering"),
        "strace": WrapperSpec(valueOptions: ["-o", "-p", "-e", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-P", "-S", "-X"], meaning: "runs the command that follows while tracing every system call it makes"),
        "ltrace": WrapperSpec(valueOptions: ["-o", "-p", "-e", "-s", "-u", "-a", "-A", "-D", "-F", "-n", "-l", "-x"], meaning: "runs the command that follows while tracing its library calls"),
        "nsenter": WrapperSpec(valueOptions: ["-t", "--target", "-S", "-G", "--setuid", "--setgid", "-w", "-r"], meaning: "runs the command that follows inside another process's namespaces (for example a container's)"),
        "unshare": WrapperSpec(valueOptions: ["--map-user", "--map-group", "-S", "-G", "-R", "-w"], meaning: "runs the command that follows in new namespaces"),
        "torsocks": WrapperSpec(meaning: "runs the command that follows through the Tor anonymity network"),
        "proxychains": WrapperSpec(valueOptions: ["-f"], meaning: "runs the command that follows through a chain of proxies"),
        "proxychains4": WrapperSpec(valueOptions: ["-f"], meaning: "runs the command that follows through a chain of proxies"),
        "sshpass": WrapperSpec(valueOptions: ["-p", "-f", "-d", "-P"], meaning: "runs the command that follows, typing a password into it"),
        "catchsegv": WrapperSpec(meaning: "runs the command that follows and reports crashes"),
        "systemd-run": WrapperSpec(valueOptions: ["-u", "--unit", "-p", "--property", "--on-calendar", "--on-active", "--uid", "--gid", "-E", "--setenv", "--description", "--slice"], meaning: "runs the command that follows as a systemd service, possibly later or on a schedule"),
        "runuser": WrapperSpec(valueOptions: ["-u", "-g", "-G", "--user", "--group"], meaning: "runs the command that follows as another user"),
        "watch": WrapperSpec(valueOptions: ["-n", "--interval", "-d"], meaning: "runs the command that follows again and again"),
        "screen": WrapperSpec(valueOptions: ["-S", "-dmS", "-dS", "-mS", "-DmS", "-c", "-e", "-h", "-p", "-T", "-t", "-Logfile"], meaning: "runs the command that follows in a detached terminal session, which keeps running after logout"),
        "caffeinate": WrapperSpec(valueOptions: ["-t", "-w"], meaning: "runs the command that follows while keeping the machine awake"),
        "firejail": WrapperSpec(valueOptions: [], meaning: "runs the command that follows in a sandbox"),
        "xvfb-run": WrapperSpec(valueOptions: ["-n", "-s", "-f", "-e"], meaning: "runs the command that follows with a virtual display"),
        "doas-run": WrapperSpec(meaning: "runs the command that follows as another user"),
        // The dynamic loader run by hand runs any program, even one whose execute bit is not set.
        "ld.so": WrapperSpec(valueOptions: ["--library-path", "--preload", "--audit", "--argv0"], meaning: "runs the program that follows through the dynamic loader directly, ignoring whether it may be executed"),
        "ld-linux.so.2": WrapperSpec(valueOptions: ["--library-path", "--preload", "--audit", "--argv0"], meaning: "runs the program that follows through the dynamic loader directly, ignoring whether it may be executed"),
        "ld-linux-x86-64.so.2": WrapperSpec(valueOptions: ["--library-path", "--preload", "--audit", "--argv0"], meaning: "runs the program that follows through the dynamic loader directly, ignoring whether it may be executed"),
        "ld-linux-aarch64.so.1": WrapperSpec(valueOptions: ["--library-path", "--preload", "--audit", "--argv0"], meaning: "runs the program that follows through the dynamic loader directly, ignoring whether it may be executed"),
    ]

    mutating func wrapper(_ name: String, args: [Argument], stdin: Stream, range: SourceRange, member: inout PipelineMember) -> Stream? {
        switch name {
        case "xargs": return runXargs(args, stdin: stdin, range: range, member: &member)
        case "find": return runFind(args, stdin: stdin, range: range, member: &member)
        case "ssh": return runSSH(args, range: range, member: &member)
        case "su": return runSu(args, stdin: stdin, range: range, member: &member)
        case "busybox", "toybox":
            guard let applet = args.first, applet.text != nil, !(applet.text ?? "").hasPrefix("-") else { return nil }
            explain("`\(name)` runs its built-in version of `\(applet.text ?? "")`.")
            return dispatch(args, stdin: stdin, range: range, via: name, member: &member)
        case "docker", "podman", "nerdctl", "kubectl", "oc", "crictl", "lxc", "az", "aws", "gcloud":
            return runRemoteTool(name, args: args, stdin: stdin, range: range, member: &member)
        case "capsh":
            // `capsh [options] -- ARGS` runs `/bin/bash ARGS`; `--uid=0`/`--gid=0` switch to root first.
            let texts = args.map { $0.text ?? "" }
            guard let dash = texts.firstIndex(of: "--") else { return nil }
            explain("`capsh` changes the process's privileges, then `--` runs `/bin/bash` with what follows.")
            if texts[..<dash].contains(where: { $0 == "--uid=0" || $0 == "--gid=0" || $0 == "--user=root" }) {
                add(.high, "T1548", "Switches to the root user (`capsh --uid=0`) before starting a shell.", range)
            }
            return dispatch([Argument(text: "/bin/bash", range: range)] + args[(dash + 1)...], stdin: stdin, range: range, via: name, member: &member)
        case "script":
            if let i = args.firstIndex(where: { $0.text == "-c" || $0.text == "--command" }), i + 1 < args.count {
                explain("`script` records a terminal session while running a command.")
                nestedString(args[i + 1], range: range, via: name)
                return .dynamic([])
            }
            if args.last?.text == "/dev/null" {
                // With no command (BSD's `script FILE CMD` puts it after the file) it starts the
                // user's shell; writing the recording to /dev/null
                // keeps only the shell (the usual way to get a full terminal out of a limited one).
                add(.high, "T1059.004", "Starts a new shell through `script`, throwing its recording away (`/dev/null`): a known way to get a full shell out of a restricted one.", range)
                member.interactiveShell = true
                return .dynamic([])
            }
            return nil
        case "screen":
            // Its own options first (`-L -Logfile F` writes a file), then what it runs.
            guard let entry = catalogue.unixProgram("screen"), let spec = Self.wrappers["screen"] else { return nil }
            var own: [Argument] = []
            var k = 0
            while k < args.count, let t = args[k].text, t.hasPrefix("-") {
                own.append(args[k])
                if spec.valueOptions.contains(t), k + 1 < args.count { own.append(args[k + 1]); k += 1 }
                k += 1
            }
            _ = evaluator.evaluate(entry: entry, name: name, args: own, commandRange: at(range), windows: false, into: &report)
            if k >= args.count { return .dynamic([]) }
        default:
            break
        }
        guard let spec = Self.wrappers[name] else { return nil }
        var i = 0
        var positionals = spec.leadingPositionals
        var flags: [String] = []
        var envAssignments: [(String, Argument)] = []
        while i < args.count {
            guard let t = args[i].text else { break }
            if t == "--" { i += 1; break }
            if t.hasPrefix("-"), t.count > 1 {
                flags.append(t)
                if spec.valueOptions.contains(t) { i += 1 }
                i += 1
                continue
            }
            if spec.assignments, let eq = t.firstIndex(of: "="), eq != t.startIndex {
                envAssignments.append((String(t[..<eq]), Argument(text: String(t[t.index(after: eq)...]), range: args[i].range, taint: args[i].taint)))
                i += 1
                continue
            }
            if positionals > 0 {
                positionals -= 1
                i += 1
                continue
            }
            break
        }
        for (k, v) in envAssignments { checkAssignment(k, v, range: range) }
        let rest = Array(args[min(i, args.count)...])
        explain(ProgramEvaluator.sentence("`\(name)` \(spec.meaning)"))
        if name == "sudo" || name == "doas" || name == "runuser" {
            member.roles.insert("privilege")
            if flags.contains(where: { $0 == "-l" || $0 == "--list" }) {
                add(.low, "T1069.001", "Lists what this account may run as root.", range)
                return .dynamic([])
            }
            if rest.isEmpty && flags.contains(where: { ["-i", "-s", "--login", "--shell", "-su"].contains($0) }) {
                add(.high, "T1548.003", "Opens an interactive root (administrator) shell.", range)
                return .dynamic([])
            }
            add(.low, "T1548.003", "Runs the command as root (the administrator).", range)
        }
        if name == "torsocks" || name.hasPrefix("proxychains") {
            add(.high, "T1090.003", "Hides where the connection goes by routing it through an anonymity network or proxies.", range)
        }
        if name == "systemd-run" {
            add(.medium, "T1053.006", "Runs a command as a background service, which can keep running or run on a schedule.", range)
        }
        if name == "nsenter" {
            // Process 1 is the host's init: entering its namespaces from a container is being on the host.
            let texts = args.compactMap(\.text)
            let hostInit = zip(texts, texts.dropFirst()).contains { ["-t", "--target"].contains($0.0) && $0.1 == "1" } || texts.contains("--target=1") || texts.contains("-t1")
            add(hostInit ? .high : .medium, "T1611", hostInit
                ? "Enters the namespaces of process 1, the host's own init: from a container this is an escape onto the host, with its rights."
                : "Enters another process's namespaces, for example to act inside a container or on the host from one.", range)
        }
        if name == "chroot", let root = args.compactMap(\.text).first(where: { !$0.hasPrefix("-") }),
            (root.hasPrefix("/proc/") && root.hasSuffix("/root")) || ["/host", "/mnt/host", "/hostfs", "/rootfs", "/host-root"].contains(root)
        {
            add(.high, "T1611", "Changes root into `\(root)`, the host's own file system seen from a container: an escape onto the host.", range)
        }
        if name == "strace" || name == "ltrace", flags.contains("-p") {
            add(.high, "T1056", "Attaches to a running program to watch what it reads and writes (which can include passwords).", range)
        }
        let startsShell = (name == "chroot" && positionals == 0) || (name == "systemd-run" && flags.contains { $0 == "-S" || $0 == "--shell" })
        if rest.isEmpty, startsShell {
            // With no command, `chroot DIR` runs the user's shell, and `systemd-run --shell` opens one.
            add(.high, techniques: Self.shellThrough(name), "Starts an interactive shell through `\(name)`: a known way to escape restrictions, and what is typed into it is not read command by command.", range)
            member.interactiveShell = true
            return .dynamic([])
        }
        guard !rest.isEmpty else {
            if name == "env" { add(.low, "T1082", "Prints the environment variables, which can include secrets.", range) }
            return .dynamic([])
        }
        if name == "watch" || (name == "flock" && flags.contains("-c")) {
            let joined = Argument(text: rest.allSatisfy { $0.text != nil } ? rest.compactMap(\.text).joined(separator: " ") : nil,
                                  range: range, taint: rest.reduce(into: Taint()) { $0.formUnion($1.taint) })
            nestedString(joined, range: range, via: name)
            return .dynamic([])
        }
        return dispatch(rest, stdin: stdin, range: range, via: name, member: &member)
    }

    /// Runs `text` as shell commands on behalf of `via` (`sh -c`, `su -c`, `ssh host CMD`).
    mutating func nestedString(_ arg: Argument, range: SourceRange, via: String) {
        guard let text = arg.text else {
            if arg.taint.contains(.network) {
                add(.critical, "T1105", "Runs commands downloaded from the internet (through `\(via)`): nobody sees them before they run.", range)
                add(.critical, "T1059.004", "Runs commands downloaded from the internet (through `\(via)`): nobody sees them before they run.", range)
            } else if arg.taint.contains(.decoded) {
                add(.critical, "T1140", "Decodes hidden commands and runs them (through `\(via)`).", range)
            } else {
                add(.high, "T1059.004", "Runs (through `\(via)`) commands that are only put together when it runs; Escort cannot see them.", range)
            }
            return
        }
        if arg.taint.contains(.decoded) {
            add(.critical, "T1140", "Decodes hidden commands and runs them (through `\(via)`).", range)
            add(.high, "T1027", "Decodes hidden commands and runs them (through `\(via)`).", range)
        }
        if arg.taint.contains(.network) {
            add(.critical, "T1105", "Runs commands downloaded from the internet (through `\(via)`).", range)
        }
        explain("It runs these commands: `\(Self.excerpt(text, limit: 120))`.")
        readNested(text, range: range, hidden: arg.taint.contains(.decoded))
    }

    mutating func runXargs(_ args: [Argument], stdin: Stream, range: SourceRange, member: inout PipelineMember) -> Stream {
        let valueOptions: Set<String> = ["-I", "-i", "-n", "-P", "-L", "-l", "-d", "-E", "-e", "-s", "-a", "--max-args", "--max-procs", "--delimiter", "--arg-file", "--replace", "--max-lines"]
        var i = 0
        var replace: String? = nil
        while i < args.count, let t = args[i].text, t.hasPrefix("-") {
            if ["-I", "--replace"].contains(t), i + 1 < args.count { replace = args[i + 1].text }
            if t.hasPrefix("-I"), t.count > 2 { replace = String(t.dropFirst(2)) }
            if t == "-i" { replace = "{}" }
            if valueOptions.contains(t) { i += 1 }
            i += 1
        }
        explain("`xargs` runs the command that follows once for each item it reads from its input.")
        var rest = Array(args[min(i, args.count)...])
        if rest.isEmpty { rest = [Argument(text: "echo", range: range)] }
        if let r = replace, !r.isEmpty {
            // `-I {}`: each input line takes the place of `{}`; with the input known, the
            // commands it makes are read (`xargs -I{} sh -c '{}' <<< 'CMD'` runs CMD).
            let lines = stdin.text.map { $0.split(separator: "\n").map(String.init).prefix(8) } ?? []
            if !lines.isEmpty {
                for line in lines {
                    let filled = rest.map { a in Argument(text: a.text.map { $0.replacingOccurrences(of: r, with: line) }, range: a.range, taint: a.taint.union(stdin.taint)) }
                    var m = PipelineMember(name: nil, range: range)
                    _ = dispatch(filled, stdin: .none, range: range, via: "xargs", member: &m)
                }
                return .dynamic(stdin.taint)
            }
            // (Input unknown: the command is read with the placeholder in it.)
        } else {
            rest.append(Argument(text: nil, range: SourceRange(range.end, range.end), taint: stdin.taint.union(.dynamic)))
        }
        if stdin.taint.contains(.network) {
            add(.high, "T1105", "Feeds data downloaded from the internet to `xargs` as arguments of a command.", range)
        }
        return dispatch(rest, stdin: .none, range: range, via: "xargs", member: &member)
    }

    mutating func runFind(_ args: [Argument], stdin: Stream, range: SourceRange, member: inout PipelineMember) -> Stream? {
        guard let entry = catalogue.unixProgram("find") else { return nil }
        var own: [Argument] = []
        var i = 0
        var execs: [(String, [Argument])] = []
        while i < args.count {
            let t = args[i].text ?? ""
            if ["-exec", "-execdir", "-ok", "-okdir"].contains(t) {
                var inner: [Argument] = []
                i += 1
                while i < args.count, args[i].text != ";", args[i].text != "+" {
                    inner.append(args[i].text == "{}" ? Argument(text: nil, range: args[i].range, taint: [.dynamic]) : args[i])
                    i += 1
                }
                i += 1
                execs.append((t, inner))
                own.append(Argument(text: t, range: args[max(0, min(i - 1, args.count - 1))].range))
                continue
            }
            own.append(args[i])
            i += 1
        }
        let texts = own.compactMap(\.text)
        if execs.isEmpty, let what = cleanupTargets("find", args: own) {
            add(.low, nil, "`find` deletes \(what), which are kept only for a while: routine clean-up.", range)
            own = own.filter { $0.text != "-delete" }
        }
        _ = evaluator.evaluate(entry: entry, name: "find", args: own, commandRange: at(range), windows: false, into: &report)
        if let i = texts.firstIndex(of: "-perm"), i + 1 < texts.count,
            ["4000", "-4000", "/4000", "-u=s", "/u=s", "-2000", "/2000", "-g=s", "/6000", "-6000"].contains(texts[i + 1])
        {
            add(.medium, "T1548.001", "Looks for programs that run with their owner's rights (set-user-ID), the usual first step to becoming root.", range)
        }
        if texts.contains("-delete") || execs.contains(where: { ["rm", "shred", "unlink"].contains($0.1.first?.text ?? "") }) {
            checkFindDeletes(texts, range: range)
        }
        let nameTests: Set<String> = ["-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"]
        checkBrowserDataSearch("find", searched: zip(texts, texts.dropFirst()).filter { nameTests.contains($0.0) }.map(\.1), range: range)
        for (flag, inner) in execs where !inner.isEmpty {
            explain("`find \(flag)` runs a command for every file it finds.")
            var m = PipelineMember(name: nil, range: range)
            _ = dispatch(inner, stdin: .none, range: range, via: "find", member: &m)
            if m.interactiveShell { member.interactiveShell = true }
        }
        return .dynamic([])
    }

    /// `find ROOT … -delete` (or `-exec rm`): judged by what is under the roots. Old rotated logs
    /// (`-mtime +30`) are cleanup; the journal or the audit log deleted outright is evidence
    /// destroyed (T1070.002); application data and databases are destroyed data (T1485).
    mutating func checkFindDeletes(_ texts: [String], range: SourceRange) {
        let roots = texts.prefix { !$0.hasPrefix("-") && $0 != "(" && $0 != "!" }
        let byAge = zip(texts, texts.dropFirst()).contains { ["-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin"].contains($0.0) && $0.1.hasPrefix("+") }
        // Tests that pick some files (a name, a size, an owner, an age) make it a clean-up;
        // without them (`-type f` at most) everything under the root goes.
        let everything = !texts.contains { $0.hasPrefix("-") && !["-type", "-delete", "-exec", "-execdir", "-ok", "-okdir", "-depth", "-mindepth", "-maxdepth", "-xdev", "-mount", "-print", "-print0", "-L", "-H", "-P", "-O3"].contains($0) }
        for root in roots {
            let path = PathPattern.normalise(root)
            guard let kind = resource(of: path) else { continue }
            if path.hasPrefix("/var/log") {
                if !byAge { add(.high, "T1070.002", "Deletes the logs under `\(root)` whatever their age: the record of what happened on this machine goes with them.", range) }
            } else if kind.risk >= .high, everything, path.split(separator: "/").count >= 2 || path.hasPrefix("/srv") || path.hasPrefix("/opt") {
                add(.high, "T1485", "Deletes files under `\(root)` (\(kind.meaning)): they are gone unless there is a backup.", range)
            }
        }
    }

    mutating func runSSH(_ args: [Argument], range: SourceRange, member: inout PipelineMember) -> Stream? {
        guard let entry = catalogue.unixProgram("ssh") else { return nil }
        readSSHLocalCommands("ssh", args: args, range: range)
        let valueOptions: Set<String> = ["-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-e", "-m", "-O", "-Q", "-S", "-w", "-E", "-B", "-W", "-I"]
        var i = 0
        var own: [Argument] = []
        while i < args.count, let t = args[i].text, t.hasPrefix("-") {
            own.append(args[i])
            let takesValue = valueOptions.contains(t) || (t.count == 2 && valueOptions.contains(t))
            if takesValue, i + 1 < args.count { own.append(args[i + 1]); i += 1 }
            i += 1
        }
        guard i < args.count else {
            _ = evaluator.evaluate(entry: entry, name: "ssh", args: own, commandRange: at(range), windows: false, into: &report)
            return .dynamic([])
        }
        let host = args[i]
        own.append(host)
        _ = evaluator.evaluate(entry: entry, name: "ssh", args: own, commandRange: at(range), windows: false, into: &report)
        member.roles.insert("remote-exec")
        let rest = Array(args[(i + 1)...])
        guard !rest.isEmpty else {
            add(.medium, "T1021.004", "Opens a remote shell on `\(host.text ?? "another machine")`: what is typed there is not read by Escort.", range)
            return .dynamic([])
        }
        add(.medium, "T1021.004", "Runs commands on another machine, `\(host.text ?? "(decided at run time)")`.", range)
        let joined = Argument(text: rest.allSatisfy { $0.text != nil } ? rest.compactMap(\.text).joined(separator: " ") : nil,
                              range: range, taint: rest.reduce(into: Taint()) { $0.formUnion($1.taint) })
        nestedString(joined, range: range, via: "ssh")
        return .dynamic([.network])
    }

    mutating func runSu(_ args: [Argument], stdin: Stream, range: SourceRange, member: inout PipelineMember) -> Stream? {
        var user = "root"
        var command: Argument? = nil
        var i = 0
        while i < args.count {
            let t = args[i].text ?? ""
            if t == "-c" || t == "--command", i + 1 < args.count {
                command = args[i + 1]
                i += 2
                continue
            }
            if t == "-s" || t == "--shell" { i += 2; continue }
            if !t.hasPrefix("-") { user = t }
            i += 1
        }
        member.roles.insert("privilege")
        explain("`su` switches to another user (`\(user)`).")
        if let command, let words = command.text?.split(separator: " ").map(String.init), let first = words.first,
            Set(catalogue.unixProgram(first)?.roles ?? []).contains("shell"), words.dropFirst().allSatisfy({ $0.hasPrefix("-") && !$0.contains("c") })
        {
            // `su -c /bin/sh` is `su` by another name: an interactive shell as that user.
            add(.high, "T1548", "Opens an interactive shell as `\(user)` (`su -c \(first)`): what is typed there is not read command by command.", range)
            member.interactiveShell = true
        } else if let command {
            add(.low, "T1548", "Runs a command as `\(user)`.", range)
            nestedString(command, range: range, via: "su")
        } else {
            add(.high, "T1548", "Opens an interactive shell as `\(user)`: what is typed there is not read command by command.", range)
            member.interactiveShell = true
        }
        return .dynamic([])
    }

    /// `docker exec`, `kubectl exec`, `az vm run-command invoke --scripts`, `aws ssm send-command`.
    mutating func runRemoteTool(_ name: String, args: [Argument], stdin: Stream, range: SourceRange, member: inout PipelineMember) -> Stream? {
        let texts = args.map { $0.text ?? "" }
        switch name {
        case "docker", "podman", "nerdctl", "lxc":
            guard let sub = texts.firstIndex(where: { !$0.hasPrefix("-") }), texts[sub] == "exec" else { return nil }
            let valueOptions: Set<String> = ["-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file", "--detach-keys"]
            var i = sub + 1
            while i < args.count, texts[i].hasPrefix("-") {
                if valueOptions.contains(texts[i]) { i += 1 }
                i += 1
            }
            guard i < args.count else { return nil }
            let container = texts[i]
            let rest = Array(args[(i + 1)...])
            explain("`\(name) exec` runs a command inside the container `\(container)`.")
            add(.medium, "T1609", "Runs a command inside the container `\(container)`.", range)
            if texts.contains("--privileged") {
                add(.high, "T1611", "Runs it with full privileges over the host (`--privileged`).", range)
            }
            if rest.isEmpty { return .dynamic([]) }
            return dispatch(rest, stdin: stdin, range: range, via: "\(name) exec", member: &member)
        case "kubectl", "oc":
            guard let sub = texts.firstIndex(where: { !$0.hasPrefix("-") }), texts[sub] == "exec" || texts[sub] == "debug" else { return nil }
            explain("`\(name) \(texts[sub])` runs a command inside a Kubernetes pod.")
            add(.medium, "T1609", "Runs a command inside a Kubernetes pod.", range)
            guard let dash = texts.firstIndex(of: "--"), dash + 1 < args.count else { return .dynamic([]) }
            return dispatch(Array(args[(dash + 1)...]), stdin: stdin, range: range, via: "\(name) exec", member: &member)
        case "az":
            guard texts.contains("run-command"), let s = texts.firstIndex(of: "--scripts"), s + 1 < args.count else { return nil }
            explain("`az vm run-command` runs a script on an Azure virtual machine.")
            add(.medium, "T1651", "Runs a script on a cloud virtual machine through Azure's run-command.", range)
            var j = s + 1
            while j < args.count, !(texts[j].hasPrefix("--")) {
                nestedString(args[j], range: range, via: "az vm run-command")
                j += 1
            }
            return .dynamic([])
        case "aws":
            guard texts.contains("send-command") else { return nil }
            explain("`aws ssm send-command` runs commands on cloud machines through AWS Systems Manager.")
            add(.medium, "T1651", "Runs commands on cloud machines through AWS Systems Manager.", range)
            for a in args {
                guard let t = a.text, let r = t.range(of: "commands=") else { continue }
                var body = String(t[r.upperBound...])
                body = body.trimmingCharacters(in: CharacterSet(charactersIn: "[]\"'"))
                nestedString(Argument(text: body, range: a.range, taint: a.taint), range: range, via: "aws ssm")
            }
            return .dynamic([])
        case "gcloud":
            guard let c = texts.firstIndex(where: { $0 == "--command" || $0.hasPrefix("--command=") }) else { return nil }
            let arg: Argument
            if texts[c].hasPrefix("--command=") {
                arg = Argument(text: String(texts[c].dropFirst("--command=".count)), range: args[c].range, taint: args[c].taint)
            } else if c + 1 < args.count {
                arg = args[c + 1]
            } else { return nil }
            add(.medium, "T1021.004", "Runs commands on a cloud machine through `gcloud compute ssh`.", range)
            nestedString(arg, range: range, via: "gcloud")
            return .dynamic([])
        default:
            return nil
        }
    }
}
