import AuditLog
import EscortCore
import EscortTesting
import Foundation
import StoreSQLite
import Testing

/// The web console in headless Chromium against `escort demo`, with the engineer on the stock
/// OpenSSH client: the escort signs in through the browser, sees the held command explained,
/// approves it, and the output reaches both the browser's terminal and the engineer; a command
/// the escort refuses never reaches the target. Saves screenshots of the queue and the session
/// view under `.build/console-screenshots/` (the copies in docs/ come from there).
@Suite(.serialized)
struct BrowserEndToEndTests {
    static let root = Corpora.packageRoot(from: #filePath)

    @Test(.enabled(if: GatewayEndToEndTests.available))
    func escortApprovesAndRefusesFromTheBrowser() async throws {
        let demo = try await GatewayEndToEndTests.Demo()
        let browser: Browser
        do { browser = try await Browser.start(packageRoot: Self.root) } catch {
            _ = await demo.stop()
            Issue.record("\(error)")
            return
        }
        let shots = Self.root.appendingPathComponent(".build/console-screenshots").path
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let web = try #require(demo.webURL, "the demo printed no web console address: \(demo.process.output)")

        // The foreign engineer abroad opens an escorted session and waits for an escort.
        let priya = try demo.ssh("priya+db-il5", key: "priya", tty: true)
        #expect(await priya.waitFor("escorted session"), "\(priya.output) \(priya.errorOutput)")

        // A wrong password is refused; the demo escort's password lets him in.
        _ = await browser.get(web + "login")
        _ = await browser.fill("#name", "bob")
        _ = await browser.fill("#password", "not-bobs-password")
        _ = await browser.click("#signin")
        #expect(await browser.wait(".error", shows: "").text != nil, "a wrong password should show an error")
        _ = await browser.fill("#name", "bob")
        _ = await browser.fill("#password", "bob-escort-demo")
        _ = await browser.click("#signin")

        // The queue lists her session, waiting for an escort.
        let queue = await browser.wait("#queue", shows: "priya")
        #expect(queue.text?.contains("db-il5") == true, "queue: \(queue)")
        #expect(queue.text?.contains("IL5") == true, "queue: \(queue)")
        _ = await browser.screenshot(shots + "/queue.png")

        // He opens it: the engineer is told an escort joined.
        let mark0 = priya.output.count
        #expect(await browser.click("#queue a.open").text != nil)
        #expect(await browser.wait("#status", shows: "Watching as escort").text != nil)
        #expect(await priya.waitFor("joined", after: mark0), "\(priya.output)")
        let facts = await browser.text("dl.facts")
        #expect(facts.text?.contains("IN") == true, "the engineer's citizenship is shown: \(facts)")

        // A risky command is held; the card explains it in plain words, with the ATT&CK technique.
        var mark = priya.output.count
        priya.send("cat /etc/shadow | head -1\r")
        #expect(await priya.waitFor("held for an escort", after: mark), "\(priya.output)")
        let card = await browser.wait("#held", shows: "/etc/shadow")
        #expect(card.text?.contains("HIGH RISK") == true, "risk in words: \(card)")
        #expect(card.text?.contains("hashed passwords") == true, "plain-English explanation: \(card)")
        #expect(card.text?.contains("T1003.008") == true, "ATT&CK technique: \(card)")
        let risky = await browser.text("#held pre.command mark")
        #expect(risky.text?.contains("/etc/shadow") == true, "the risky part is highlighted: \(risky)")
        _ = await browser.screenshot(shots + "/session.png")

        // One key never approves a high-risk command: A opens a confirm step naming the hold, and
        // A again (after its short settle) approves it.
        let cardText = card.text ?? ""
        let number = cardText.range(of: "Held command #").map { r in String(cardText[r.upperBound...].prefix { c in c.isNumber }) } ?? ""
        #expect(!number.isEmpty, "the card names its hold: \(card)")
        try await Task.sleep(for: .milliseconds(1600))
        _ = await browser.key("a")
        #expect(await browser.wait("#confirm-step", shows: "Approve hold #\(number)").text != nil)
        #expect(await !priya.waitFor("approved by bob", after: mark, timeout: 1), "one key approved a high-risk command: \(priya.output)")
        _ = await browser.key("a")
        #expect(await priya.waitFor("approved by bob", after: mark), "\(priya.output)")
        #expect(await priya.waitFor("root:", after: mark), "\(priya.output)")
        let terminal = await browser.wait("#terminal", shows: "root:")
        if terminal.text == nil { Issue.record("the browser's terminal does not show the output: \(terminal); console: \(await browser.run("logs"))") }
        #expect(await browser.wait("#card-slot", shows: "No command is waiting").text != nil)

        // A refusal needs a reason; the refused command never runs.
        let leak = demo.dir.file("leak")
        mark = priya.output.count
        priya.send("head -1 /etc/shadow > \(leak)\r")
        #expect(await priya.waitFor("held for an escort", after: mark), "\(priya.output)")
        #expect(await browser.wait("#held", shows: "leak").text != nil)
        try await Task.sleep(for: .milliseconds(1600))
        _ = await browser.click("#refuse")
        #expect(await browser.wait("#status", shows: "needs a reason").text != nil, "an empty reason is not accepted")
        _ = await browser.fill("#reason", "no reason to copy the password hashes")
        _ = await browser.click("#refuse")
        #expect(await priya.waitFor("refused by bob", after: mark), "\(priya.output)")
        #expect(await browser.wait("#notices", shows: "refused").text != nil)
        #expect(!FileManager.default.fileExists(atPath: leak), "a refused command reached the target")

        await browser.quit()
        priya.send("exit\r")
        _ = await priya.waitForExit()
        #expect(await demo.stop() == 0)

        // The audit log holds both decisions, made in the web console.
        let store = try SQLiteAuditStore(path: demo.dir.file("escort.sqlite"), create: false)
        var byCode: [String: [[String: JSONValue]]] = [:]
        var actors: [String: [String]] = [:]
        for r in try await store.auditRecords(from: 1, limit: 100_000) {
            let o = try JSONParser.parse(r.body).objectValue ?? [:]
            byCode[o["code"]?.stringValue ?? "", default: []].append(o["fields"]?.objectValue ?? [:])
            actors[o["code"]?.stringValue ?? "", default: []].append(o["actor"]?.stringValue ?? "")
        }
        // The escort who decided is the actor of the decision's record, not the engineer.
        #expect(actors[AuditEventCode.commandApproved.code] == ["bob"], "\(actors)")
        #expect(actors[AuditEventCode.commandRefused.code]?.contains("bob") == true, "\(actors)")
        #expect((byCode[AuditEventCode.commandApproved.code] ?? []).contains { $0["approved_by"] == ["bob"] })
        let refusals = byCode[AuditEventCode.commandRefused.code] ?? []
        #expect(refusals.contains { $0["by"] == "bob" && $0["reason"] == "no reason to copy the password hashes" }, "\(refusals)")
        let forwarded = (byCode[AuditEventCode.commandForwarded.code] ?? []).compactMap { $0["command"]?.stringValue }
        #expect(!forwarded.contains { $0.contains(leak) })
        #expect(!(byCode[AuditEventCode.consoleSignedIn.code] ?? []).isEmpty, "the sign-in is audited")
        #expect(!(byCode[AuditEventCode.consoleSignInRefused.code] ?? []).isEmpty, "the wrong password is audited")
    }
}
