#if canImport(Glibc)
import Glibc
#endif
import EscortTesting
import Foundation
import Testing

/// `escort serve` and the admin commands in another process on the same store: a change made
/// with `escort person …` reaches a session already open on the gateway.
@Suite("registry changes reach escort serve", .serialized)
struct RegistryServeTests {
    @Test(.enabled(if: ServeOperationsTests.available))
    func revokingAKeyWithTheCommandEndsTheLiveSession() async throws {
        let g = try await ServeOperationsTests.Gateway.seeded()
        try g.writeConfig()
        try await g.start()
        let alice = try g.ssh("alice+app-il4", key: "alice", tty: true)
        #expect(await alice.waitFor("app-il4:"), "no prompt: \(alice.output) \(alice.errorOutput)")
        alice.send("echo before-$((6*7))\r")
        #expect(await alice.waitFor("before-42"))

        let escort = try #require(BuiltProduct.path("escort"))
        let revoke = try await ChildProcess.run(escort, [
            "person", "revoke-key", "alice", "--key", g.dir.file("keys/alice.pub"), "--reason", "laptop stolen", "--store", "escort.sqlite",
        ], currentDirectory: g.dir.path)
        #expect(revoke.status == 0, "\(revoke.stdout) \(revoke.stderr)")
        #expect(await alice.waitFor("this session ends: the key this session signed in with", timeout: 20), "\(alice.output)")
        #expect(alice.output.contains("laptop stolen"))
        #expect(await alice.waitForExit(timeout: 20) != nil)
        let again = try g.ssh("alice+app-il4", key: "alice", ["--", "echo never"])
        #expect(await again.waitForExit() == 255)
        #expect(!again.output.contains("never"))
        #expect(await g.stop() == 0)
    }
}
