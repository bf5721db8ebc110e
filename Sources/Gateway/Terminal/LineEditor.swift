/// Escort's own line editor: collects the engineer's keystrokes into one complete command.
///
/// The target's shell never sees a keystroke while the editor is collecting: the editor echoes
/// (converting newlines to `\r\n`), handles erase and kill, swallows cursor-key escape sequences,
/// and asks ``completeness`` whether the text so far is a complete command, merely unfinished
/// (an open quote, a trailing `\`, a here-document waiting for its delimiter: ask for more), or
/// not valid syntax. A multi-line paste therefore becomes separate commands, one per Enter that
/// completes one.
public struct LineEditor: Sendable {
    /// What the editor asks of the text so far.
    public enum Completeness: Sendable { case complete, incomplete, invalid(String) }

    /// What a keystroke led to.
    public enum Event: Sendable, Equatable {
        /// Bytes to show the engineer.
        case echo([UInt8])
        /// A complete command (without its final newline).
        case submit(String)
        /// Text that is not valid shell syntax, with the parser's reason.
        case invalid(String, reason: String)
        /// Ctrl-C: the line was discarded.
        case cancelled
        /// Ctrl-D on an empty line: the engineer is done.
        case endOfInput
    }

    let completeness: @Sendable (String) -> Completeness
    /// The lines of an unfinished command, before the current one.
    var previous: [String] = []
    var line: [UInt8] = []
    var escape: EscapeState = .none
    var lastWasCR = false

    enum EscapeState: Sendable { case none, start, csi, ss3 }

    /// The prompt shown for a continuation line.
    public static let continuation: [UInt8] = Array("> ".utf8)

    public init(completeness: @escaping @Sendable (String) -> Completeness) {
        self.completeness = completeness
    }

    /// Whether a command has been started but not submitted.
    public var isEmpty: Bool { previous.isEmpty && line.isEmpty }

    /// Feeds one byte. At most one `submit`/`invalid`/`endOfInput` results; the caller stops
    /// feeding after one and keeps the rest of the input for later.
    public mutating func feed(_ byte: UInt8) -> [Event] {
        switch escape {
        case .start:
            escape = byte == UInt8(ascii: "[") ? .csi : (byte == UInt8(ascii: "O") ? .ss3 : .none)
            return []
        case .csi:
            if (0x40...0x7E).contains(byte) { escape = .none }
            return []
        case .ss3:
            escape = .none
            return []
        case .none:
            break
        }
        let wasCR = lastWasCR
        lastWasCR = byte == 0x0D
        switch byte {
        case 0x1B:
            escape = .start
            return []
        case 0x0D:
            return enter()
        case 0x0A:
            return wasCR ? [] : enter()
        case 0x7F, 0x08:
            guard !line.isEmpty else { return [] }
            // Remove one UTF-8 character.
            var removed = line.removeLast()
            while removed & 0xC0 == 0x80, !line.isEmpty { removed = line.removeLast() }
            return [.echo([0x08, 0x20, 0x08])]
        case 0x15: // Ctrl-U
            let count = String(decoding: line, as: UTF8.self).count
            line = []
            return [.echo(Array(repeating: 0x08, count: count) + Array(repeating: 0x20, count: count) + Array(repeating: 0x08, count: count))]
        case 0x03: // Ctrl-C
            previous = []
            line = []
            return [.echo(Array("^C\r\n".utf8)), .cancelled]
        case 0x04: // Ctrl-D
            return isEmpty ? [.endOfInput] : []
        case 0x09:
            line.append(byte)
            return [.echo([0x20])]
        default:
            if byte < 0x20 { return [] }
            line.append(byte)
            return [.echo([byte])]
        }
    }

    mutating func enter() -> [Event] {
        let current = String(decoding: line, as: UTF8.self)
        line = []
        let text = (previous + [current]).joined(separator: "\n")
        if previous.isEmpty, current.allSatisfy({ $0 == " " || $0 == "\t" }) {
            return [.echo([0x0D, 0x0A]), .submit("")]
        }
        switch completeness(text + "\n") {
        case .complete:
            previous = []
            return [.echo([0x0D, 0x0A]), .submit(text)]
        case .incomplete:
            previous.append(current)
            return [.echo([0x0D, 0x0A] + Self.continuation)]
        case .invalid(let reason):
            previous = []
            return [.echo([0x0D, 0x0A]), .invalid(text, reason: reason)]
        }
    }
}
