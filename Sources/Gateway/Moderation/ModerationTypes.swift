import EscortCore
import Foundation
import ShellAnalysis

/// A command waiting for a decision.
public struct HeldCommand: Sendable, Codable, Equatable {
    /// Unique within the gateway process that holds it.
    public var id: Int
    public var session: String
    public var engineer: String
    public var target: String
    public var command: String
    public var analysis: Analysis
    public var ruling: CommandRuling
    public var reasons: [String]
    /// Who approved so far, with the capacity they approved in.
    public var approvals: [Approval]
    public var heldAt: Date

    /// Whether a technical reviewer must approve as well as an escort.
    public var needsReviewer: Bool { ruling == .holdWithReview }

    /// For each UTF-8 byte of the command, whether the analyser found it risky (medium and
    /// above): what a card marks, in the SSH console and the web console alike.
    public var riskyBytes: [Bool] {
        let count = command.utf8.count
        var marked = [Bool](repeating: false, count: count)
        for f in analysis.findings where f.risk >= .medium {
            let lo = min(max(0, f.range.start), count)
            for i in lo..<max(lo, min(count, f.range.end)) { marked[i] = true }
        }
        return marked
    }
}

/// One approval of a held command.
public struct Approval: Sendable, Codable, Hashable {
    public var name: String
    public var role: WatcherRole

    public init(name: String, role: WatcherRole) {
        self.name = name
        self.role = role
    }
}

/// The outcome of a hold.
public enum HoldDecision: Sendable, Equatable {
    case approved(by: [String])
    case refused(by: String, reason: String)
    case withdrawn
    case sessionEnded
}

/// In what capacity someone watches a session.
public enum WatcherRole: String, Sendable, Codable {
    case escort
    case reviewer
}

/// What a watcher is told.
public enum WatchEvent: Sendable {
    /// What the engineer sees.
    case output([UInt8])
    /// A command is waiting for a decision.
    case held(HeldCommand)
    /// A held command was decided.
    case resolved(id: Int, outcome: String)
    /// Anything else worth a line (paused, resumed, another escort joined).
    case notice(String)
    /// The session is over.
    case ended(String)
}

/// A live session as listed for escorts.
public struct SessionSummary: Sendable, Codable, Equatable {
    public var id: String
    public var engineer: GatewayUser
    public var target: String
    public var impactLevel: String
    public var mode: SessionMode
    public var started: Date
    public var escorts: [String]
    public var paused: Bool
    public var held: HeldCommand?
    /// The engineer's terminal size when the session began (for watchers' terminals).
    public var columns: Int
    public var rows: Int

    public init(id: String, engineer: GatewayUser, target: String, impactLevel: String, mode: SessionMode,
                started: Date, escorts: [String], paused: Bool, held: HeldCommand?, columns: Int = 80, rows: Int = 24) {
        self.columns = columns
        self.rows = rows
        self.id = id
        self.engineer = engineer
        self.target = target
        self.impactLevel = impactLevel
        self.mode = mode
        self.started = started
        self.escorts = escorts
        self.paused = paused
        self.held = held
    }

    /// Whether the session waits for an escort to be present.
    public var waitingForEscort: Bool { mode == .escorted && escorts.isEmpty }
}

/// What the hub can ask of a live engineer session.
public protocol SessionControl: Sendable {
    /// Ends the session at an escort's request.
    func terminate(by: String, reason: String) async
    /// Tells the engineer something (paused, resumed, escort joined).
    func notify(_ message: String) async
    /// Whether a command is running on the target now (the gateway's shutdown waits for it).
    func isRunningCommand() async -> Bool
    /// Ends the session because the gateway stops, audited as ended with `reason`.
    func shutDown(reason: String) async
}

extension SessionControl {
    public func isRunningCommand() async -> Bool { false }
    public func shutDown(reason: String) async { await terminate(by: "gateway", reason: reason) }
}

/// Why a decision, attachment or other moderation request was not accepted, with a stable code.
public struct ModerationError: CodedError, Hashable {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The session is not live (ended, never existed, or just moved to this node).
        case noSession = "MOD-001"
        /// The request needs an attachment to the session that this escort does not have.
        case notAttached = "MOD-002"
        /// The engineer's own session or command: she can neither escort it nor approve it.
        case ownSession = "MOD-003"
        /// Nothing is waiting for a decision.
        case nothingHeld = "MOD-004"
        /// The decision names another hold or another card than the one waiting ("read it again").
        case cardChanged = "MOD-005"
        /// The card arrived within the settle time after this escort's last decision.
        case settling = "MOD-006"
        /// A high or critical hold needs its confirmation (the hold number, or the confirm step).
        case needsConfirmation = "MOD-007"
        /// A refusal needs a reason.
        case needsReason = "MOD-008"
        /// This person already approved; a second approver is needed.
        case alreadyApproved = "MOD-009"
        /// The gateway is stopping: nothing more runs.
        case stopping = "MOD-010"
        /// Another gateway node did not answer, or answered with an error it did not code.
        case otherNode = "MOD-011"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// An error relayed as text by another gateway node ("MOD-005: …"): its code is kept.
    public init(relayed text: String) {
        if let colon = text.range(of: ": "), let code = Code(rawValue: String(text[..<colon.lowerBound])) {
            self.init(code, String(text[colon.upperBound...]))
        } else {
            self.init(.otherNode, text)
        }
    }
}
