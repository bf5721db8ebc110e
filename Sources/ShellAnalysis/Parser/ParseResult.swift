/// Why an input could not be parsed.
public struct ParseFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The input is unfinished; more lines would complete it.
        case incomplete
        /// The input is not valid shell syntax.
        case syntaxError
        /// The input is over the size or nesting bound.
        case tooComplex
    }

    public var kind: Kind
    public var message: String
    /// UTF-8 byte offset where the problem was found.
    public var offset: Int

    public var description: String { "\(kind.rawValue) at byte \(offset): \(message)" }
}

/// Bounds that keep hostile input from exhausting the parser.
public struct ParserLimits: Sendable, Hashable {
    /// Largest input accepted, in bytes. Default 4 MiB.
    public var maxBytes: Int = 4 << 20
    /// Deepest nesting of commands, substitutions and quotes. Default 100.
    public var maxDepth: Int = 100
    /// Reading steps every analysis may take whatever its size (each command, loop turn or nested
    /// text read is a step). Past its budget an analysis stops and fails closed
    /// (``Analyser/couldNotFinish(_:)``). Default 250,000.
    public var maxSteps: Int = 250_000
    /// Further steps allowed per byte of input, so that long scripts are read in full. Default 64.
    public var stepsPerByte: Int = 64

    public init(maxBytes: Int = 4 << 20, maxDepth: Int = 100, maxSteps: Int = 250_000, stepsPerByte: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxSteps = maxSteps
        self.stepsPerByte = stepsPerByte
    }

    /// The step budget of an analysis of `byteCount` bytes.
    public func stepBudget(byteCount: Int) -> Int {
        let (perByte, o1) = stepsPerByte.multipliedReportingOverflow(by: max(0, byteCount))
        let (total, o2) = maxSteps.addingReportingOverflow(perByte)
        return o1 || o2 ? Int.max : total
    }
}

/// Parses POSIX sh and bash.
public enum ShellParser {
    /// Parses `source`, returning the tree or the reason it could not.
    public static func parse(_ source: String, limits: ParserLimits = ParserLimits()) -> Result<SyntaxTree, ParseFailure> {
        let bytes = Array(source.utf8)
        if bytes.count > limits.maxBytes {
            return .failure(ParseFailure(
                kind: .tooComplex,
                message: "input is \(bytes.count) bytes, over the \(limits.maxBytes)-byte bound",
                offset: limits.maxBytes))
        }
        var core = ParserCore(bytes: bytes, limits: limits)
        do {
            let script = try core.parseProgram()
            return .success(SyntaxTree(script: script, hereDocuments: core.hereDocuments))
        } catch let failure as ParseFailure {
            return .failure(failure)
        } catch {
            return .failure(ParseFailure(kind: .syntaxError, message: "\(error)", offset: 0))
        }
    }
}
