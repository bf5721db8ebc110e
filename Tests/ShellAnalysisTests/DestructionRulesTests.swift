import ShellAnalysis
import Testing

/// Destroying application data is Impact (T1485, T1486), not the clean-up of one's own tracks
/// (T1070.004): judged by what the resource catalogue says is under the path, and by files
/// encrypted and then deleted. Cache and temporary clean-up, and old rotated logs, stay below high.
@Suite struct DestructionRulesTests {
    static let destroyed: [(String, String)] = [
        ("rm -rf /opt/app /etc/app", "T1485"),
        ("command -p rm -rf /srv/data", "T1485"),
        ("sudo rm -r /var/lib/postgresql/15/main", "T1485"),
        (#"unset D; rm -rf "$D"/*"#, "T1485"),
        ("shred -u /var/lib/app/app.sqlite", "T1485"),
        ("find /srv/uploads -type f -delete", "T1485"),
        ("find /var/log/journal -name '*.journal' -delete", "T1070.002"),
        ("openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -in /srv/data/a.db -out /srv/data/a.db.locked && rm -f /srv/data/a.db", "T1486"),
        (#"find /srv/docs -name '*.pdf' | xargs -I{} sh -c 'openssl enc -aes-256-cbc -k k -in "{}" -out "{}.x" && rm -f "{}"'"#, "T1486"),
        ("gpg --batch --yes -c --passphrase k report.xlsx && shred -u report.xlsx", "T1486"),
    ]

    @Test(arguments: destroyed.indices)
    func destructionIsImpact(_ i: Int) throws {
        let (command, technique) = Self.destroyed[i]
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.techniques.contains(technique), "`\(command)`: \(a.techniques)")
        #expect(a.tactics.contains(technique == "T1070.002" ? "TA0005" : "TA0040"), "`\(command)`: \(a.tactics)")
    }

    static let cleanup = [
        "rm -rf /tmp/build-1234",
        "sudo rm -rf /var/lib/apt/lists/*",
        "rm -rf ~/.cache/pip",
        "find /var/log/app -name '*.gz' -mtime +30 -delete",
        "find /tmp -type f -mtime +7 -delete",
        "rm -rf node_modules",
        "openssl enc -aes-256-cbc -pbkdf2 -in backup.tar -out backup.tar.enc",
    ]

    @Test(arguments: cleanup)
    func cleanupStaysBelowHigh(_ command: String) throws {
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk <= .medium, "`\(command)` was \(a.risk): \(a.summary)")
    }
}
