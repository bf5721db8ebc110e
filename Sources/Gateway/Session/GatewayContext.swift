import AuditLog
import Foundation
import ShellAnalysis

/// What every session shares: the analyser, the policy, the audit log, the moderation hub.
public struct GatewayContext: Sendable {
    public var analyser: Analyser
    public var authority: any GatewayAuthority
    public var audit: AuditLog
    public var hub: ModerationHub
    /// Where session recordings are written (one asciicast file per session).
    public var recordingsDirectory: String
    /// The most bytes read of a script file fetched from the target.
    public var scriptFetchLimit: Int = 1 << 20
    /// Bytes of each command's output written to the recording; the rest is counted and hashed.
    public var recordedOutputPerCommand: Int = 16 << 20
    /// This node's presence in a store shared with other nodes: sessions are recorded as open
    /// there so another node can end them if this one dies. Nil: not recorded (tests of one
    /// in-process gateway).
    public var presence: NodePresence?
    /// How often every open session is decided again from the registry (a revoked key, a
    /// disabled person, an expired ticket end it). Sessions are also checked before each
    /// command is forwarded and at the exact end of the ticket they run under.
    public var registryRecheckInterval: Duration = .seconds(5)

    public init(analyser: Analyser, authority: any GatewayAuthority, audit: AuditLog, hub: ModerationHub, recordingsDirectory: String) {
        self.analyser = analyser
        self.authority = authority
        self.audit = audit
        self.hub = hub
        self.recordingsDirectory = recordingsDirectory
    }
}

/// The engineer's side of a session: the SSH channel.
public protocol EngineerTerminal: Sendable {
    /// Sends output (standard output of the channel).
    func send(_ bytes: [UInt8]) async
    /// Sends a message on standard error (exec sessions) or inline (interactive ones).
    func sendError(_ bytes: [UInt8]) async
    /// Sends the exit status and closes the channel.
    func finish(exitStatus: Int32) async
}
