/// The shell-integration marker: the target's shell prints it as its prompt, so the gateway knows
/// when a command has finished, its exit status and the shell's working directory.
///
/// The marker is an OSC sequence carrying a per-session secret nonce:
/// `ESC ] 777 ; escort ; NONCE ; STATUS ; PWD BEL`. ``MarkerScanner`` removes every marker from
/// the output and redacts the nonce wherever else it appears, so an engineer cannot learn it by
/// printing `$PS1` and forge "command finished".
public struct ShellIntegration: Sendable {
    /// The per-session secret (32 hex digits).
    public let nonce: String

    public init(nonce: String) {
        self.nonce = nonce
    }

    /// A fresh integration with a random nonce.
    public static func random() -> ShellIntegration {
        var g = SystemRandomNumberGenerator()
        let hex = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &g), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        return ShellIntegration(nonce: hex)
    }

    /// What the gateway sends the target's shell first: no continuation prompt, no prompt
    /// command, history off, and the marker as the prompt. Its output is discarded up to the
    /// first marker.
    public var setupCommand: String {
        " unset PROMPT_COMMAND; HISTFILE=/dev/null; PS2=''; PS1='\\[\\e]777;escort;\(nonce);$?;${PWD}\\a\\]'\n"
    }

    /// The bytes every marker starts with.
    var prefix: [UInt8] { Array("\u{1B}]777;escort;\(nonce);".utf8) }
}

/// What the scanner found in the target's output.
public enum ShellOutputEvent: Sendable, Equatable {
    /// Output for the engineer, the watchers and the recording (markers removed, nonce redacted).
    case output([UInt8])
    /// The shell printed its prompt: the previous command finished.
    case finished(status: Int32, directory: String)
}

/// Splits the target's output into plain output and command-finished markers. Streaming: a
/// marker split across reads is recognised; bytes that might begin one are held back until the
/// next read decides.
public struct MarkerScanner: Sendable {
    let prefix: [UInt8]
    let nonce: [UInt8]
    var pending: [UInt8] = []
    static let redacted = Array("[escort-nonce]".utf8)
    /// The longest a marker may be before it is treated as plain output (bounds memory).
    static let maxMarker = 8192

    public init(integration: ShellIntegration) {
        prefix = integration.prefix
        nonce = Array(integration.nonce.utf8)
    }

    /// Feeds one read of output.
    public mutating func feed(_ bytes: [UInt8]) -> [ShellOutputEvent] {
        // Most reads hold neither ESC nor the nonce's first byte: passed on as they are.
        if pending.isEmpty, firstSpecial(in: bytes, from: 0) == bytes.count {
            return bytes.isEmpty ? [] : [.output(bytes)]
        }
        pending += bytes
        var events: [ShellOutputEvent] = []
        var out: [UInt8] = []
        var i = 0
        let n = pending.count
        scan: while i < n {
            // Copy the run up to the next byte that may begin a marker or the nonce.
            let next = firstSpecial(in: pending, from: i)
            if next > i {
                out.append(contentsOf: pending[i..<next])
                i = next
                if i == n { break }
            }
            let b = pending[i]
            if b == 0x1B {
                switch matchMarker(at: i) {
                case .partial:
                    break scan
                case .marker(let status, let directory, let end):
                    if !out.isEmpty { events.append(.output(out)); out = [] }
                    events.append(.finished(status: status, directory: directory))
                    i = end
                    continue
                case .none:
                    break
                }
            }
            if b == nonce[0] {
                switch matchNonce(at: i) {
                case .partial: break scan
                case .full:
                    out += Self.redacted
                    i += nonce.count
                    continue
                case .none: break
                }
            }
            out.append(b)
            i += 1
        }
        pending.removeFirst(i)
        if !out.isEmpty { events.append(.output(out)) }
        return events
    }

    /// The index of the first ESC or nonce-initial byte at or after `from` (`bytes.count` if none).
    func firstSpecial(in bytes: [UInt8], from: Int) -> Int {
        let first = nonce[0]
        return bytes.withUnsafeBufferPointer { buffer in
            var i = from
            while i < buffer.count {
                let b = buffer[i]
                if b == 0x1B || b == first { return i }
                i += 1
            }
            return buffer.count
        }
    }

    enum MarkerMatch { case none, partial, marker(Int32, String, Int) }
    enum NonceMatch { case none, partial, full }

    func matchNonce(at i: Int) -> NonceMatch {
        var k = 0
        while k < nonce.count {
            if i + k >= pending.count { return .partial }
            if pending[i + k] != nonce[k] { return .none }
            k += 1
        }
        return .full
    }

    func matchMarker(at i: Int) -> MarkerMatch {
        var k = 0
        while k < prefix.count {
            if i + k >= pending.count { return .partial }
            if pending[i + k] != prefix[k] { return .none }
            k += 1
        }
        var j = i + prefix.count
        var fields: [UInt8] = []
        while j < pending.count, pending[j] != 0x07 {
            fields.append(pending[j])
            j += 1
            if fields.count > Self.maxMarker { return .none }
        }
        if j >= pending.count { return .partial }
        let text = String(decoding: fields, as: UTF8.self)
        guard let semi = text.firstIndex(of: ";"), let status = Int32(text[..<semi]) else { return .none }
        return .marker(status, String(text[text.index(after: semi)...]), j + 1)
    }
}
