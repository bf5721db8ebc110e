import ArgumentParser
import AuditLog
import Foundation

/// `escort audit check-proof FILE`: checks an inclusion or consistency proof offline.
struct AuditCheckProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-proof",
        abstract: "Check an inclusion or consistency proof from `escort audit prove` offline, without the store.",
        discussion: "Exit status: 0 the proof holds, 1 it does not, 2 the file cannot be read or is not a proof."
    )

    @Argument(help: "The proof file (JSON from `escort audit prove`).")
    var file: String

    @Option(name: .long, help: "The gateway's public key (hex, base64, or a file holding it); without it the key named in the checkpoints is trusted.")
    var key: String?

    func run() throws {
        let pinned: GatewayPublicKey?
        do { pinned = try key.map(parsePublicKey) } catch {
            printError("escort: error: \(error)")
            throw ExitCode(2)
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("escort: error: cannot read \(file)")
            throw ExitCode(2)
        }
        do throws(AuditError) {
            let verdict = try ProofCheck.check(Array(data), pinnedKey: pinned)
            print("OK: \(verdict.kind) proof holds: \(verdict.summary).")
            if !verdict.keyWasPinned {
                print("WARNING: no --key given: the signatures were checked against the key named in the checkpoints, which proves integrity but not origin.")
            }
        } catch {
            if error.code == .verificationFailed {
                printError("FAILED: \(error.message)")
                throw ExitCode(1)
            }
            printError("escort: error: \(error)")
            throw ExitCode(2)
        }
    }
}
