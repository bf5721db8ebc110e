import EscortTesting
import Foundation
import Testing

/// A signing key is made only at first-time setup: a mistyped `--signing-key` is an error, not a
/// new key whose checkpoints no auditor's pinned key accepts.
@Suite("escort: the signing key")
struct SigningKeyCLITests {
    @Test func aWrongSigningKeyPathIsNotANewKey() async throws {
        let cli = RegistryCLI()
        #expect(try await cli.addPerson("alice", roles: ["escort"]).status == 0)
        let add = try await cli.addPerson("bob", extra: ["--signing-key", "wrong/gateway.key"])
        #expect(add.status != 0)
        #expect(add.stderr.contains("no signing key at wrong/gateway.key"), "\(add.stderr)")
        let password = try await ChildProcess.run(
            try #require(cli.escort), ["person", "password", "alice", "--password-stdin", "--signing-key", "WRONGPATH"],
            currentDirectory: cli.dir.path, input: Data("a-long-console-password\n".utf8))
        #expect(password.status != 0)
        #expect(password.stderr.contains("no signing key at WRONGPATH"), "\(password.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.dir.file("WRONGPATH")))
        #expect(!FileManager.default.fileExists(atPath: cli.dir.file("wrong/gateway.key")))
        #expect(try await cli.run(["audit", "verify", "--key", "gateway.key.pub"]).status == 0)
    }

    @Test func aMissingDefaultKeyIsNotRemadeOnceTheLogHasRecords() async throws {
        let cli = RegistryCLI()
        #expect(try await cli.addPerson("alice").status == 0)
        try FileManager.default.moveItem(atPath: cli.dir.file("gateway.key"), toPath: cli.dir.file("elsewhere.key"))
        let add = try await cli.addPerson("bob")
        #expect(add.status != 0)
        #expect(add.stderr.contains("already holds 1 records"), "\(add.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.dir.file("gateway.key")))
        #expect(try await cli.addPerson("bob", extra: ["--signing-key", "elsewhere.key"]).status == 0)
    }
}
