import Foundation
import Operations
import Testing

@Suite("escort serve configuration")
struct ServeConfigurationTests {
    static func parse(_ text: String) throws(ConfigurationError) -> ServeConfiguration {
        try ServeConfiguration.parse(text, file: "escort.toml", directory: "/etc/escort")
    }

    @Test func aFullFileIsRead() throws {
        let c = try Self.parse("""
            [store]
            location = "state/escort.sqlite"
            password_env = "DB_PASSWORD"
            [gateway]
            listen = "0.0.0.0"
            port = 2200
            recorded_output_mib = 4
            shutdown_grace_seconds = 2.5
            [web]
            port = 8443
            cert = "/etc/escort/c.pem"
            key = "k.pem"
            [log]
            level = "debug"
            format = "logfmt"
            [operations]
            port = 9102
            """)
        #expect(c.storeLocation == "/etc/escort/state/escort.sqlite")
        #expect(c.storePasswordEnvironmentVariable == "DB_PASSWORD")
        #expect(c.gatewayListen == "0.0.0.0" && c.gatewayPort == 2200 && c.recordedOutputMib == 4)
        #expect(c.shutdownGraceSeconds == 2.5)
        #expect(c.webPort == 8443 && c.webKey == "/etc/escort/k.pem" && c.webCert == "/etc/escort/c.pem")
        #expect(c.logLevel == "debug" && c.logFormat == "logfmt" && c.operationsPort == 9102)
        #expect(c.hostKey == nil && c.operationsListen == nil)
        let pg = try Self.parse("[store]\nlocation = \"postgres://escort@db:5432/escort\"\npassword_file = \"pw\"")
        #expect(pg.storeLocation == "postgres://escort@db:5432/escort" && pg.storePasswordFile == "/etc/escort/pw")
    }

    /// Each bad file, and the start of the message it must give (file, then field).
    static let bad: [(String, String)] = [
        ("[gateway]\nport = 70000", "escort.toml: gateway.port: must be 0…65535, got 70000"),
        ("[gateway]\nport = -1", "escort.toml: gateway.port: must be 0…65535, got -1"),
        ("[gateway]\nport = \"2222\"", "escort.toml: gateway.port: must be an integer, got a string"),
        ("[gateway]\nprot = 22", "escort.toml: gateway.prot: unknown key"),
        ("[gatewya]\nport = 22", "escort.toml: gatewya: unknown table"),
        ("gateway = 3", "escort.toml: gateway: must be a table"),
        ("[gateway]\nrecorded_output_mib = 100000", "escort.toml: gateway.recorded_output_mib: must be 0…65536, got 100000"),
        ("[gateway]\nshutdown_grace_seconds = -1", "escort.toml: gateway.shutdown_grace_seconds: must be 0…86400"),
        ("[gateway]\nshutdown_grace_seconds = true", "escort.toml: gateway.shutdown_grace_seconds: must be a number, got a boolean"),
        ("[gateway]\nlisten = \"\"", "escort.toml: gateway.listen: must not be empty"),
        ("[log]\nlevel = \"loud\"", "escort.toml: log.level: must be one of trace, debug, info, notice, warning, error, critical, got \"loud\""),
        ("[log]\nformat = \"xml\"", "escort.toml: log.format: must be one of json, logfmt, got \"xml\""),
        ("[store]\npassword = \"hunter2\"", "escort.toml: store.password: a password is never written in the configuration"),
        ("[store]\nlocation = \"postgres://escort:hunter2@db/escort\"", "escort.toml: store.location: the URL holds a password"),
        ("[store]\npassword_env = \"hunter2 is it\"", "escort.toml: store.password_env: must be the name of an environment variable"),
        ("[store]\npassword_env = \"A\"\npassword_file = \"f\"", "escort.toml: store.password_env: give store.password_file or store.password_env, not both"),
        ("[web]\nport = 1\ncert = \"c.pem\"", "escort.toml: web.key: web.cert and web.key go together"),
        ("[operations]\nport = [1]", "escort.toml: operations.port: must be an integer, got a list"),
        ("[gateway\nport = 1", "escort.toml: line 1,"),
    ]

    @Test(arguments: bad)
    func aBadFileNamesTheFileAndField(_ text: String, _ expected: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
            #expect(!error.description.contains("hunter2"), "a secret was echoed: \(error.description)")
        }
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: ConfigurationError(file: "/nonexistent/escort.toml", field: "file", "cannot be read")) {
            try ServeConfiguration.load(path: "/nonexistent/escort.toml")
        }
    }

    /// Every field the parser accepts is in docs/configuration.md's table, and every field the
    /// table lists is accepted.
    @Test func theDocumentationListsExactlyTheAcceptedFields() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/configuration.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        var documented = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let name = line.dropFirst(3).prefix { $0 != "`" }
            documented.insert(String(name))
        }
        let accepted = Set(ServeConfiguration.fields.map(\.name))
        #expect(accepted.subtracting(documented).isEmpty, "accepted but not documented: \(accepted.subtracting(documented).sorted())")
        #expect(documented.subtracting(accepted).isEmpty, "documented but not accepted: \(documented.subtracting(accepted).sorted())")
        // The example file in the docs parses.
        let example = try #require(text.components(separatedBy: "```toml\n").dropFirst().first?.components(separatedBy: "```").first)
        let parsed = try Self.parse(example)
        #expect(parsed.operationsPort == 9102)
        for field in ServeConfiguration.fields where !["store.password_file", "store.password_env"].contains(field.name) {
            #expect(parsed.isSet(field.name), "the example leaves out \(field.name)")
        }
    }
}
