/// Data leaving the machine: what a command sends (files, its standard input, text) and where it
/// goes (``Destination``). Credentials read in the same input and then sent outside are
/// exfiltration of credentials (high, TA0010 beside the read's TA0006), however the data was
/// piped, encoded or staged in a file first.
extension ShellReader {
    /// How the data travels, for the ATT&CK technique.
    enum Channel {
        case web, raw, remoteCopy, cloudStorage, versionControl

        var technique: String {
            switch self {
            case .web: "T1567"
            case .raw, .remoteCopy: "T1048"
            case .cloudStorage: "T1567.002"
            case .versionControl: "T1567.001"
            }
        }
    }

    /// One sending found in a command.
    struct Outbound {
        var files: [String] = []
        var stdin = false
        var texts: [Argument] = []
        /// What is sent when it is no file (`the repository's history`).
        var label: String? = nil
        var destination: Destination
        var channel: Channel
    }

    /// Finds what `name` sends and judges it. `stdin` is what flows into the command.
    mutating func checkOutbound(_ name: String, args: [Argument], stdin: Stream, range: SourceRange) {
        guard let out = Self.outbound(name, args: args) else { return }
        judge(out, stdin: stdin, range: range)
    }

    /// Commands a program runs from one of its options (`tar --checkpoint-action=exec=CMD`,
    /// `zip -TT CMD`, `git -c core.pager=CMD`), read as shell: what they send or change is theirs.
    mutating func readCommandsInFlags(_ name: String, outcome: ProgramEvaluator.Outcome) {
        for (flag, value, _) in outcome.flags where flag.runs == "shell" {
            guard let value, let text = value.text else { continue }
            var command = Substring(text)
            if let prefixes = flag.runsAfter {
                guard let p = prefixes.first(where: { command.lowercased().hasPrefix($0.lowercased()) }) else { continue }
                command = command.dropFirst(p.count)
            }
            guard !command.isEmpty else { continue }
            explain("`\(name)` runs the command `\(Self.excerpt(String(command)))` from its option `\(flag.names.first ?? "")`; it is read below.")
            readNested(String(command), range: value.range, hidden: false)
        }
    }

    /// The data a shell's `/dev/tcp` redirection carries out.
    mutating func checkOutboundRedirect(_ endpoint: String, readSecrets: Bool, stdin: Stream, range: SourceRange) {
        let host = String(endpoint.split(separator: " ").first ?? "")
        guard readSecrets || stdin.taint.contains(.secret) else { return }
        judge(Outbound(stdin: true, destination: Destination.classify(host), channel: .raw), stdin: .dynamic(.secret), range: range)
    }

    mutating func judge(_ out: Outbound, stdin: Stream, range: SourceRange) {
        let d = out.destination.within(context)
        if d.kind == .instanceMetadata || d.kind == .loopback { return }
        var secrets: [String] = []
        var valuable: [String] = []
        var plain: [String] = []
        for file in out.files {
            let key = PathPattern.normalise(file)
            if let s = secretFiles[key] { secrets.append(s); continue }
            if files[key]?.taint.contains(.secret) == true { secrets.append(contentsOf: report.secrets.suffix(2)); continue }
            if let s = evaluator.secret(in: file) {
                evaluator.checkPath(file, writing: false, range: at(range), verb: "reads", into: &report)
                secrets.append(s)
                continue
            }
            // What the file is: application data, a database, configuration… or a temporary file.
            if let kind = resource(of: PathPattern.normalise(file)), kind.risk >= .high {
                valuable.append("`\(file)` (\(kind.meaning))")
            } else {
                plain.append("`\(file)`")
            }
        }
        var sendsData = !out.files.isEmpty
        if let label = out.label {
            // What it names is the organisation's own (a repository's whole history).
            sendsData = true
            valuable.append(label)
        }
        if out.stdin, !Self.isEmpty(stdin) {
            sendsData = true
            if stdin.taint.contains(.secret) { secrets.append(contentsOf: report.secrets.suffix(2)) } else { plain.append("the data piped into it") }
        }
        for t in out.texts where t.taint.contains(.secret) {
            secrets.append(contentsOf: report.secrets.suffix(2))
            sendsData = true
        }
        var seen = Set<String>()
        secrets = secrets.filter { seen.insert($0).inserted }
        guard sendsData || !secrets.isEmpty else { return }
        let what = (secrets + valuable + plain).prefix(4).joined(separator: " and ")
        let sentence = "Sends \(what.isEmpty ? "data" : what) to \(d.phrase)."
        explain(sentence)
        if !d.leavesNetwork {
            if !secrets.isEmpty { add(.medium, out.channel.technique, sentence, range) }
            return
        }
        if !secrets.isEmpty {
            report.addLeading(.high, out.channel.technique, sentence + " Credentials that leave the network can be used from anywhere.", at(range))
            report.add(.high, "T1552.001", sentence, at(range))
        } else if !valuable.isEmpty || d.kind == .unknown || d.isAddress || !plain.isEmpty && out.stdin {
            // The organisation's data, or anything sent to a bare address or one decided at run time.
            report.addLeading(.high, out.channel.technique, sentence, at(range))
        } else {
            add(.medium, out.channel.technique, sentence, range)
        }
    }

    static func isEmpty(_ s: Stream) -> Bool {
        if case .none = s { return true }
        return false
    }

    // MARK: - What each kind of program sends

    /// The sending `name` makes with `args`, if it sends anything.
    static func outbound(_ name: String, args: [Argument]) -> Outbound? {
        let texts = args.map { $0.text ?? "" }
        switch name {
        case "curl": return curl(args, texts)
        case "wget", "wget2":
            var out = Outbound(destination: Destination(host: "", kind: .outside), channel: .web)
            var host: String?
            for (i, t) in texts.enumerated() {
                let (flag, inline) = split(t)
                let value = inline ?? (i + 1 < texts.count ? texts[i + 1] : "")
                if flag == "--post-file" || flag == "--body-file" { out.files.append(value) }
                if flag == "--post-data" || flag == "--body-data" { out.texts.append(inline == nil && i + 1 < args.count ? args[i + 1] : args[i]) }
                if host == nil, let h = Destination.urlHost(t) { host = h }
            }
            guard let host, !out.files.isEmpty || !out.texts.isEmpty else { return nil }
            out.destination = Destination.classify(host)
            return out
        case "nc", "ncat", "netcat", "nc.openbsd", "nc.traditional", "telnet", "cryptcat", "pwncat":
            guard !texts.contains(where: { $0 == "-l" || $0 == "--listen" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("l")) }),
                !texts.contains(where: { $0 == "-z" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("z")) })
            else { return nil }
            let valueFlags: Set<String> = ["-p", "-s", "-w", "-i", "-q", "-e", "-c", "-x", "-X", "-P", "-O", "-I", "-T", "-W", "--proxy", "--source"]
            var i = 0
            while i < texts.count {
                let t = texts[i]
                if valueFlags.contains(t) { i += 2; continue }
                if t.hasPrefix("-") || t.isEmpty { i += 1; continue }
                return Outbound(stdin: true, destination: Destination.classify(t), channel: .raw)
            }
            return nil
        case "socat":
            for t in texts.dropFirst() {
                let parts = t.split(separator: ":")
                guard parts.count >= 3, ["tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "openssl", "ssl", "tcp-connect", "udp-sendto"].contains(parts[0].lowercased()) else { continue }
                return Outbound(stdin: true, destination: Destination.classify(String(parts[1])), channel: .raw)
            }
            return nil
        case "scp", "rsync":
            return remoteCopy(name, args, texts)
        case "tar":
            // `tar -cf HOST:FILE …` writes the archive on another computer (through rsh or ssh).
            guard let first = texts.first, first.hasPrefix("-"), !first.hasPrefix("--"), first.contains("c") || texts.contains("--create") else { return nil }
            var archive: String?
            var sources: [String] = []
            var i = 0
            while i < texts.count {
                let (flag, inline) = split(texts[i])
                if flag == "--file" { archive = inline ?? (i + 1 < texts.count ? texts[i + 1] : nil); i += inline == nil ? 2 : 1; continue }
                if flag.hasPrefix("-"), !flag.hasPrefix("--"), flag.hasSuffix("f") { archive = i + 1 < texts.count ? texts[i + 1] : nil; i += 2; continue }
                if !flag.hasPrefix("-") { sources.append(flag) }
                i += 1
            }
            guard let archive, let host = remoteHost(archive), !sources.isEmpty else { return nil }
            return Outbound(files: sources, destination: Destination.classify(host), channel: .remoteCopy)
        case "aws", "gsutil", "gcloud", "az", "azcopy", "rclone", "s3cmd", "mc":
            return cloudCopy(name, args, texts)
        case "git":
            guard let push = texts.firstIndex(of: "push") else { return nil }
            for t in texts[(push + 1)...] where !t.hasPrefix("-") {
                if let h = Destination.urlHost(t) ?? remoteHost(t) {
                    return Outbound(label: "the repository's history", destination: Destination.classify(h), channel: .versionControl)
                }
            }
            return nil
        default:
            return nil
        }
    }

    /// `--flag=value` as (`--flag`, `value`); anything else as (text, nil).
    static func split(_ t: String) -> (String, String?) {
        guard t.hasPrefix("--"), let eq = t.firstIndex(of: "=") else { return (t, nil) }
        return (String(t[..<eq]), String(t[t.index(after: eq)...]))
    }

    static func curl(_ args: [Argument], _ texts: [String]) -> Outbound? {
        var out = Outbound(destination: Destination(host: "", kind: .outside), channel: .web)
        var host: String?
        var i = 0
        let dataFlags: Set<String> = ["-d", "--data", "--data-binary", "--data-raw", "--data-ascii", "--data-urlencode", "--json"]
        while i < texts.count {
            var (flag, inline) = split(texts[i])
            // Bundled short flags end with the one that takes the value (`-sT FILE`, `-sd @x`).
            if flag.hasPrefix("-"), !flag.hasPrefix("--"), flag.count > 2, flag.dropFirst().allSatisfy(\.isLetter), let last = flag.last, "TdF".contains(last) {
                flag = "-" + String(last)
            }
            let valueArg = inline != nil ? args[i] : (i + 1 < args.count ? args[i + 1] : Argument(text: "", range: args[i].range))
            let value = inline ?? valueArg.text ?? ""
            if flag == "-T" || flag == "--upload-file" {
                if value == "-" || value == "." { out.stdin = true } else { out.files.append(value) }
            } else if dataFlags.contains(flag) {
                if value.hasPrefix("@"), flag != "--data-raw" {
                    let file = String(value.dropFirst())
                    if file == "-" { out.stdin = true } else { out.files.append(file) }
                } else if flag == "--data-urlencode", let at = value.firstIndex(of: "@") {
                    out.files.append(String(value[value.index(after: at)...]))
                } else {
                    out.texts.append(valueArg)
                }
            } else if flag == "-F" || flag == "--form" {
                if let eq = value.firstIndex(of: "=") {
                    let v = value[value.index(after: eq)...]
                    if v.hasPrefix("@") || v.hasPrefix("<") {
                        let file = String(v.dropFirst().prefix { $0 != ";" })
                        if file == "-" { out.stdin = true } else { out.files.append(file) }
                    } else {
                        out.texts.append(valueArg)
                    }
                }
            } else if flag == "--url" {
                host = host ?? Destination.urlHost(value) ?? value
            } else if host == nil, !flag.hasPrefix("-"), let h = Destination.urlHost(flag) {
                host = h
            }
            i += 1
        }
        if host == nil {
            // `curl host.example/x` without a scheme: the first operand that looks like a host.
            host = texts.first { !$0.hasPrefix("-") && $0.contains(".") && !$0.hasPrefix("@") && !$0.contains(" ") && !$0.hasPrefix("/") }
                .map { String($0.prefix { $0 != "/" }) }
        }
        guard !out.files.isEmpty || out.stdin || !out.texts.isEmpty else { return nil }
        if let host {
            out.destination = Destination.classify(host)
        } else if args.contains(where: { $0.text == nil }) {
            out.destination = .atRunTime
        } else {
            return nil
        }
        return out
    }

    /// The host of `[user@]host:path` (scp and rsync's remote form), or nil for a local path.
    static func remoteHost(_ t: String) -> String? {
        if let h = Destination.urlHost(t), t.hasPrefix("rsync://") || t.hasPrefix("ssh://") || t.hasPrefix("sftp://") || t.hasPrefix("scp://") { return h }
        guard let colon = t.firstIndex(of: ":"), colon != t.startIndex else { return nil }
        let before = t[..<colon]
        if before.contains("/") || before.count == 1 || t.hasPrefix("[") && !before.contains("]") { return nil }
        return String(before)
    }

    static func remoteCopy(_ name: String, _ args: [Argument], _ texts: [String]) -> Outbound? {
        let valueFlags: Set<String> = name == "scp"
            ? ["-P", "-i", "-o", "-F", "-c", "-l", "-S", "-J", "-D", "-X"]
            : ["-e", "--rsh", "--port", "-f", "--filter", "--exclude", "--include", "--password-file", "-T", "--temp-dir", "--log-file", "--partial-dir", "-B", "--block-size", "--timeout", "--chmod", "--chown", "--bwlimit", "--rsync-path", "--exclude-from", "--include-from", "--files-from", "-M", "--remote-option"]
        var operands: [String] = []
        var i = 0
        while i < texts.count {
            let t = texts[i]
            if valueFlags.contains(t) { i += 2; continue }
            if t.hasPrefix("-") { i += 1; continue }
            operands.append(t)
            i += 1
        }
        guard operands.count >= 2, let last = operands.last, let host = remoteHost(last) else { return nil }
        let sources = operands.dropLast().filter { remoteHost($0) == nil }
        guard !sources.isEmpty else { return nil }
        return Outbound(files: Array(sources), destination: Destination.classify(host), channel: .remoteCopy)
    }

    /// Copies to cloud storage: `aws s3 cp|sync|mv`, `gsutil cp|rsync`, `gcloud storage cp`,
    /// `az storage blob upload[-batch]`, `azcopy copy|sync`, `rclone copy|sync|move`, `s3cmd put|sync`.
    static func cloudCopy(_ name: String, _ args: [Argument], _ texts: [String]) -> Outbound? {
        let words = texts.filter { !$0.hasPrefix("-") }
        var endpoint: String?
        for (i, t) in texts.enumerated() {
            let (flag, inline) = split(t)
            if flag == "--endpoint-url" || flag == "--endpoint" { endpoint = inline ?? (i + 1 < texts.count ? texts[i + 1] : nil) }
        }
        func bucket(_ t: String) -> Bool {
            ["s3://", "gs://", "az://", "https://"].contains { t.hasPrefix($0) } || (name == "rclone" && remoteHost(t) != nil) || (name == "mc" && t.contains("/") && !t.hasPrefix("/") && !t.hasPrefix("."))
        }
        func destination(_ d: String) -> Destination {
            if let e = endpoint, let h = Destination.urlHost(e) ?? Optional(e) { return Destination.classify(h) }
            if let h = Destination.urlHost(d), d.hasPrefix("https://") { return Destination.classify(h) }
            return Destination(host: String(d.prefix(80)), kind: .cloudStorage)
        }
        switch name {
        case "aws", "gsutil", "gcloud", "s3cmd", "azcopy", "rclone", "mc":
            let verbs: Set<String> = ["cp", "sync", "mv", "rsync", "put", "copy", "move", "copyto", "moveto", "mirror"]
            guard let v = words.firstIndex(where: { verbs.contains($0) }) else { return nil }
            if name == "aws", !words.prefix(v).contains("s3") { return nil }
            if name == "gcloud", !words.prefix(v).contains("storage") { return nil }
            let operands = Array(words[(v + 1)...])
            guard operands.count >= 2, let last = operands.last, bucket(last) else { return nil }
            let sources = operands.dropLast().filter { !bucket($0) }
            guard !sources.isEmpty else { return nil }
            var out = Outbound(destination: destination(last), channel: .cloudStorage)
            for s in sources { if s == "-" { out.stdin = true } else { out.files.append(s) } }
            return out
        case "az":
            guard words.count >= 3, words[0] == "storage", words[1] == "blob", words[2].hasPrefix("upload") else { return nil }
            var out = Outbound(destination: Destination(host: "Azure storage", kind: .cloudStorage), channel: .cloudStorage)
            for (i, t) in texts.enumerated() {
                let (flag, inline) = split(t)
                let value = inline ?? (i + 1 < texts.count ? texts[i + 1] : "")
                if ["--file", "-f", "--source", "-s"].contains(flag) { out.files.append(value) }
                if flag == "--account-name" { out.destination = Destination(host: "Azure storage account \(value)", kind: .cloudStorage) }
            }
            return out.files.isEmpty ? nil : out
        default:
            return nil
        }
    }
}
