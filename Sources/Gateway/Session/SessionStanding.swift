import Foundation

/// An open session, as the registry re-check sees it.
public struct LiveSession: Sendable {
    public var user: GatewayUser
    public var target: GatewayTarget
    public var mode: SessionMode
    public var source: String?
    /// When the session was allowed.
    public var started: Date
    /// The escorts watching it, by login.
    public var escorts: [String]

    public init(user: GatewayUser, target: GatewayTarget, mode: SessionMode, source: String?, started: Date, escorts: [String]) {
        self.user = user
        self.target = target
        self.mode = mode
        self.source = source
        self.started = started
        self.escorts = escorts
    }
}

/// Whether an open session may go on, by the registry as it is now.
public struct SessionStanding: Sendable {
    /// nil: the session may go on; else why it must end, in one sentence the engineer reads.
    public var ended: String?
    /// The policy's reasons, for the audit record.
    public var reasons: [String]
    /// The first moment the answer may change without any registry change (the end of the
    /// ticket the session runs under, an escort's training expiring): checked again then.
    public var recheckBy: Date?
    /// Escorts watching the session who may no longer escort it, with why.
    public var ineligibleEscorts: [String: String]

    public init(ended: String? = nil, reasons: [String] = [], recheckBy: Date? = nil, ineligibleEscorts: [String: String] = [:]) {
        self.ended = ended
        self.reasons = reasons
        self.recheckBy = recheckBy
        self.ineligibleEscorts = ineligibleEscorts
    }

    /// The session goes on; nothing to watch for.
    public static let allowed = SessionStanding()
}
