/// The catalogue of audit events: every kind of record the gateway writes, with a stable code.
///
/// Codes never change meaning once released; new events take new codes. The same table is in
/// `docs/event-codes.md` (a test checks the two agree). Ranges: 1xxx sessions and people,
/// 2xxx commands, 3xxx configuration, 4xxx reports and verification, 5xxx recordings,
/// 9xxx the audit log itself.
public enum AuditEventCode: String, Sendable, Hashable, CaseIterable, Codable {
    // Sessions and people
    case sessionStarted = "ESC-1001"
    case sessionEnded = "ESC-1002"
    case accessDecided = "ESC-1003"
    case sessionPaused = "ESC-1010"
    case sessionResumed = "ESC-1011"
    case sessionKilled = "ESC-1012"
    case sessionRevoked = "ESC-1013"
    case escortAttached = "ESC-1020"
    case escortDetached = "ESC-1021"
    case consoleSignedIn = "ESC-1030"
    case consoleSignInRefused = "ESC-1031"
    // Commands
    case commandSubmitted = "ESC-2001"
    case commandAnalysed = "ESC-2002"
    case commandHeld = "ESC-2003"
    case commandApproved = "ESC-2004"
    case commandRefused = "ESC-2005"
    case commandForwarded = "ESC-2006"
    case commandFinished = "ESC-2007"
    // Program starts inside a session under escort-agent
    case execAllowed = "ESC-2101"
    case execHeld = "ESC-2102"
    case execRefused = "ESC-2103"
    case execMismatch = "ESC-2104"
    // Configuration
    case policyChanged = "ESC-3001"
    case registryChanged = "ESC-3002"
    // Reports and verification
    case reportGenerated = "ESC-4001"
    case verificationRun = "ESC-4002"
    // Recordings
    case recordingClosed = "ESC-5001"
    // The audit log itself
    case auditLogOpened = "ESC-9001"
    case auditLogClosed = "ESC-9002"
    case keyCertified = "ESC-9010"
    case checkpointTimestamped = "ESC-9011"

    /// The stable code, e.g. `ESC-1001`.
    public var code: String { rawValue }

    /// The dotted event name, e.g. `session.started`.
    public var name: String {
        switch self {
        case .sessionStarted: "session.started"
        case .sessionEnded: "session.ended"
        case .accessDecided: "access.decided"
        case .sessionPaused: "session.paused"
        case .sessionResumed: "session.resumed"
        case .sessionKilled: "session.killed"
        case .sessionRevoked: "session.revoked"
        case .escortAttached: "escort.attached"
        case .escortDetached: "escort.detached"
        case .consoleSignedIn: "console.signed_in"
        case .consoleSignInRefused: "console.sign_in_refused"
        case .commandSubmitted: "command.submitted"
        case .commandAnalysed: "command.analysed"
        case .commandHeld: "command.held"
        case .commandApproved: "command.approved"
        case .commandRefused: "command.refused"
        case .commandForwarded: "command.forwarded"
        case .commandFinished: "command.finished"
        case .execAllowed: "exec.allowed"
        case .execHeld: "exec.held"
        case .execRefused: "exec.refused"
        case .execMismatch: "exec.mismatch"
        case .policyChanged: "policy.changed"
        case .registryChanged: "registry.changed"
        case .reportGenerated: "report.generated"
        case .verificationRun: "audit.verified"
        case .recordingClosed: "recording.closed"
        case .auditLogOpened: "audit.opened"
        case .auditLogClosed: "audit.closed"
        case .keyCertified: "audit.key_certified"
        case .checkpointTimestamped: "audit.timestamped"
        }
    }

    /// How much attention a reader of the log should pay to the event.
    public var severity: AuditSeverity {
        switch self {
        case .commandRefused, .sessionKilled, .sessionRevoked, .policyChanged, .registryChanged, .keyCertified, .consoleSignInRefused, .execRefused, .execMismatch: .warning
        case .accessDecided, .commandHeld, .execHeld: .notice
        default: .info
        }
    }

    /// What the event records, in a sentence (used in the docs and reports).
    public var summary: String {
        switch self {
        case .sessionStarted: "An engineer's session to a target began (fields include the gateway node)."
        case .sessionEnded: "A session ended (fields: reason; node and ended_by when another gateway node ended the session of one that died)."
        case .accessDecided: "The access decision at connect time: direct, escorted or denied, with its reason."
        case .sessionPaused: "An escort paused a session."
        case .sessionResumed: "An escort resumed a paused session."
        case .sessionKilled: "An escort or admin ended a session."
        case .sessionRevoked: "The registry no longer allows an open session (a key revoked, a person or target disabled or removed, a ticket expired or revoked, a clearance, training or location changed), so the gateway ended it (actor: system; fields: reason, the policy's reasons); session.ended follows."
        case .escortAttached: "An escort began watching a session."
        case .escortDetached: "An escort stopped watching a session."
        case .consoleSignedIn: "Someone signed in to the web console (fields: source, second_factor)."
        case .consoleSignInRefused: "A web-console sign-in was refused (fields: source, reason)."
        case .commandSubmitted: "The engineer submitted a complete command line."
        case .commandAnalysed: "The analyser's findings and risk for a command."
        case .commandHeld: "Policy held a command for an escort (and perhaps a technical reviewer)."
        case .commandApproved: "A held command was approved (actor: the escort or reviewer who approved first; fields: `approved_by`, everyone who approved)."
        case .commandRefused: "A person or the policy refused a command (actor: the escort who refused; the engineer when the policy refused or she withdrew it; fields: `by`, `reason`)."
        case .commandForwarded: "A command was sent to the target. Written before it is sent."
        case .commandFinished: "A command finished on the target (fields: exit status)."
        case .execAllowed: "A program start in the session's process tree ran (fields: n, the command that caused it; the file, its SHA-256, argv, the kernel's cwd, parents; basis)."
        case .execHeld: "A program start that is not part of the decided command waits for an escort (the process waits)."
        case .execRefused: "A program start was refused (actor: who; fields: reason); the program got EPERM."
        case .execMismatch: "What the kernel executed was not what was decided (another thread or a replaced file); the process was killed."
        case .policyChanged: "The policy file changed (fields: old and new SHA-256)."
        case .registryChanged: "The personnel or target registry changed (fields: action, and the person, target or ticket; keys as fingerprints)."
        case .reportGenerated: "A report was generated from the log."
        case .verificationRun: "The audit log was verified (fields: result, tree size)."
        case .recordingClosed: "A session recording was closed (fields: path, sha256, bytes)."
        case .auditLogOpened: "The gateway opened the audit log."
        case .auditLogClosed: "The gateway closed the audit log (a signed checkpoint follows)."
        case .checkpointTimestamped: "A time-stamping authority's RFC 3161 token on a checkpoint (fields: tree_size, checkpoint_sha256, the imprint: SHA-256 of the checkpoint's export line; tsa, tsa_time, token: base64 DER)."
        case .keyCertified: "A trust root certified a node's checkpoint-signing key for a window (fields: name, key, fingerprint, root_fingerprint, not_before, not_after, certification, signature)."
        }
    }

    /// Looks up a code such as `ESC-2006`.
    public init?(code: String) { self.init(rawValue: code) }
}

/// The severity of an audit event.
public enum AuditSeverity: String, Sendable, Hashable, CaseIterable, Codable {
    case info, notice, warning
}
