import Foundation

/// Inline interpreter code (`python -c`, `perl -e`, `awk '…'`…): read for sockets, process
/// execution, downloads and decoding. Not a parser for those languages: the signs it looks for
/// are the calls that matter, and the shell commands passed to them are analysed as shell.
enum Interpreter {
    enum Language: String, Sendable {
        case shell, python, perl, ruby, php, node, lua, awk, tcl
        /// A language Escort has no specific knowledge of.
        case other = "interpreted"

        var technique: String {
            switch self {
            case .shell: "T1059.004"
            case .python: "T1059.006"
            case .node: "T1059.007"
            default: "T1059"
            }
        }

        var codeFlags: Set<String> {
            switch self {
            case .python: ["-c"]
            case .perl: ["-e", "-E"]
            case .ruby: ["-e"]
            case .php: ["-r"]
            case .node: ["-e", "--eval", "-p", "--print"]
            case .lua: ["-e"]
            case .awk, .shell, .tcl: []
            case .other: ["-e", "-c", "--eval", "-r", "-E"]
            }
        }
    }

    static func language(of program: String) -> Language? {
        let p = program.lowercased()
        if p.hasPrefix("python") || p == "pypy" || p == "pypy3" { return .python }
        if p == "perl" || p.hasPrefix("perl5") { return .perl }
        if p == "ruby" || p == "irb" || p == "jruby" { return .ruby }
        if p == "php" || p.hasPrefix("php7") || p.hasPrefix("php8") { return .php }
        if p == "node" || p == "nodejs" || p == "deno" || p == "bun" { return .node }
        if p == "lua" || p.hasPrefix("lua5") || p == "luajit" { return .lua }
        if p == "awk" || p == "gawk" || p == "mawk" || p == "nawk" { return .awk }
        if p == "tclsh" || p == "wish" || p == "expect" { return .tcl }
        return nil
    }

    static func language(ofFile path: String) -> Language? {
        let l = path.lowercased()
        if l.hasSuffix(".py") { return .python }
        if l.hasSuffix(".pl") { return .perl }
        if l.hasSuffix(".rb") { return .ruby }
        if l.hasSuffix(".php") { return .php }
        if l.hasSuffix(".js") { return .node }
        if l.hasSuffix(".lua") { return .lua }
        if l.hasSuffix(".sh") || l.hasSuffix(".bash") { return .shell }
        return nil
    }

    struct Scan {
        var findings: [(risk: RiskLevel, technique: String?, reason: String)] = []
        var explanation: [String] = []
        /// Shell command strings passed to `system`, `os.system`, `subprocess`, `exec`, backticks…
        var shellCommands: [String] = []
        /// Files the code writes, where it names them (awk's `print … > "FILE"`).
        var writtenFiles: [String] = []
    }

    static func scan(_ code: String, language: Language) -> Scan {
        var s = Scan()
        let lower = code.lowercased()
        func has(_ needles: [String]) -> Bool { needles.contains { lower.contains($0) } }

        let socket = has(["socket", "tcpsocket", "fsockopen", "net.socket", "net.connect", "/inet/tcp", "/inet/udp", "io::socket", "socket.socket", "createconnection", "stream_socket_client", "new-object system.net.sockets"])
        let spawn = has(["subprocess", "os.system", "os.popen", "os.exec", "pty.spawn", "system(", "exec(", "exec ", "spawn(", "popen", "proc_open", "shell_exec", "passthru", "child_process", "execsync", "io.popen", "os.execute", "`", "dup2", "qx(", "qx{", "%x(", "kernel.exec", "/bin/sh", "/bin/bash", "cmd.exe", "|& getline", "| getline"])
        let dup = has(["dup2", "fileno", "os.dup", "pty.spawn", "stdin_fileno", ".pipe(", "2>&1"])
        let download = has(["urllib", "urlopen", "requests.get", "requests.post", "http.client", "httplib", "lwp::", "lwp::simple", "http::tiny", "net::http", "open-uri", "file_get_contents(\"http", "file_get_contents('http", "fetch(", "https.get", "http.get", "curl_exec", "wget", "urlretrieve", "socket.http", "getstore(", "io.copy", "download(", "urldownload"])
        let decode = has(["b64decode", "base64.decode", "decode_base64", "base64_decode", "unpack(\"m", "unpack('m", "buffer.from(", "frombase64", "codecs.decode", "zlib.decompress", "gzinflate", "str_rot13", "bytes.fromhex", "unhexlify", ".decode('hex')", "atob("])
        let evalCode = has(["exec(", "eval(", "compile(", "assert(", "create_function", "function(", "loadstring", "load("])
        let setuid = has(["setuid(0)", "os.setuid(0)", "posix::setuid", "setresuid", "setgid(0)", "process.setuid(0)", "posix_setuid(0)"])
        let listen = has(["bind(", ".listen(", "createserver", "tcpserver", "socket_bind", "stream_socket_server", "serve_forever", "http.server", "simplehttpserver"])
        if language == .awk { s.writtenFiles = awkWrites(code) } else if lower.contains("open") || lower.contains("write") || lower.contains("file_put") {
            s.writtenFiles = openedForWriting(code)
        }
        if has(["os.utime(", "file.utime(", "fs.utimessync(", "fs.utimes(", "touch(", "utime("]), code.range(of: #"\d{9,10}"#, options: .regularExpression) != nil {
            s.findings.append((.high, "T1070.006", "The \(language.rawValue) code sets a file's times to a chosen moment, hiding when it was really changed."))
        }
        let fileWrite = has(["open(", "fopen(", "file_put_contents", "writefile", "fs.write", "io.open", "print >", "File.write", "syswrite"]) || !s.writtenFiles.isEmpty
        let credentials = has(["/etc/shadow", "id_rsa", "id_ed25519", ".aws/credentials", "getpass", "/etc/sudoers", ".ssh/authorized_keys"])

        if socket && (spawn || dup) {
            s.findings.append((.critical, "T1059.004", "The \(language.rawValue) code connects to a remote computer and hands it a shell (a reverse shell)."))
            s.findings.append((.critical, "T1095", "The \(language.rawValue) code opens a raw network connection for remote control."))
        } else if socket && listen {
            s.findings.append((.high, "T1095", "The \(language.rawValue) code listens for network connections (a possible backdoor)."))
        } else if socket {
            s.findings.append((.high, "T1095", "The \(language.rawValue) code opens a raw network connection."))
        } else if listen {
            s.findings.append((.medium, "T1048", "The \(language.rawValue) code starts a network server that others can reach."))
        }
        if download && (evalCode || spawn) {
            s.findings.append((.critical, "T1105", "The \(language.rawValue) code downloads something and runs it."))
        } else if download {
            s.findings.append((.medium, "T1105", "The \(language.rawValue) code downloads data from the internet."))
        }
        if decode && (evalCode || spawn) {
            s.findings.append((.critical, "T1140", "The \(language.rawValue) code decodes a hidden payload and runs it."))
            s.findings.append((.high, "T1027", "The \(language.rawValue) code hides what it runs by encoding it."))
        } else if decode {
            s.findings.append((.medium, "T1140", "The \(language.rawValue) code decodes encoded data."))
        }
        if setuid {
            s.findings.append((.high, "T1548.001", "The \(language.rawValue) code tries to become root (setuid 0)."))
        }
        if credentials {
            s.findings.append((.high, "T1552.001", "The \(language.rawValue) code touches credential files."))
        }
        // An HTTP library sending (a POST, a body, an upload): where to, and what.
        let sends = has(["requests.post", "requests.put", "requests.patch", "requests.request(", "httpx.post", "httpx.put", "data=", "files=",
                         "method:'post'", "method: 'post'", "method:\"post\"", "method: \"post\"", "method:'put'", "body:", "https.request(", "http.request(",
                         "net::http.post", "net::http::post", "post_form", "->post(", "http::tiny->new->post", "post(", "upload", ".send(", "sendall(", "request('post'", "request(\"post\""])
        let host = Self.firstURLHost(code)
        if sends && (download || socket), host.map({ Destination.classify($0).kind != .loopback }) ?? true {
            let destination = host.map(Destination.classify) ?? Destination.atRunTime
            let where_ = destination.phrase
            let readsFile = has(["open(", "readfilesync", "file.read", "file.open", "readallbytes", "slurp", "fs.read", "io.read", "path("])
            if credentials {
                s.findings.append((destination.leavesNetwork ? .high : .medium, "T1041", "The \(language.rawValue) code sends credential files to \(where_)."))
            } else if readsFile && destination.leavesNetwork {
                s.findings.append((.high, "T1041", "The \(language.rawValue) code reads files and sends them to \(where_)."))
            } else if destination.leavesNetwork && destination.isAddress {
                s.findings.append((.high, "T1041", "The \(language.rawValue) code sends data to \(where_)."))
            } else {
                s.findings.append((.medium, "T1041", "The \(language.rawValue) code sends data to \(where_)."))
            }
        }
        if has(["pty.spawn"]) {
            s.findings.append((.high, "T1059.004", "The \(language.rawValue) code starts an interactive terminal shell (a common way to escape restrictions)."))
        }
        s.shellCommands = extractShellCommands(code, language: language)
        if spawn { s.shellCommands.append(contentsOf: joinedLiterals(code)) }
        if spawn && s.shellCommands.isEmpty && !socket {
            let literalShell = has(["/bin/sh", "/bin/bash", "'sh'", "\"sh\"", "'bash'", "\"bash\""])
            if literalShell {
                s.findings.append((.high, "T1059.004", "The \(language.rawValue) code starts a shell: a known way to escape restrictions."))
            } else {
                s.findings.append((.medium, language.technique, "The \(language.rawValue) code runs other programs."))
            }
        }
        if fileWrite && s.findings.isEmpty {
            s.findings.append((.medium, nil, "The \(language.rawValue) code writes files."))
        }
        if s.findings.isEmpty {
            s.findings.append((.low, nil, "Runs a short \(language.rawValue) program."))
        }
        return s
    }

    /// Files code opens for writing or appending, where it names them literally: Python's and
    /// Ruby's `open('F', 'a')`, Perl's `open(FH, '>>', 'F')` and `open(FH, ">F")`, PHP's
    /// `fopen('F', 'w')` and `file_put_contents('F', …)`, Node's `fs.writeFileSync('F', …)` and
    /// `appendFileSync`, Ruby's `File.write('F', …)`.
    static func openedForWriting(_ code: String) -> [String] {
        var out: [String] = []
        let ns = code as NSString
        for re in writePatterns {
            for m in re.matches(in: code, range: NSRange(location: 0, length: ns.length)) where m.numberOfRanges > 1 {
                let r = m.range(at: 1)
                if r.location != NSNotFound { out.append(ns.substring(with: r)) }
            }
        }
        return out
    }

    /// The patterns of ``openedForWriting(_:)``, compiled once.
    static let writePatterns: [NSRegularExpression] = {
        let patterns = [
            #"open\(\s*['"]([^'"]+)['"]\s*,\s*['"][^'"]*[wax+][^'"]*['"]"#,
            #"open\(\s*[\w$]+\s*,\s*['"](?:>>?|\+<)['"]\s*,\s*['"]([^'"]+)['"]"#,
            #"open\(\s*[\w$]+\s*,\s*['"]>>?\s*([^'"]+)['"]"#,
            #"(?:file_put_contents|writeFileSync|appendFileSync|writeFile|appendFile|File\.write|IO\.write)\(\s*['"]([^'"]+)['"]"#,
        ]
        return patterns.compactMap { try? NSRegularExpression(pattern: $0) }
    }()

    /// The files an awk program writes with `print … > "FILE"` or `printf … >> "FILE"`: awk's
    /// output redirection, which turns a text filter into a file writer.
    static func awkWrites(_ code: String) -> [String] {
        guard code.contains("print") else { return [] }
        let chars = Array(code)
        var out: [String] = []
        var i = 0
        var inPrint = false
        var quote: Character? = nil
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\" { i += 2; continue }
                if c == q { quote = nil }
                i += 1
                continue
            }
            if c == "\"" { quote = c; i += 1; continue }
            if c == ";" || c == "}" || c == "\n" || c == "{" { inPrint = false }
            if c == "p", i + 5 <= chars.count, String(chars[i..<(i + 5)]) == "print", i == 0 || !(chars[i - 1].isLetter || chars[i - 1] == "_") {
                inPrint = true
                i += 5
                continue
            }
            if inPrint, c == ">" {
                var j = i + 1
                if j < chars.count, chars[j] == ">" { j += 1 }
                if let file = firstStringLiteral(chars, from: j), !file.isEmpty, file != "/dev/stdout", file != "/dev/stderr" {
                    out.append(file)
                }
                inPrint = false
            }
            i += 1
        }
        return out
    }

    /// String literals passed to the calls that run shell commands.
    static func extractShellCommands(_ code: String, language: Language) -> [String] {
        let callNames: [String]
        switch language {
        case .python: callNames = ["os.system(", "os.popen(", "subprocess.call(", "subprocess.run(", "subprocess.Popen(", "subprocess.check_output(", "subprocess.getoutput(", "pty.spawn("]
        case .perl: callNames = ["system(", "system ", "exec(", "exec ", "qx(", "qx{", "open(", "`"]
        case .ruby: callNames = ["system(", "system ", "exec(", "exec ", "spawn(", "%x(", "IO.popen(", "`"]
        case .php: callNames = ["system(", "exec(", "shell_exec(", "passthru(", "popen(", "proc_open(", "`"]
        case .node: callNames = ["execSync(", "exec(", "spawn(", "spawnSync(", "execFileSync("]
        case .lua: callNames = ["os.execute(", "io.popen("]
        case .awk: callNames = ["system(", "| getline", "print |"]
        case .tcl: callNames = ["exec "]
        case .other: callNames = ["system(", "exec(", "run(", "popen("]
        case .shell: callNames = []
        }
        var out: [String] = []
        let chars = Array(code)
        for call in callNames {
            var searchStart = code.startIndex
            while let r = code.range(of: call, range: searchStart..<code.endIndex) {
                searchStart = r.upperBound
                let offset = code.distance(from: code.startIndex, to: r.upperBound)
                if call == "`" {
                    if let close = chars[offset...].firstIndex(of: "`") {
                        out.append(String(chars[offset..<close]))
                        searchStart = code.index(code.startIndex, offsetBy: close + 1)
                    }
                    continue
                }
                if let literal = firstStringLiteral(chars, from: offset) { out.append(literal) }
            }
        }
        if language == .awk {
            // `"cmd" | getline` and `print … | "cmd"`
            for (i, c) in chars.enumerated() where c == "|" {
                if let lit = firstStringLiteral(chars, from: i + 1), lit.count > 1 { out.append(lit) }
            }
        }
        return out
    }

    /// The host of the first `http://` or `https://` address written in `code`.
    static func firstURLHost(_ code: String) -> String? {
        guard let r = code.range(of: "http://") ?? code.range(of: "https://") else { return nil }
        let authority = code[r.upperBound...].prefix { !"/?#'\" `)".contains($0) }
        return authority.isEmpty ? nil : String(authority)
    }

    /// Commands built by joining literal pieces (`' '.join(['rm', '-rf', '/srv'])`, Perl and
    /// PHP `join(' ', 'rm', …)`, JavaScript `['rm', '-rf'].join(' ')`): the text they make.
    static func joinedLiterals(_ code: String) -> [String] {
        guard code.contains("join") else { return [] }
        let chars = Array(code)
        var out: [String] = []
        var i = 0
        while i + 5 < chars.count {
            defer { i += 1 }
            // SEP.join([...])
            guard chars[i] == "." || chars[i] == "(" || chars[i] == "]", String(chars[(i + 1)..<min(chars.count, i + 5)]) == "join" else { continue }
            var sep = " "
            if chars[i] == ".", i > 0, chars[i - 1] == "'" || chars[i - 1] == "\"" {
                let q = chars[i - 1]
                var k = i - 2
                while k >= 0, chars[k] != q { k -= 1 }
                if k >= 0 { sep = String(chars[(k + 1)..<(i - 1)]) }
            }
            var list: [String] = []
            if chars[i] == "]" {
                // [...].join('SEP')
                var k = i
                while k >= 0, chars[k] != "[" { k -= 1 }
                guard k >= 0 else { continue }
                list = literals(chars, from: k + 1, to: i)
                if let s = firstStringLiteral(chars, from: i + 6, joining: false) { sep = s }
            } else {
                guard let open = chars[(i + 5)...].firstIndex(where: { !" (".contains($0) }).map({ $0 }), open < chars.count else { continue }
                var start = open
                if chars[open] == "[" { start = open + 1 }
                let end = chars[start...].firstIndex(where: { $0 == "]" || $0 == ")" }) ?? chars.count
                list = literals(chars, from: start, to: end)
                if chars[i] == "(", !list.isEmpty { sep = list.removeFirst() }
            }
            if list.count >= 2 { out.append(list.joined(separator: sep)) }
        }
        return out
    }

    /// The quoted literals between two offsets, in order.
    static func literals(_ chars: [Character], from: Int, to: Int) -> [String] {
        var out: [String] = []
        var i = from
        while i < min(to, chars.count) {
            let c = chars[i]
            if c == "'" || c == "\"" {
                var j = i + 1
                while j < chars.count, chars[j] != c { j += 1 }
                out.append(String(chars[(i + 1)..<min(j, chars.count)]))
                i = j + 1
                continue
            }
            i += 1
        }
        return out
    }

    /// The first quoted string at or shortly after `from` (skipping blanks, `(`, `[`).
    static func firstStringLiteral(_ chars: [Character], from: Int, joining: Bool = true) -> String? {
        var i = from
        while i < chars.count, " ([{".contains(chars[i]) { i += 1 }
        guard i < chars.count, chars[i] == "\"" || chars[i] == "'" else { return nil }
        let q = chars[i]
        var j = i + 1
        var out = ""
        while j < chars.count, chars[j] != q {
            if chars[j] == "\\", j + 1 < chars.count {
                let n = chars[j + 1]
                out.append(n == "n" ? "\n" : n)
                j += 2
                continue
            }
            out.append(chars[j])
            j += 1
        }
        guard j < chars.count else { return nil }
        // Pieces joined with `+` (Python, Ruby, JavaScript) or `.` (Perl, PHP): `'r'+'m -rf /'`.
        var after = j + 1
        while true {
            var k = after
            while k < chars.count, chars[k] == " " { k += 1 }
            guard k < chars.count, chars[k] == "+" || chars[k] == "." else { break }
            k += 1
            while k < chars.count, chars[k] == " " { k += 1 }
            guard k < chars.count, chars[k] == "'" || chars[k] == "\"" else { break }
            let q2 = chars[k]
            var m = k + 1
            while m < chars.count, chars[m] != q2 { out.append(chars[m]); m += 1 }
            guard m < chars.count else { break }
            after = m + 1
            j = m
        }
        guard joining else { return out }
        // A list form like ["bash", "-c", "cmd"] keeps going: join the literals.
        var k = j + 1
        var pieces = [out]
        while k < chars.count, chars[k] == "," || chars[k] == " " {
            k += 1
            if k < chars.count, chars[k] == "\"" || chars[k] == "'" {
                if let next = firstStringLiteral(chars, from: k, joining: false) {
                    pieces.append(next)
                    var m = k + 1
                    while m < chars.count, chars[m] != chars[k] { m += 1 }
                    k = m + 1
                    continue
                }
            }
            break
        }
        if pieces.count > 1 {
            if pieces.count >= 3, ["sh", "bash", "/bin/sh", "/bin/bash"].contains(pieces[0]), pieces[1] == "-c" { return pieces[2] }
            return pieces.joined(separator: " ")
        }
        return out
    }
}
