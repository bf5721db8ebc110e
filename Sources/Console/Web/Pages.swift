import EscortCore
import Foundation
import Gateway

/// The console's pages (bodies; ``HTML/page(_:identity:body:)`` wraps them).
enum Pages {
    typealias E = HTML

    static func login(error: String?) -> String {
        """
        <section class="login"><h2>Sign in</h2>
        \(error.map { "<p class=\"error\" role=\"alert\">\(E.escape($0))</p>" } ?? "")
        <form method="post" action="/login">
        <label>Name <input name="name" id="name" autocomplete="username" required></label>
        <label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
        <label>Code (if you set up a second factor) <input name="code" id="code" inputmode="numeric" autocomplete="one-time-code"></label>
        <button type="submit" id="signin">Sign in</button>
        </form></section>
        """
    }

    static func queue(_ data: JSONValue) -> String {
        let rows = data.objectValue?["sessions"]?.arrayValue ?? []
        var html = "<h2>Queue</h2><p class=\"hint\">Sessions you may escort or review. Held commands first, highest risk first. Updates live.</p>"
        html += "<table id=\"queue\"><thead><tr><th>Waiting</th><th>Engineer</th><th>Target</th><th>Mode</th><th>Escorts</th><th></th></tr></thead><tbody>"
        if rows.isEmpty { html += "<tr><td colspan=\"6\">No live sessions for you.</td></tr>" }
        for r in rows {
            let o = r.objectValue ?? [:]
            let id = o["id"]?.stringValue ?? ""
            var waiting = "—"
            var cls = ""
            if let h = o["held"]?.objectValue {
                let risk = h["risk"]?.stringValue ?? ""
                waiting = "<span class=\"risk-label risk-\(E.escape(risk))\">\(E.escape(risk.uppercased()))</span> \(HTML.visible(h["summary"]?.stringValue ?? ""))"
                cls = "held"
            } else if o["waiting_for_escort"]?.boolValue == true {
                waiting = "Waiting for an escort"
                cls = "waiting"
            }
            let escorts = (o["escorts"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
            html += """
            <tr class="\(cls)" data-session="\(E.escape(id))"><td>\(waiting)</td>
            <td>\(E.escape(o["engineer_name"]?.stringValue ?? "")) (\(E.escape(o["engineer"]?.stringValue ?? "")))<br><small>\(E.escape(o["profile"]?.stringValue ?? ""))</small></td>
            <td>\(E.escape(o["target"]?.stringValue ?? "")) <span class="il">\(E.escape(o["impact_level"]?.stringValue ?? ""))</span></td>
            <td>\(E.escape(o["mode"]?.stringValue ?? ""))\(o["paused"]?.boolValue == true ? " (paused)" : "")</td>
            <td>\(E.escape(escorts.isEmpty ? "none" : escorts))</td>
            <td><a class="open" href="/sessions/\(E.escape(id))">Open as \(E.escape(o["role"]?.stringValue ?? ""))</a></td></tr>
            """
        }
        return html + "</tbody></table>"
    }

    static func session(_ s: SessionSummary, person: Person?, role: WatcherRole, card: String?, playerAvailable: Bool) -> String {
        var facts = "<dt>Engineer</dt><dd>\(E.escape(s.engineer.displayName)) (\(E.escape(s.engineer.name)))</dd>"
        if let p = person {
            facts += """
            <dt>Citizenship</dt><dd>\(E.escape(p.citizenships.map(\.code).joined(separator: ", ")))</dd>
            <dt>Residence</dt><dd>\(E.escape(p.residence.code))</dd>
            <dt>Located in</dt><dd>\(E.escape(p.location.code))</dd>
            <dt>Employer</dt><dd>\(E.escape(p.employer)) (contractor: \(E.escape(p.contractor)))</dd>
            <dt>Clearance</dt><dd>\(E.escape(p.clearance.rawValue))</dd>
            """
        }
        facts += "<dt>Target</dt><dd>\(E.escape(s.target)) <span class=\"il\">\(E.escape(s.impactLevel))</span></dd>"
        facts += "<dt>Mode</dt><dd>\(E.escape(s.mode.rawValue))</dd><dt>You are</dt><dd>\(role.rawValue)</dd>"
        return """
        <div id="session" data-session="\(E.escape(s.id))" data-player="\(playerAvailable)" data-cols="\(max(s.columns, 80))" data-rows="\(max(s.rows, 24))">
        <h2>Session \(E.escape(s.id))</h2>
        <dl class="facts">\(facts)</dl>
        <div class="columns">
        <div class="right">
        <p id="status" role="status"></p>
        <div id="card-slot">\(card ?? "<p id=\"no-held\">No command is waiting for a decision.</p>")</div>
        <div class="controls">
        <button type="button" id="pause">Pause</button> <button type="button" id="resume">Resume</button>
        <button type="button" id="end" class="refuse">End session</button>
        <label class="sound"><input type="checkbox" id="sound"> Sound for a new held command</label>
        </div>
        </div>
        <div class="left">
        <h3>What happens in the session</h3>
        <ul id="notices" aria-live="polite"></ul>
        </div></div>
        <h3>The engineer's terminal (read-only; what she sees, which she can draw on)</h3>
        <div id="terminal" class="terminal" aria-label="Live terminal (read-only)"></div>
        </div>
        """
    }
}
