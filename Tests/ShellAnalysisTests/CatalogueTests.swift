import ShellAnalysis
import Testing

/// The bundled catalogue loads, is large enough, and is consistent.
@Suite struct CatalogueTests {
    @Test func loadsWithTheRequiredCoverage() throws {
        let c = try Catalogue.bundled.get()
        let unix = Set(c.unixPrograms.values.map(\.name))
        let windows = Set(c.windowsPrograms.values.map(\.name))
        #expect(unix.count >= 400, "only \(unix.count) Unix programs")
        #expect(windows.count >= 100, "only \(windows.count) Windows programs")
        #expect(c.paths.count >= 60)
    }

    @Test func everyTechniqueUsedIsDefinedWithKnownTactics() throws {
        let c = try Catalogue.bundled.get()
        var used: Set<String> = []
        for p in Array(c.unixPrograms.values) + Array(c.windowsPrograms.values) {
            used.formUnion(p.techniques ?? [])
            for f in p.flags ?? [] { used.formUnion(f.techniques ?? []) }
            for s in p.subcommands ?? [] {
                used.formUnion(s.techniques ?? [])
                for f in s.flags ?? [] { used.formUnion(f.techniques ?? []) }
            }
        }
        for r in c.paths { used.formUnion(r.techniques ?? []) }
        for t in used {
            #expect(c.techniques[t] != nil, "technique \(t) is used but not defined")
            for tactic in c.tactics(of: t) { #expect(c.tactics[tactic] != nil, "\(t) names unknown tactic \(tactic)") }
        }
    }

    @Test func preAndPostV19IdsAreEquivalent() throws {
        let c = try Catalogue.bundled.get()
        #expect(c.tactics(of: "T1070.002") == c.tactics(of: "T1685.006"))
        #expect(c.tactics(of: "T1562.004") == c.tactics(of: "T1686"))
        #expect(!c.tactics(of: "T1690").isEmpty)
    }

    @Test func rolesTheAnalyserReliesOnArePresent() throws {
        let c = try Catalogue.bundled.get()
        for (name, role) in [("bash", "shell"), ("sh", "shell"), ("curl", "downloader"), ("wget", "downloader"), ("base64", "decoder"), ("nc", "network-tool"), ("python", "interpreter"), ("cat", "reader"), ("tee", "writer"), ("rm", "destructive")] {
            #expect(c.unixProgram(name)?.roles?.contains(role) == true, "\(name) lacks role \(role)")
        }
        #expect(c.windowsProgram("IEX")?.name == "Invoke-Expression")
        #expect(c.windowsProgram("C:\\Windows\\System32\\certutil.exe")?.name.lowercased() == "certutil")
    }
}
