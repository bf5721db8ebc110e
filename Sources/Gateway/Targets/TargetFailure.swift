import Crypto
import Foundation
import Logging
import NIOSSH

/// A target presented a host key other than the one pinned in the registry: possibly someone in
/// the middle, possibly a rebuilt target whose new key must be re-pinned.
public struct HostKeyMismatch: Error, Sendable, CustomStringConvertible {
    /// The key the target presented, as `ssh-keygen -l` prints it (`SHA256:…`).
    public var presented: String
    /// The pinned key's fingerprint.
    public var pinned: String

    public var description: String {
        "\(GatewayError.Code.targetUnavailable.rawValue): the target's host key is not the pinned one (possible interception): it presented \(presented), the registry pins \(pinned)"
    }

    /// `SHA256:` and the unpadded base64 of the SHA-256 of the key blob (OpenSSH's fingerprint).
    static func fingerprint(_ key: NIOSSHPublicKey) -> String {
        let parts = String(openSSHPublicKey: key).split(separator: " ")
        guard parts.count >= 2, let blob = Data(base64Encoded: String(parts[1])) else { return "an unreadable key" }
        return "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}

/// The gateway could not read its own credential for a target (a missing file, wrong owner or
/// mode, a key it cannot use).
public struct TargetCredentialUnreadable: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var detail: String

    public var description: String { "\(GatewayError.Code.badKey.rawValue): the gateway cannot use its key for the target (\(path)): \(detail)" }
}

/// What a target that could not be opened means, for the engineer (no networking library's
/// internals, no path on the gateway) and for the operators (everything, at warning or above).
enum TargetFailure {
    static func engineerMessage(_ error: any Error, target: String) -> String {
        switch error {
        case let e as HostKeyMismatch:
            return "Target \(target) presented a host key that is not the one registered for it (it presented \(e.presented)); the gateway did not connect, in case someone is in the middle. Tell the security officer: if the target was rebuilt, its new key must be re-pinned."
        case is TargetCredentialUnreadable:
            return "Target \(target) is unavailable: the gateway cannot use its credential for it. Tell the gateway's operators."
        case let e as GatewayError where e.code == .agentUnavailable:
            // The gateway's own sentence (the impact level's rule, the target), no library's.
            return "Target \(target) is unavailable: \(e.message). Tell the gateway's operators."
        default:
            return "Target \(target) is unavailable: the gateway could not reach it or open a shell on it. Try again later, or tell the gateway's operators."
        }
    }

    static func report(_ error: any Error, target: String, session: String) {
        let metadata: [String: Logger.MetadataValue] = ["target": "\(target)", "session": "\(session)", "error": "\(error)"]
        switch error {
        case let e as HostKeyMismatch:
            var m = metadata
            m["presented"] = "\(e.presented)"
            m["pinned"] = "\(e.pinned)"
            SecurityTelemetry.record(.hostKeyMismatch, "a target presented a host key other than the pinned one", m)
        case is TargetCredentialUnreadable:
            SecurityTelemetry.record(.credentialUnreadable, "the gateway cannot read its credential for a target", metadata)
        default:
            SecurityTelemetry.record(.targetUnreachable, "a target is unavailable", metadata)
        }
    }
}
