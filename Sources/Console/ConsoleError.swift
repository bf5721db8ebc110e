import EscortCore

/// An error of the web console (it could not listen, a password too weak), with a stable code.
public struct ConsoleError: CodedError, Hashable {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The console (or the operations endpoint) could not listen on its address.
        case cannotListen = "CON-001"
        /// A console password is too short.
        case weakPassword = "CON-002"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
