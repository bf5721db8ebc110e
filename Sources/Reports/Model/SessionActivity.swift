import EscortCore
import Foundation

/// What became of one command, as the audit log tells it.
public enum CommandOutcome: String, Sendable, Hashable, CaseIterable {
    /// Sent to the target (`command.forwarded`).
    case ran
    /// Refused by the policy, the analyser or a person (`command.refused`).
    case refused
    /// Withdrawn by the engineer while held.
    case withdrawn
    /// Held and never decided (the session ended first).
    case undecided
}

/// One command of a session, from its `command.*` records.
public struct CommandActivity: Sendable, Hashable {
    /// The command's number in its session.
    public var number: Int64
    public var command: String
    /// The analyser's risk (`none` … `critical`), or nil for a command refused as invalid syntax.
    public var risk: String?
    /// The policy's ruling: `run`, `hold`, `hold+review` or `refuse`.
    public var ruling: String?
    public var techniques: [String]
    /// Whether policy held it for a person.
    public var held: Bool
    public var approvedBy: [String]
    /// Who refused it (`policy`, `analyser`, or a person).
    public var refusedBy: String?
    public var refusalReason: String?
    public var outcome: CommandOutcome
    public var exitStatus: Int64?
    public var time: Date
}

/// One connection attempt and, if access was given, the session that followed: built from the
/// `access.decided`, `session.*`, `escort.*` and `command.*` records with the same session id.
public struct SessionActivity: Sendable, Hashable {
    /// The gateway's session id.
    public var id: String
    /// The engineer's login.
    public var person: String
    public var target: String
    /// The target's level as recorded at connect time (nil for an unknown target).
    public var impactLevel: ImpactLevel?
    /// When access was decided.
    public var time: Date
    /// `direct`, `escorted` or `refused`.
    public var decision: String
    /// The policy rule that decided, if any.
    public var rule: String?
    public var reasons: [String]
    /// Tickets the decision relied on.
    public var tickets: [String]
    public var sourceAddress: String?
    /// The country the source address maps to, if known.
    public var sourceCountry: String?
    /// Where the person was taken to be: the source country, else the declared location.
    public var effectiveLocation: String?
    /// Escorts who attached (in order, without repeats).
    public var escorts: [String]
    /// Technical reviewers who attached.
    public var reviewers: [String]
    public var commands: [CommandActivity]
    /// Why it ended, if recorded.
    public var endReason: String?
    /// Who killed it, if an escort or admin ended it.
    public var killedBy: String?
    public var paused: Int
    /// When it was ended by an escort or admin (the `session.killed` record's time).
    public var killedAt: Date? = nil
    /// How the session ran (`session.started` field `execution`): `mediated` under escort-agent,
    /// `agentless`, `not recorded` for a start record without the field, nil when it never started.
    public var execution: String? = nil
    /// The session's ties to countries of concern (the person as recorded at the time, and where
    /// they were), filled in by the report that uses the session.
    public var concernTies: [String] = []

    /// Whether access was given (direct or escorted).
    public var wasAdmitted: Bool { decision == "direct" || decision == "escorted" }

    public func count(_ outcome: CommandOutcome) -> Int { commands.filter { $0.outcome == outcome }.count }
    public var heldCount: Int { commands.filter(\.held).count }
}
