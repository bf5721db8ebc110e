/// An error the console shows as it is (bad input, refused action).
public struct ConsoleError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
