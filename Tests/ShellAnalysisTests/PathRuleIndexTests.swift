import Testing

@testable import ShellAnalysis

extension Catalogue {
    /// The path rules that match `path`, found by trying every rule: what the index must agree with.
    func pathRulesTryingEach(for path: String, writing: Bool) -> [PathRule] {
        let prepared = PathPattern.Prepared(path)
        return paths.filter { rule in
            rule.access != (writing ? "read" : "write") && PathPattern(rule.pattern).matches(prepared)
        }
    }
}

/// The path-rule index finds exactly the rules that trying every rule finds, in the same order.
@Suite struct PathRuleIndexTests {
    /// Paths made from every pattern of the catalogue (wildcards filled in, home directories in
    /// each spelling, Windows separators), and some that match nothing.
    static let paths: [String] = {
        var out = ["/etc/shadow", "/etc/passwd", "/tmp/x", "x", "", "/", "~", "./a/../etc/shadow", "/etc/./shadow",
                   "C:\\Windows\\System32\\config\\SAM", "hklm\\software\\microsoft\\windows\\currentversion\\run",
                   "/home/bob/.ssh/authorized_keys", "$HOME/.bashrc", "c:/users/bob/appdata/roaming/microsoft/windows/start menu/programs/startup/x.lnk"]
        let catalogue = try! Catalogue.bundled.get()
        for rule in catalogue.paths {
            let filled = rule.pattern.replacingOccurrences(of: "**", with: "a/b").replacingOccurrences(of: "*", with: "x")
                .replacingOccurrences(of: "?", with: "q")
            out.append(filled)
            out.append(filled.uppercased())
            if filled.hasPrefix("~/") {
                let rest = filled.dropFirst(2)
                out += ["/root/\(rest)", "/home/alice/\(rest)", "$HOME/\(rest)", "C:\\Users\\alice\\\(rest.replacingOccurrences(of: "/", with: "\\"))", String(rest)]
            }
            out.append(filled.replacingOccurrences(of: "/", with: "\\"))
            out.append(filled + "/child")
        }
        return out
    }()

    @Test func findsWhatTryingEveryRuleFinds() throws {
        let catalogue = try Catalogue.bundled.get()
        var matched = 0
        for path in Self.paths {
            for writing in [false, true] {
                let indexed = catalogue.pathRules(for: path, writing: writing)
                let tried = catalogue.pathRulesTryingEach(for: path, writing: writing)
                #expect(indexed == tried, "\(path) (writing: \(writing))")
                matched += tried.count
            }
        }
        // The paths do exercise the rules.
        #expect(matched > catalogue.paths.count)
    }
}

/// The shortcut that leaves already-normal paths alone agrees with normalising them.
@Suite struct PathNormalisingTests {
    @Test(arguments: ["/etc/shadow", "etc/shadow", "/", "", ".", "..", "./x", "x/.", "x/..", "a//b", "a/", "/a/./b", "/a/../b",
                      "$HOME/.ssh", "${HOME}/x", "~/.ssh/id_rsa", ".ssh", "..x", "x..", "/a/.b/c", "/a/..b", "C:\\Users\\x"])
    func shortcutAgrees(_ path: String) {
        if PathPattern.isNormal(path) { #expect(PathPattern.normalise(path) == path) }
    }

    @Test func shortcutTakesOrdinaryPaths() {
        #expect(PathPattern.isNormal("/etc/shadow") && PathPattern.isNormal("a/.b/c..") && PathPattern.isNormal(""))
        #expect(!PathPattern.isNormal("/etc//shadow") && !PathPattern.isNormal("/etc/../shadow") && !PathPattern.isNormal("x/"))
    }
}
