import Foundation

extension InteractiveProcess {
    /// As an escort in the SSH console: approves the held command whose card was drawn last, the
    /// way a person does it (`approve N`, and `confirm N` when the card asks for it), after the
    /// console's settle time. Only a card drawn after `after` (an offset in ``output``) counts.
    /// False if no card was drawn or the console refused.
    public func approveHeld(after: Int = 0, timeout: Double = 30) async -> Bool {
        guard await waitFor("Type: approve", after: after, timeout: timeout) else { return false }
        let text = output
        guard let r = text.range(of: "HELD #", options: .backwards) else { return false }
        let number = String(text[r.upperBound...].prefix { $0.isNumber })
        let cardEnd = text.range(of: "Type: approve \(number)", options: .backwards)
        guard !number.isEmpty, let cardEnd else { return false }
        let needsConfirm = text[cardEnd.upperBound...].prefix(40).contains("confirm")
        try? await Task.sleep(for: .milliseconds(1600))
        let mark = output.count
        send("approve \(number)\r")
        if needsConfirm {
            guard await waitFor("type: confirm \(number)", after: mark, timeout: timeout) else { return false }
            send("confirm \(number)\r")
        }
        return true
    }
}
