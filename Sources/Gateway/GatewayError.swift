/// Errors from the gateway, with stable codes and a message an operator can act on.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The target could not be reached or its shell could not be started.
        case targetUnavailable = "GW-001"
        /// A key or host-key file is missing or malformed.
        case badKey = "GW-002"
        /// The gateway could not listen or was misconfigured.
        case configuration = "GW-003"
        /// The audit log could not record a decision: nothing was forwarded.
        case auditUnavailable = "GW-004"
        /// A registry or policy lookup failed: access refused.
        case policyUnavailable = "GW-005"
        /// The target runs no escort-agent, or it could not be started.
        case agentUnavailable = "GW-006"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
