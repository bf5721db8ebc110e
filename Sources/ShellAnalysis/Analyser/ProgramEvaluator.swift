import Foundation

/// Applies the catalogue to one resolved command: its entry, sub-command, flags and the sensitive
/// paths among its operands. Shared by the sh, PowerShell and cmd readers.
public struct ProgramEvaluator: Sendable {
    public let catalogue: Catalogue

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// What the evaluation learned, beyond the findings it reported.
    public struct Outcome: Sendable {
        public var entry: ProgramEntry
        public var subcommand: SubcommandEntry?
        /// Arguments that are not flags, flag values or the sub-command.
        public var operands: [Argument]
        /// Flags matched in the catalogue, with their values.
        public var flags: [(flag: FlagEntry, value: Argument?, at: Argument)]
        public var roles: Set<String>
    }

    /// Evaluates `entry` run with `args`. `name` is what was typed (for the explanation).
    public func evaluate(
        entry: ProgramEntry, name: String, args: [Argument], commandRange: SourceRange, windows: Bool,
        programRiskReplaced: Bool = false, into report: inout Report
    ) -> Outcome {
        let flagTable = catalogue.flagTable(for: entry, subcommand: nil, windows: windows)
        var subcommand: SubcommandEntry? = nil
        var subTable: FlagTable? = nil
        var operands: [Argument] = []
        var matched: [(flag: FlagEntry, value: Argument?, at: Argument)] = []
        var optionValues: [(name: String, value: Argument)] = []
        var i = 0
        var endOfOptions = false
        while i < args.count {
            let arg = args[i]
            i += 1
            guard let text = arg.text else {
                operands.append(arg)
                continue
            }
            if !endOfOptions, text == "--", !windows {
                endOfOptions = true
                continue
            }
            let table = subTable ?? flagTable
            if !endOfOptions, let hit = table.match(text) ?? (subTable != nil ? flagTable.match(text) : nil) {
                var value: Argument? = nil
                if let inline = hit.inlineValue {
                    value = Argument(text: inline, range: arg.range, taint: arg.taint)
                } else if hit.takesValue, i < args.count {
                    value = args[i]
                    i += 1
                }
                for flag in hit.flags { matched.append((flag, value, arg)) }
                continue
            }
            if !endOfOptions, table.looksLikeOption(text) {
                // An option the catalogue names no meaning for: its value may still be a path
                // (`cp -t /etc`, `--target-directory=/etc`, `-t/etc`), so keep it for the path checks.
                if table.takesValue(text), i < args.count {
                    optionValues.append((text, args[i]))
                    i += 1
                } else if !windows, let eq = text.firstIndex(of: "="), text.hasPrefix("--") {
                    optionValues.append((String(text[..<eq]), Argument(text: String(text[text.index(after: eq)...]), range: arg.range, taint: arg.taint)))
                } else if !windows, !text.hasPrefix("--"), text.count > 2, table.takesValue(String(text.prefix(2))) {
                    optionValues.append((String(text.prefix(2)), Argument(text: String(text.dropFirst(2)), range: arg.range, taint: arg.taint)))
                }
                continue
            }
            if subcommand == nil, operands.isEmpty, let subs = entry.subcommands, !subs.isEmpty {
                let next = i < args.count ? args[i].text : nil
                if let (sub, consumed) = Self.matchSubcommand(subs, text, next, windows: windows) {
                    subcommand = sub
                    subTable = catalogue.flagTable(for: entry, subcommand: sub, windows: windows)
                    i += consumed - 1
                    continue
                }
            }
            operands.append(arg)
        }

        // The program itself.
        var line = "`\(name)` \(entry.summary)"
        if let sub = subcommand { line = "`\(name) \(sub.name)` \(sub.summary)" }
        report.explain(Self.sentence(line))
        let baseRisk = subcommand?.risk ?? entry.risk
        let baseTechniques = subcommand?.techniques ?? entry.techniques ?? []
        let replaced = programRiskReplaced || matched.contains { $0.flag.replacesProgramRisk == true }
        if !replaced, baseRisk > .none || !baseTechniques.isEmpty {
            let what = subcommand.map { "`\(name) \($0.name)` \($0.summary)" } ?? "`\(name)` \(entry.summary)"
            report.add(baseRisk, techniques: baseTechniques, Self.sentence(what), commandRange)
        }
        // Its flags.
        for (flag, value, at) in matched {
            var meaning = flag.meaning
            if meaning.contains("{value}") {
                // The standard library's replace (Foundation's bridges through NSString on Linux).
                // `-` is standard input or output, never a file named `-`.
                meaning = meaning.replacing("{value}", with: value.map { $0.text == "-" ? "given on standard input (-)" : $0.text ?? "(decided at run time)" } ?? "")
            }
            let shown = at.text ?? "?"
            let sentence = Self.sentence("`\(shown)` \(meaning)")
            report.explain(sentence)
            // A file written to `/dev/null` is thrown away (`curl -o /dev/null -w '%{http_code}'`).
            let discarded = value.map { v in ["/dev/null", "nul", "$null"].contains(v.text?.lowercased() ?? "") } ?? false
            if discarded, meaning.contains("save") || meaning.contains("write") || flag.writes == true { continue }
            if let risk = flag.risk, risk > .none || !(flag.techniques ?? []).isEmpty {
                let range = value.map { at.range.union($0.range) } ?? at.range
                report.add(risk, techniques: flag.techniques ?? [], Self.sentence("`\(name)` \(meaning)"), range)
            }
        }
        var roles = Set(entry.roles ?? [])
        roles.formUnion(subcommand?.roles ?? [])
        // Sensitive paths among the operands and flag values.
        let onlyReads = matched.contains { $0.flag.readsOperands == true }
        // A pager (`less`, `more`) can escape to a shell, but what it is given it only reads: the
        // escape itself is a command typed inside it, judged where it runs.
        let escapes = roles.contains("escapes-to-shell") && !roles.contains("reader")
        let editsInPlace = matched.contains { $0.flag.writesOperands == true }
        let writes = !onlyReads && (roles.contains("writer") || roles.contains("destructive") || escapes || editsInPlace)
        var checked = Set<String>()
        // Tools that manage a disk (`fsck`, `blockdev`, `cryptsetup`, `mdadm`) name the device as
        // what they work on; only programs that read contents get the data off it (`dd`,
        // `debugfs`, `cat`, `strings`), which is what reading a raw disk is about (T1006).
        let readsContents = roles.contains("reader") || roles.contains("decoder") || roles.contains("uploader") || Self.contentReaders.contains(name)
        func check(_ path: String, writing: Bool, _ range: SourceRange) {
            guard checked.insert("\(writing) \(path)").inserted else { return }
            checkPath(path, writing: writing, range: range, verb: writing ? "changes" : "reads", readsContents: readsContents, into: &report)
        }
        var candidates = operands
        if writes, entry.destination == "first", let archive = operands.first {
            // An archive made of the other operands (`zip OUT.zip FILES…`): only it is written.
            if let text = archive.text { check(text, writing: true, archive.range) }
            for source in operands.dropFirst() {
                guard let text = source.text, Self.looksLikePath(text) else { continue }
                check(text, writing: false, source.range)
            }
            candidates = []
        } else if writes, entry.destination == "last", let copy = Self.copy(operands, optionValues, entry) {
            // Sources are read (and changed, for `mv`); the destination is written, both as named
            // and as the file each source becomes inside it when it is a folder (`cp x /etc`).
            for source in copy.sources {
                guard let text = source.text, Self.looksLikePath(text) else { continue }
                check(text, writing: false, source.range)
                if entry.changesSources == true { check(text, writing: true, source.range) }
            }
            if let folder = copy.destination.text {
                check(folder, writing: true, copy.destination.range)
                for source in copy.sources {
                    guard let name = source.text.flatMap(Self.lastComponent) else { continue }
                    check(folder.hasSuffix("/") ? folder + name : folder + "/" + name, writing: true, copy.destination.range)
                }
            }
            candidates = []
        }
        for (flag, value, _) in matched where flag.writes == true && !writes {
            if let value, let text = value.text { check(text, writing: true, value.range) }
        }
        candidates.append(contentsOf: matched.compactMap(\.value))
        candidates.append(contentsOf: optionValues.map(\.value))
        // Programs that change the registry (`reg add`, `Set-ItemProperty`) write the keys they
        // name; their other arguments (the data, often a program's path) are only read.
        let registry = roles.contains("registry")
        for arg in candidates {
            guard let text = arg.text, Self.looksLikePath(text) else { continue }
            let writing = writes || (registry && Self.registryKey(text) != nil)
            check(text, writing: writing, arg.range)
            if writing { check(text, writing: false, arg.range) }
        }
        return Outcome(entry: entry, subcommand: subcommand, operands: operands, flags: matched, roles: roles)
    }

    /// Reports the path rules that `path` matches.
    /// Programs that read what is in a file or device (beyond those with the `reader` role).
    static let contentReaders: Set<String> = [
        "dd", "dcfldd", "dc3dd", "ddrescue", "debugfs", "strings", "xxd", "hexdump", "od", "hd", "cat", "tac", "head", "tail",
        "grep", "egrep", "fgrep", "rg", "cp", "rsync", "tar", "gzip", "zstd", "xz", "bzip2", "base64", "base32", "nc", "ncat",
        "socat", "curl", "wget", "scp", "sftp", "less", "more", "vim", "vi", "nano", "python", "python3", "perl", "ruby", "node",
        "photorec", "testdisk", "foremost", "sleuthkit", "icat", "fls", "mmcat", "partclone", "fsarchiver", "e2image", "ntfsclone", "dump",
    ]

    public func checkPath(_ path: String, writing: Bool, range: SourceRange, verb: String, into report: inout Report) {
        checkPath(path, writing: writing, range: range, verb: verb, readsContents: true, into: &report)
    }

    /// The same; with `readsContents` false, the program works on a device without reading
    /// the data on it, so a raw disk read (T1006) is only medium ("works directly on the disk").
    func checkPath(_ path: String, writing: Bool, range: SourceRange, verb: String, readsContents: Bool, into report: inout Report) {
        var rules = catalogue.pathRules(for: Self.registryKey(path) ?? path, writing: writing)
        // A wildcard is judged by what it can match: `/etc/sha*` is `/etc/shadow` among others.
        if path.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }), path.hasPrefix("/") || path.hasPrefix("~/") {
            let typed = PathPattern.normalise(path)
            let fixed = PathPattern.fixedLength(typed)
            for rule in catalogue.paths where rule.access == "any" || rule.access == (writing ? "write" : "read") {
                guard rule.pattern.count >= fixed, !rule.pattern.hasPrefix("~"), !rule.pattern.contains("*"), !rule.pattern.contains("?"),
                    PathPattern.globMatch(typed, rule.pattern), !rules.contains(rule) else { continue }
                rules.append(rule)
            }
        }
        if rules.isEmpty { return }
        // What the resource catalogue says is there, when it is caches, temporary files or logs
        // already rotated: a rule about the whole folder around it does not apply
        // (`/var/log/app/web.log.3.gz` is not `/var/log/**`; `/var/log/audit/**` still is).
        let disposable = writing ? catalogue.resource(of: PathPattern.normalise(path)).flatMap { $0.risk <= .low ? $0 : nil } : nil
        let publicCertificate = !writing && Self.isPublicCertificate(path)
        for rule in rules {
            if let d = disposable, Self.literalDepth(d.pattern) >= Self.literalDepth(rule.pattern) { continue }
            if publicCertificate, rule.pattern.hasPrefix("**/*.") { continue }
            if !readsContents, !writing, rule.techniques == ["T1006"] {
                report.add(.medium, nil, Self.sentence("works directly on the disk `\(path)`"), range)
                continue
            }
            report.add(rule.risk, techniques: rule.techniques ?? [], Self.sentence("\(verb) `\(path)`: \(rule.meaning)"), range)
            // Credentials and key material read: what a later sending would carry out.
            if !writing, isSecret(rule) { report.noteSecret("\(rule.meaning) (`\(path)`)") }
        }
    }

    /// How many leading components of a glob are plain names (`/var/log/**` → 2).
    static func literalDepth(_ pattern: String) -> Int {
        var n = 0
        for c in pattern.split(separator: "/") {
            if c.contains("*") || c.contains("?") || c == "~" { break }
            n += 1
        }
        return n
    }

    /// Certificates that are public by nature (the trust store, a chain or a server's own
    /// certificate): reading one is not reading a key. Private keys keep their own rules
    /// (`/etc/ssl/private/**`, `*.key`, `privkey.pem`).
    static func isPublicCertificate(_ path: String) -> Bool {
        let p = path.lowercased()
        guard !p.contains("priv"), !p.contains("key") else { return false }
        for folder in ["/etc/ssl/certs/", "/etc/pki/tls/certs/", "/etc/pki/ca-trust/", "/usr/share/ca-certificates/", "/usr/local/share/ca-certificates/", "/etc/ca-certificates/"]
        where p.hasPrefix(folder) { return true }
        let name = lastComponent(p) ?? p
        return ["cert.pem", "chain.pem", "fullchain.pem", "ca.pem", "ca-bundle.pem", "bundle.pem", "cacert.pem"].contains(name)
            || name.hasSuffix(".crt.pem") || name.hasSuffix("-cert.pem") || name.hasSuffix("_cert.pem") || name.hasSuffix(".cert.pem")
    }

    /// Whether a path rule's files hold credentials or key material (a rule of risk medium or
    /// above whose techniques are credential access, TA0006).
    func isSecret(_ rule: PathRule) -> Bool {
        rule.access != "write" && rule.risk >= .medium && (rule.techniques ?? []).contains { catalogue.tactics(of: $0).contains("TA0006") }
    }

    /// What `path` holds in words with the path ("the hashed passwords of every account
    /// (`/etc/shadow`)") when it holds credentials or key material, else nil.
    public func secret(in path: String) -> String? {
        catalogue.pathRules(for: path, writing: false).first(where: isSecret).map { "\($0.meaning) (`\(path)`)" }
    }

    /// The sources and the destination of a copy, move or link, or nil when they cannot be told
    /// apart (one operand, or a destination known only at run time), in which case every
    /// operand counts as both read and written.
    static func copy(_ operands: [Argument], _ options: [(name: String, value: Argument)], _ entry: ProgramEntry)
        -> (sources: [Argument], destination: Argument)?
    {
        let folderOptions = Set(entry.targetDirectoryOptions ?? [])
        if let folder = options.last(where: { folderOptions.contains($0.name) })?.value {
            return folder.text == nil || operands.isEmpty ? nil : (operands, folder)
        }
        guard operands.count >= 2, let last = operands.last, last.text != nil else { return nil }
        return (Array(operands.dropLast()), last)
    }

    /// The last path component (`/etc/shadow` → `shadow`, `dir/` → `dir`).
    static func lastComponent(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = parts.last, last != ".", last != ".." else { return nil }
        return String(last)
    }

    /// A Windows registry key in the one spelling the path rules use (`HKLM\\…`, `HKCU\\…`), or nil
    /// when `s` is not one. Every way of naming a hive is folded: `HKEY_LOCAL_MACHINE\\`, `HKLM:\\`,
    /// `HKLM:SOFTWARE`, `Registry::HKEY_…`; `HKCR` is `HKLM\\Software\\Classes` (the merged view), and a
    /// user's hive under `HKU\\<SID>` is read as `HKCU`.
    static func registryKey(_ s: String) -> String? {
        // Every form starts with a hive (`HK…`) or `Registry::` / `Microsoft.PowerShell.Core\Registry::`:
        // other words are turned away before any string is built.
        switch s.utf8.first {
        case UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "r"), UInt8(ascii: "R"), UInt8(ascii: "m"), UInt8(ascii: "M"): break
        default: return nil
        }
        var k = ByteSearch.replacing(UInt8(ascii: "/"), with: UInt8(ascii: "\\"), in: s)
        for prefix in ["microsoft.powershell.core\\registry::", "registry::"] where k.lowercased().hasPrefix(prefix) {
            k = String(k.dropFirst(prefix.count))
        }
        let hives: [(String, String)] = [
            ("hkey_local_machine", "HKLM"), ("hkey_current_user", "HKCU"), ("hkey_classes_root", "HKLM\\Software\\Classes"),
            ("hkey_users", "HKU"), ("hkey_current_config", "HKCC"), ("hklm", "HKLM"), ("hkcu", "HKCU"),
            ("hkcr", "HKLM\\Software\\Classes"), ("hku", "HKU"), ("hkcc", "HKCC"),
        ]
        let lower = k.lowercased()
        guard let (long, short) = hives.first(where: { lower.hasPrefix($0.0) }) else { return nil }
        var rest = k.dropFirst(long.count)
        if rest.first == ":" { rest = rest.dropFirst() }
        guard rest.isEmpty || rest.first == "\\" || k.dropFirst(long.count).first == ":" else { return nil }
        while rest.first == "\\" { rest = rest.dropFirst() }
        var key = rest.isEmpty ? short : short + "\\" + rest
        if short == "HKU", let sid = rest.split(separator: "\\", maxSplits: 1).first, rest.count > sid.count {
            key = "HKCU\\" + rest.dropFirst(sid.count + 1)
        }
        return key
    }

    static func looksLikePath(_ s: String) -> Bool {
        s.hasPrefix("/") || s.hasPrefix("~") || s.hasPrefix(".") || s.contains("/") || s.contains("\\")
            || s.hasPrefix("$HOME")
    }

    static func matchSubcommand(_ subs: [SubcommandEntry], _ word: String, _ next: String?, windows: Bool)
        -> (SubcommandEntry, Int)?
    {
        func eq(_ a: String, _ b: String) -> Bool { windows ? a.lowercased() == b.lowercased() : a == b }
        if let next {
            let two = word + " " + next
            if let s = subs.first(where: { eq($0.name, two) }) { return (s, 2) }
        }
        if let s = subs.first(where: { eq($0.name, word) }) { return (s, 1) }
        return nil
    }

    /// Capitalises the first letter and ends with a full stop.
    static func sentence(_ s: String) -> String {
        // Trimmed by hand: Foundation's trimming bridges through NSString on Linux (a tenth of
        // all analysis time went here).
        var t = Substring(s)
        while let c = t.first, c.isWhitespace, !c.isNewline { t = t.dropFirst() }
        while let c = t.last, c.isWhitespace, !c.isNewline { t = t.dropLast() }
        var out = String(t)
        if let f = out.first, f.isLowercase { out = f.uppercased() + out.dropFirst() }
        if let l = out.last, l != ".", l != "!", l != "?" { out += "." }
        return out
    }
}

/// Flag lookup for one program (or sub-command).
struct FlagTable: Sendable {
    let byName: [String: [FlagEntry]]
    let valueNames: Set<String>
    let windows: Bool

    init(_ flags: [FlagEntry], valueOptions: [String], windows: Bool) {
        var d: [String: [FlagEntry]] = [:]
        var v = Set<String>()
        for f in flags {
            for n in f.names {
                let key = Self.key(n, windows)
                d[key, default: []].append(f)
                if f.value == true { v.insert(key) }
            }
        }
        for n in valueOptions { v.insert(Self.key(n, windows)) }
        byName = d
        valueNames = v
        self.windows = windows
    }

    static func key(_ name: String, _ windows: Bool) -> String {
        guard windows else { return name }
        var n = name.lowercased()
        if n.hasPrefix("/") { n = "-" + n.dropFirst() }
        return n
    }

    struct Hit {
        var flags: [FlagEntry]
        var takesValue: Bool
        var inlineValue: String?
    }

    func match(_ text: String) -> Hit? {
        let k = Self.key(text, windows)
        if let f = byName[k] { return Hit(flags: f, takesValue: valueNames.contains(k), inlineValue: nil) }
        // --name=value, /name:value
        if k.hasPrefix("-") {
            for sep: Character in windows ? [":", "="] : ["="] {
                if let i = k.firstIndex(of: sep) {
                    let name = String(k[..<i])
                    if let f = byName[name] {
                        return Hit(flags: f, takesValue: false, inlineValue: String(text[k.index(after: i)...]))
                    }
                }
            }
        }
        if windows, k.hasPrefix("-"), !k.hasPrefix("--") {
            // PowerShell accepts any unambiguous prefix of a parameter name.
            let candidates = byName.keys.filter { $0.hasPrefix(k) && k.count >= 3 }
            if candidates.count == 1, let c = candidates.first, let f = byName[c] {
                return Hit(flags: f, takesValue: valueNames.contains(c), inlineValue: nil)
            }
            return nil
        }
        // Combined short flags: -rf → -r -f; -ofile → -o file.
        if !windows, text.hasPrefix("-"), !text.hasPrefix("--"), text.count > 2 {
            var flags: [FlagEntry] = []
            var takesValue = false
            var inline: String? = nil
            let chars = Array(text.dropFirst())
            for (i, c) in chars.enumerated() {
                let name = "-" + String(c)
                if let f = byName[name] {
                    flags.append(contentsOf: f)
                    if valueNames.contains(name) {
                        if i + 1 < chars.count { inline = String(chars[(i + 1)...]) } else { takesValue = true }
                        break
                    }
                } else if valueNames.contains(name) {
                    if i + 1 < chars.count { inline = String(chars[(i + 1)...]) } else { takesValue = true }
                    break
                } else if !c.isLetter && !c.isNumber {
                    return nil
                }
            }
            if !flags.isEmpty { return Hit(flags: flags, takesValue: takesValue, inlineValue: inline) }
        }
        return nil
    }

    func looksLikeOption(_ text: String) -> Bool {
        if windows { return (text.hasPrefix("-") || text.hasPrefix("/")) && text.count > 1 && !text.contains("\\") && !text.dropFirst().contains("/") }
        return text.hasPrefix("-") && text.count > 1
    }

    func takesValue(_ text: String) -> Bool { valueNames.contains(Self.key(text, windows)) }
}
