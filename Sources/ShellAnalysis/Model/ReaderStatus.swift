/// How far a reader (sh, PowerShell or cmd) got through its input.
public enum ReaderStatus: Sendable, Hashable {
    case complete
    case incomplete(String)
    case syntaxError(String)
    case tooComplex(String)
}
