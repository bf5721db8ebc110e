/// Decides which keystrokes may be written to a recording.
///
/// Input is withheld while the caller says the terminal is not echoing, and — because over SSH
/// the gateway cannot always see the target's terminal modes — after output that ends in a
/// password-like prompt (`Password:`, `[sudo] password for alice:`, `Enter passphrase for key:`,
/// `PIN:`, `token:`) until the next Enter.
public struct SecretInputFilter: Sendable {
    private var lastLine: [UInt8] = []
    /// Whether input is currently being withheld because of a prompt.
    public private(set) var atSecretPrompt = false

    public init() {}

    static let promptWords = ["password", "passphrase", "passcode", "pin", "token", "secret", "otp"]

    /// Watches terminal output for prompts.
    public mutating func observeOutput(_ bytes: [UInt8]) {
        for b in bytes {
            if b == 0x0A || b == 0x0D {
                lastLine.removeAll(keepingCapacity: true)
            } else {
                lastLine.append(b)
                if lastLine.count > 256 { lastLine.removeFirst(lastLine.count - 256) }
            }
        }
        let text = String(decoding: lastLine, as: UTF8.self).lowercased()
        let trimmed = text.trimmingTrailingSpaces()
        if trimmed.hasSuffix(":"), Self.promptWords.contains(where: { trimmed.contains($0) }) {
            atSecretPrompt = true
        }
    }

    /// Returns the part of `bytes` that may be recorded (empty while withholding), and whether
    /// anything was withheld.
    public mutating func filterInput(_ bytes: [UInt8], echo: Bool) -> (recordable: [UInt8], withheld: Bool) {
        guard echo else { return ([], !bytes.isEmpty) }
        guard atSecretPrompt else { return (bytes, false) }
        if let end = bytes.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) {
            atSecretPrompt = false
            lastLine.removeAll()
            // Keep the Enter itself and anything after it.
            return (Array(bytes[end...]), end > 0)
        }
        return ([], !bytes.isEmpty)
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
