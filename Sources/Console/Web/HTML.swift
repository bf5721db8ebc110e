import EscortCore
import Foundation
import Gateway
import ShellAnalysis

/// Server-rendered pages: every value escaped, no inline script or style (the CSP forbids them).
enum HTML {
    static func escape(_ s: String) -> String { HTMLText.escape(s) }

    static func page(_ title: String, identity: WebIdentity?, body: String) -> String {
        var nav = ""
        if let identity {
            nav = """
            <nav><a href="/">Queue</a> <a href="/training">Training</a>
            \(identity.user.roles.contains(.admin) ? #"<a href="/replay">Replay</a> <a href="/admin">Admin</a> <a href="/evidence">Evidence</a>"# : "")
            <span class="who">\(escape(identity.user.displayName)) (\(escape(identity.user.name)))</span>
            <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="\(identity.csrf)"><button type="submit">Sign out</button></form></nav>
            """
        }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) — Escort</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        \(identity.map { #"<meta name="csrf" content="\#($0.csrf)">"# } ?? "")
        <link rel="stylesheet" href="/assets/console.css">
        <link rel="stylesheet" href="/vendor/asciinema-player.css">
        <script src="/vendor/asciinema-player.min.js" defer></script>
        <script src="/assets/console.js" defer></script>
        </head><body>
        <header><h1>Escort</h1>\(nav)</header>
        <main>\(body)</main>
        </body></html>
        """
    }

    /// The command with the parts the analyser found risky marked (its source ranges are UTF-8 offsets).
    static func highlighted(_ held: HeldCommand) -> String {
        let bytes = Array(held.command.utf8)
        let marked = held.riskyBytes
        var out = ""
        var i = 0
        while i < bytes.count {
            var j = i
            while j < bytes.count, marked[j] == marked[i] { j += 1 }
            // Keep UTF-8 sequences whole.
            while j < bytes.count, bytes[j] & 0xC0 == 0x80 { j += 1 }
            let text = visible(String(decoding: bytes[i..<j], as: UTF8.self))
            out += marked[i] ? "<mark>\(text)</mark>" : text
            i = j
        }
        return out
    }

    /// Escaped text with every disguising character (control, bidi, zero-width, look-alike)
    /// replaced by its named stand-in, marked so the card shows it stands for something else.
    static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let one = String(scalar)
            let d = DisguisedText(one)
            if let m = d.marks.first {
                out += "<span class=\"disguise disguise-\(m.kind.rawValue)\">\(escape(m.shown))</span>"
            } else {
                out += escape(one)
            }
        }
        return out
    }

    /// The held-command card: what an escort needs to decide, and the two buttons.
    static func card(_ held: HeldCommand, analyser: Analyser) -> String {
        let a = held.analysis
        let risk = a.risk.rawValue
        var findings = ""
        for f in a.findings where f.risk >= .medium {
            findings += "<li><strong>\(escape(f.risk.rawValue.uppercased()))</strong> \(visible(f.reason))</li>"
        }
        let techniques = a.techniques.map { t in
            "<li><code>\(escape(t))</code> \(escape(analyser.catalogue.techniqueName(t) ?? ""))</li>"
        }.joined()
        let explanation = a.explanation.prefix(8).map { "<li>\(visible($0))</li>" }.joined()
        let reasons = held.reasons.map { "<li>\(escape($0))</li>" }.joined()
        let approvals = held.approvals.map { "\(escape($0.name)) (\($0.role.rawValue))" }.joined(separator: ", ")
        return """
        <section class="card risk-\(risk)" id="held" data-hold="\(held.id)" data-digest="\(held.cardDigest)" data-risk="\(risk)" data-confirm="\(held.needsConfirmation)">
        <h2>Held command #\(held.id) — <span class="risk-label">\(escape(risk.uppercased())) RISK</span></h2>
        <p class="meta">\(escape(held.engineer)) on \(escape(held.target)), held at \(escape(ISO8601DateFormatter().string(from: held.heldAt)))</p>
        <pre class="command">\(highlighted(held))</pre>
        \(disguises(held))
        <p class="summary">\(visible(a.summary))</p>
        <p class="needs">Needs \(held.needsReviewer ? "an escort <strong>and</strong> a technical reviewer" : "an escort")\(approvals.isEmpty ? "" : "; approved so far by \(approvals)").</p>
        \(decide(held))
        <h3>What it means</h3>
        <ul class="explanation">\(explanation)</ul>
        \(findings.isEmpty ? "" : "<h3>Why it is risky</h3><ul class=\"findings\">\(findings)</ul>")
        \(techniques.isEmpty ? "" : "<h3>MITRE ATT&amp;CK</h3><ul class=\"techniques\">\(techniques)</ul>")
        \(reasons.isEmpty ? "" : "<h3>Policy</h3><ul>\(reasons)</ul>")
        </section>
        """
    }

    /// The decision controls. Low and medium: Approve (A) and Refuse (R). High: Approve opens a
    /// confirm step naming the hold and the command (A again, after a short settle, confirms; Esc
    /// cancels). Critical: the hold's number must be typed to approve, and Refuse comes first and
    /// is the larger button.
    static func decide(_ held: HeldCommand) -> String {
        let refuse = #"<input type="text" id="reason" placeholder="Reason for refusing" aria-label="Reason for refusing"><button type="button" id="refuse" class="refuse" accesskey="r">Refuse (R)</button>"#
        let step = #"<p id="confirm-step" class="confirm-step" role="alert" hidden></p>"#
        if held.analysis.risk >= .critical {
            return """
            <div class="decide critical">\(refuse.replacingOccurrences(of: #"class="refuse""#, with: #"class="refuse primary""#))</div>
            <div class="decide approve-critical"><input type="text" id="confirm" inputmode="numeric" autocomplete="off" placeholder="Type \(held.id) to approve" aria-label="Type the hold number, \(held.id), to approve"><button type="button" id="approve" class="approve secondary">Approve</button></div>
            \(step)
            """
        }
        return """
        <div class="decide"><button type="button" id="approve" class="approve" accesskey="a">Approve (A)</button>
        \(refuse)</div>
        \(step)
        """
    }

    /// What disguises the command, in words, above everything else the card says.
    static func disguises(_ held: HeldCommand) -> String {
        let warnings = DisguisedText(held.command).warnings
        guard !warnings.isEmpty else { return "" }
        return #"<ul class="disguises" id="disguises">"# + warnings.map { "<li><strong>Disguised:</strong> \(escape($0))</li>" }.joined() + "</ul>"
    }
}
