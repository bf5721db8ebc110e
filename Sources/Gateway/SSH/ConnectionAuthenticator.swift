import AuditLog
import NIOConcurrencyHelpers
import NIOCore
import NIOSSH

/// What one SSH connection has established: who authenticated, and what they asked for.
final class ConnectionState: Sendable {
    struct Value {
        var user: GatewayUser?
        var target: String?
        var console = false
        /// The store could not be asked who the key belongs to: the connection is let in only
        /// to be told so (see ``SessionChannelHandler``); nothing else runs on it.
        var storeUnreachable = false
    }

    let remoteAddress: String?
    let value = NIOLockedValueBox(Value())

    init(remoteAddress: String?) {
        self.remoteAddress = remoteAddress
    }
}

/// Public-key authentication against the personnel registry. The login name is the person's name,
/// optionally followed by `+TARGET` (`alice+db-il5`) or `+console`. One per connection: the
/// authenticated user is not handed to child channels by swift-nio-ssh, so it is kept here.
final class ConnectionAuthenticator: NIOSSHServerUserAuthenticationDelegate {
    let authority: any GatewayAuthority
    let audit: AuditLog
    let state: ConnectionState

    init(authority: any GatewayAuthority, audit: AuditLog, state: ConnectionState) {
        self.authority = authority
        self.audit = audit
        self.state = state
    }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        // swift-nio-ssh answers unsigned queries itself: this is a signed attempt.
        guard case .publicKey(let offer) = request.request else {
            responsePromise.succeed(.failure)
            return
        }
        let key = String(openSSHPublicKey: offer.publicKey)
        let (login, target, console) = Self.split(request.username)
        let authority = self.authority
        let audit = self.audit
        let state = self.state
        responsePromise.completeWithTask {
            let user: GatewayUser?
            do {
                user = try await authority.user(forKey: key)
                StoreReachability.shared.succeeded()
            } catch {
                // Without its store the gateway cannot tell who this is, nor audit a refusal.
                // "Permission denied (publickey)" would send the engineer to check a key that is
                // fine: the connection is accepted only to say what is wrong, and then closed.
                StoreReachability.shared.failed(error, during: "authentication")
                SecurityTelemetry.accessRefused(.storeUnreachable, person: login, target: target, detail: "the store could not be asked who the key belongs to", source: state.remoteAddress)
                state.value.withLockedValue { $0.storeUnreachable = true }
                return .success
            }
            guard let user, user.name == login else {
                let reason = user == nil ? "the key is not registered to anyone" : "the key belongs to \(user!.name), not \(login)"
                _ = try? await audit.append(AuditEvent(
                    code: .accessDecided, actor: login,
                    fields: ["decision": "refused", "stage": "authentication", "reasons": [.string(reason)],
                             "key": .string(String(key.prefix(120))), "source": state.remoteAddress.map { .string($0) } ?? .null]))
                SecurityTelemetry.accessRefused(.unknownKey, person: login, target: target, detail: reason, source: state.remoteAddress)
                return .failure
            }
            state.value.withLockedValue {
                $0.user = user
                $0.target = target
                $0.console = console
            }
            return .success
        }
    }

    /// `alice+db-il5` → ("alice", "db-il5", false); `bob+console` → ("bob", nil, true).
    static func split(_ username: String) -> (String, String?, Bool) {
        guard let plus = username.firstIndex(of: "+") else { return (username, nil, false) }
        let rest = String(username[username.index(after: plus)...])
        let login = String(username[..<plus])
        if rest == "console" { return (login, nil, true) }
        return (login, rest.isEmpty ? nil : rest, false)
    }
}
