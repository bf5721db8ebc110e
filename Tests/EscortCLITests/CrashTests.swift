import AuditLog
import EscortTesting
import Foundation
import Store
import StoreSQLite
import Testing

/// A child process appends in a loop and is killed with SIGKILL at random moments; after each
/// kill the log must verify and hold every append the child saw return.
@Suite("Crash safety", .serialized)
struct CrashTests {
    static var rounds: Int { ProcessInfo.processInfo.environment["ESCORT_QUICK"] != nil ? 10 : 50 }

    @Test func killedWritersLoseNothingThatWasAcknowledged() async throws {
        let escort = try #require(BuiltProduct.path("escort"), "build the escort executable first (swift build)")
        let dir = TemporaryDirectory(prefix: "escort-crash")
        var db = dir.file("audit-0.sqlite")
        // A key signs one log (it keeps the last checkpoint it signed): one key per database.
        var keyFile = dir.file("gateway-0.key")
        var key = try GatewaySigningKey.loadOrCreate(path: keyFile)
        var generator = SystemRandomNumberGenerator()
        var acknowledged: Int64 = 0
        var acknowledgedRounds = 0
        for round in 0..<Self.rounds {
            // Each database lives through 10 crashes and restarts, then a fresh one starts
            // (verification in a debug build is slow on a big log).
            if round % 10 == 0 {
                db = dir.file("audit-\(round).sqlite")
                keyFile = dir.file("gateway-\(round).key")
                key = try GatewaySigningKey.loadOrCreate(path: keyFile)
                acknowledged = 0
            }
            let child = Process()
            child.executableURL = URL(fileURLWithPath: escort)
            child.arguments = ["audit", "stress-append", "--db", db, "--key-file", keyFile, "--writers", "4", "--checkpoint-every", "25", "--interval-ms", "4"]
            let out = Pipe()
            child.standardOutput = out
            child.standardError = FileHandle.nullDevice
            child.standardInput = FileHandle.nullDevice
            try child.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 60...600, using: &generator)))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal, "round \(round): the child ended by itself (status \(child.terminationStatus))")
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Only whole lines count: the last one may have been cut by the kill.
            let complete = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            let printed = complete.compactMap { Int64($0) }
            let highest = printed.max() ?? 0

            let store = try SQLiteAuditStore(path: db, create: true)
            // A log killed before its first checkpoint carries none, which a pinned verification
            // rightly refuses until the next writer signs; this test is about durability.
            switch try await store.verifyAuditLog(pinnedKey: key.publicKey, requirements: AuditRequirements(requireCheckpoint: false)) {
            case .failure(let f):
                Issue.record("round \(round): the log fails verification after SIGKILL: \(f)")
                return
            case .success(let chain):
                #expect(chain.size >= highest, "round \(round): append \(highest) returned but the log has \(chain.size) records")
                #expect(chain.size >= acknowledged, "round \(round): the log shrank")
                acknowledged = max(acknowledged, chain.size)
            }
            if !printed.isEmpty { acknowledgedRounds += 1 }
        }
        #expect(acknowledgedRounds > Self.rounds / 2, "too few rounds got as far as an append; the kills came too early")
        #expect(acknowledged > 0)
    }
}
