#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// The admin commands work on what `escort serve` works on (`--config`), make private files,
/// and refuse to write, as one account, a store another account (the service's) owns.
@Suite("escort admin commands and escort.toml")
struct AdminConfigCLITests {
    static let available = BuiltProduct.path("escort") != nil

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int) ?? -1
    }

    @Test(.enabled(if: available))
    func adminCommandsReadTheServiceFileAndMakePrivateFiles() async throws {
        let dir = TemporaryDirectory(prefix: "escort-admin-config")
        let elsewhere = TemporaryDirectory(prefix: "escort-admin-cwd")
        try FileManager.default.createDirectory(atPath: dir.file("state"), withIntermediateDirectories: true)
        try "[store]\nlocation = \"state/escort.sqlite\"\n".write(toFile: dir.file("escort.toml"), atomically: true, encoding: .utf8)
        let key = try SSHTestKeys.make(dir.file("alice"))
        let escort = BuiltProduct.path("escort")!
        let add = try await ChildProcess.run(escort, [
            "person", "add", "--config", dir.file("escort.toml"), "--name", "alice", "--display-name", "Alice", "--employer", "Acme",
            "--contractor", "Prime Co", "--citizenship", "US", "--residence", "US", "--location", "US",
            "--clearance", "secret", "--role", "engineer", "--key", key,
        ], currentDirectory: elsewhere.path)
        #expect(add.status == 0, "\(add.stderr)")
        // The file's store (relative to the file's folder), not one in the working directory.
        #expect(FileManager.default.fileExists(atPath: dir.file("state/escort.sqlite")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        #expect(Self.mode(dir.file("state/escort.sqlite")) == 0o640)
        #expect(Self.mode(dir.file("state/gateway.key")) == 0o600)

        let list = try await ChildProcess.run(escort, ["person", "list", "--config", dir.file("escort.toml")], currentDirectory: elsewhere.path)
        #expect(list.status == 0 && list.stdout.contains("alice"), "\(list.stdout) \(list.stderr)")
        let verify = try await ChildProcess.run(escort, ["audit", "verify", "--config", dir.file("escort.toml"), "--key", dir.file("state/gateway.key.pub")],
                                                currentDirectory: elsewhere.path)
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        // The old spelling still works.
        let old = try await ChildProcess.run(escort, ["audit", "verify", "--db", dir.file("state/escort.sqlite"), "--key", dir.file("state/gateway.key.pub")])
        #expect(old.status == 0, "\(old.stdout) \(old.stderr)")

        // A bad file is named, as serve names it.
        try "[store]\nlocaton = \"x\"\n".write(toFile: dir.file("bad.toml"), atomically: true, encoding: .utf8)
        let bad = try await ChildProcess.run(escort, ["person", "list", "--config", dir.file("bad.toml")], currentDirectory: elsewhere.path)
        #expect(bad.status != 0 && bad.stderr.contains("bad.toml: store.locaton: unknown key"), "\(bad.stderr)")
    }

    /// As root, on a store folder the service account owns: refused, naming the account, and
    /// nothing made (today the store and key were made root's, which the service cannot write).
    @Test(.enabled(if: available && geteuid() == 0 && getpwnam("nobody") != nil))
    func aStoreOwnedByTheServiceAccountIsNotWrittenAsRoot() async throws {
        let dir = TemporaryDirectory(prefix: "escort-admin-owner")
        let state = dir.file("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let nobody = getpwnam("nobody")!.pointee
        #expect(chown(state, nobody.pw_uid, nobody.pw_gid) == 0)
        let r = try await ChildProcess.run(BuiltProduct.path("escort")!, [
            "target", "add", "--store", state + "/escort.sqlite", "--name", "web", "--impact-level", "IL2", "--owner", "ops", "--local",
        ])
        #expect(r.status != 0)
        #expect(r.stderr.contains("belongs to nobody: run this command as nobody (runuser -u nobody -- escort"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).isEmpty)
    }
}
