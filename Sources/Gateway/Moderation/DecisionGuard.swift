import Foundation

/// What one escort's decision must name before a console passes it to the hub, and the settle
/// time after each decision. A value with no I/O and no clock of its own, kept per escort and
/// session by each console (the SSH console's actor, the web console's attachments).
///
/// - A decision names the hold's number and the ``HeldCommand/cardDigest`` of the card the
///   escort saw; any other hold, or the same number with other content, is refused.
/// - For ``settle`` after a decision, and after a card that arrived since, no other hold is
///   accepted: a second key press meant for the card just decided cannot land on the card that
///   replaced it.
/// - Approving a high or critical hold needs its number typed as a confirmation.
///
/// A refusal never runs anything, so it needs no confirmation; it must still name the card.
public struct DecisionGuard: Sendable {
    /// How long after a decision another hold is refused.
    public static let settle: TimeInterval = 1.5

    /// When this escort last decided, and which hold.
    public private(set) var last: (at: Date, hold: Int)?

    public init() {}

    /// Refuses (throws ``ModerationError``) unless the decision names exactly the card waiting now.
    ///
    /// - Parameters:
    ///   - held: the hold waiting now, as the hub lists it.
    ///   - holdID, digest: what the escort's decision names.
    ///   - confirmation: the hold number the escort typed to confirm, if any.
    public func check(held: HeldCommand?, holdID: Int?, digest: String?, approve: Bool, confirmation: String?, now: Date) throws {
        guard let held else { throw ModerationError(.nothingHeld, "No command is waiting for a decision.") }
        guard let holdID, holdID == held.id, let digest, digest == held.cardDigest else {
            throw ModerationError(.cardChanged, "The command changed: read it again (#\(held.id) is waiting).")
        }
        // Settled from the later of the decision and the card's arrival (a clock ahead of this one,
        // on another node, counts as now).
        if let last, last.hold != held.id, now.timeIntervalSince(max(last.at, min(held.heldAt, now))) < Self.settle {
            throw ModerationError(.settling, "#\(held.id) arrived just after your last decision: read it again before deciding.")
        }
        if approve, held.needsConfirmation {
            let typed = (confirmation ?? "").trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "#"))
            guard typed == String(held.id) else {
                throw ModerationError(.needsConfirmation, "#\(held.id) is \(held.analysis.risk.rawValue.uppercased()) risk: confirm by typing its number, \(held.id).")
            }
        }
    }

    /// Notes a decision the hub accepted.
    public mutating func decided(_ hold: Int, at now: Date) {
        last = (now, hold)
    }
}
