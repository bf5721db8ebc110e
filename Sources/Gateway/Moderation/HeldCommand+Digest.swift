import Crypto
import EscortCore
import Foundation

extension HeldCommand {
    /// A digest of exactly what a card shows of this hold: its number, who and where, the command,
    /// the risk, the summary, the findings and the policy's reasons. A decision names it, so an
    /// escort can only decide the card he read ("the command changed: read it again").
    ///
    /// Approvals so far are not part of it: a second approver reads the same command.
    public var cardDigest: String {
        var parts: [String] = ["\(id)", session, engineer, target, command, analysis.risk.rawValue, analysis.summary, ruling.rawValue]
        parts += analysis.findings.map { "\($0.risk.rawValue) \($0.reason)" }
        parts += reasons
        let bytes = Array(parts.map { "\($0.utf8.count):\($0)" }.joined().utf8)
        return String(Hex.encode(Array(SHA256.hash(data: bytes))).prefix(32))
    }

    /// Whether approving needs a deliberate act (the hold's number typed, or a confirm step)
    /// rather than one key: high and critical holds.
    public var needsConfirmation: Bool { analysis.risk >= .high }
}
