import EscortCore
import Foundation

/// A value in an event's fields: any JSON value except floats (which have no canonical form).
public typealias AuditValue = JSONValue

/// Something that happened, before it is written: the gateway builds these and appends them.
public struct AuditEvent: Sendable, Hashable {
    /// What kind of event this is.
    public var code: AuditEventCode
    /// The session it belongs to, if any.
    public var session: String?
    /// The person (or `system`) who did it, if any.
    public var actor: String?
    /// When it happened.
    public var time: Date
    /// Event-specific details. Integers, strings, booleans, null, arrays and objects only.
    public var fields: [String: AuditValue]

    public init(
        code: AuditEventCode, session: String? = nil, actor: String? = nil,
        time: Date = Date(), fields: [String: AuditValue] = [:]
    ) {
        self.code = code
        self.session = session
        self.actor = actor
        self.time = time
        self.fields = fields
    }
}

extension AuditEvent {
    /// The event to append when a session recording is closed, binding its SHA-256 into the log.
    public static func recordingClosed(
        session: String?, path: String, sha256: String, bytes: Int64, time: Date = Date()
    ) -> AuditEvent {
        AuditEvent(
            code: .recordingClosed, session: session, actor: "system", time: time,
            fields: ["path": .string(path), "sha256": .string(sha256), "bytes": .integer(bytes)])
    }
}

extension AuditEvent {
    /// The event to append after verifying the log (e.g. from the console or a report job).
    public static func verificationRun(
        _ result: Result<VerifiedAuditChain, AuditVerificationFailure>, actor: String?, time: Date = Date()
    ) -> AuditEvent {
        switch result {
        case .success(let chain):
            return AuditEvent(
                code: .verificationRun, actor: actor, time: time,
                fields: [
                    "result": "verified", "tree_size": .integer(chain.size), "root": .string(chain.root.hex),
                    "unsigned_records": .integer(chain.unsignedRecords), "key_pinned": .bool(chain.keyWasPinned),
                ])
        case .failure(let f):
            return AuditEvent(
                code: .verificationRun, actor: actor, time: time,
                fields: ["result": "failed", "kind": .string(f.kind.rawValue), "record": .integer(f.record), "message": .string(f.message)])
        }
    }
}
