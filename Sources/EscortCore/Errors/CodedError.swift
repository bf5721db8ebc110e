/// The shape every module's error shares: a stable code that never changes meaning once released,
/// and a message an operator or escort can act on, shown together as "CODE: message".
public protocol CodedError: Error, Sendable, CustomStringConvertible {
    associatedtype Code: RawRepresentable & Sendable where Code.RawValue == String
    var code: Code { get }
    var message: String { get }
}

extension CodedError {
    public var description: String { "\(code.rawValue): \(message)" }
}
