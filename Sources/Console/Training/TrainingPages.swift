import EscortCore
import Foundation
import Store
import Training

/// The training page's bodies: the scenario list, one decision, and a result. Plain forms (no
/// script needed); risk is written out in words, not only shown by colour.
enum TrainingPages {
    typealias E = HTML

    /// The scenarios, the person's escort-training date and past results.
    static func index(
        library: ScenarioLibrary, person: Person?, results: [StoredTrainingResult], inProgress: String?, csrf: String, now: Date
    ) -> String {
        var html = "<h2>Escort training</h2>"
        let expires = person?.escortTrainingExpires
        let status: String
        switch expires {
        case .some(let d) where d > now: status = "<strong class=\"ok\">valid</strong> until \(E.escape(RegistryDate.format(d)))"
        case .some(let d): status = "<strong class=\"bad\">EXPIRED</strong> on \(E.escape(RegistryDate.format(d)))"
        case .none: status = "<strong class=\"bad\">none</strong>"
        }
        // A date no training result earned was set by an admin: say so rather than call it training.
        let earned = library.sets.compactMap { TrainingCredit.expiry(for: $0, results: results) }.max()
        let byAdmin = expires.map { d in earned.map { $0 < d } ?? true } ?? false
        let source = byAdmin ? " <span id=\"training-source\" class=\"bad\">(set by an admin: no training result of yours earns it)</span>" : ""
        html += "<p id=\"training-status\">Your escort training: \(status)\(source). Passing every scenario of a set earns it for the set's validity period.</p>"
        if let inProgress {
            html += "<p id=\"in-progress\">You have a run in progress: <a href=\"/training/runs/\(E.escape(inProgress))\">continue it</a> (starting another replaces it).</p>"
        }
        html += "<p class=\"hint\">Each held command is shown twice: first on your own, then with the analyser's explanation. Approve or refuse it each time. The server times each answer from when its page is served.</p>"
        for set in library.sets {
            html += "<h3>Set \(E.escape(set.name)): \(set.scenarios.count) scenarios, \(set.decisionCount) decisions; a pass counts for \(set.validityDays) days</h3>"
            html += "<table class=\"scenarios\"><thead><tr><th>Scenario</th><th>Set</th><th>Decisions</th><th>Pass mark</th><th>Your last result</th><th></th></tr></thead><tbody>"
            for s in set.scenarios {
                let last = results.last { $0.scenario == s.id && $0.scenarioSet == s.set }
                let lastText = last.map { "\($0.passed ? "passed" : "NOT passed") \(E.escape(RegistryDate.format($0.finishedAt)))" } ?? "not taken"
                html += """
                <tr data-scenario="\(E.escape(s.id))"><td>\(E.escape(s.title))<br><small>\(E.escape(s.summary))</small></td>
                <td>\(E.escape(s.set))</td><td>\(s.decisions.count) (\(s.maliciousCount) malicious)</td>
                <td>\(E.escape(passMark(s.passMark)))</td><td>\(lastText)</td>
                <td><form method="post" action="/training/start"><input type="hidden" name="csrf" value="\(E.escape(csrf))">
                <input type="hidden" name="scenario" value="\(E.escape(s.id))"><button type="submit">Start</button></form></td></tr>
                """
            }
            html += "</tbody></table>"
        }
        html += "<h2>Your results</h2><table id=\"results\"><thead><tr><th>Finished</th><th>Scenario</th><th>Set</th><th>Result</th></tr></thead><tbody>"
        if results.isEmpty { html += "<tr><td colspan=\"4\">No results yet.</td></tr>" }
        for r in results.reversed() {
            html += """
            <tr><td>\(E.escape(RegistryDate.format(r.finishedAt)))</td><td>\(E.escape(r.scenario))</td><td>\(E.escape(r.scenarioSet))</td>
            <td><a href="/training/results/\(E.escape(r.id))">\(r.passed ? "PASSED" : "NOT PASSED")</a></td></tr>
            """
        }
        return html + "</tbody></table>"
    }

    /// The pass mark in words.
    static func passMark(_ m: PassMark) -> String {
        var s = "catch ≥ \(m.blindCatchPercent)% on your own and ≥ \(m.explainedCatchPercent)% with the analyser; false alarms ≤ \(m.maxFalseAlarmPercent)%"
        if let t = m.maxMedianSeconds { s += "; median ≤ \(t) s per decision" }
        return s
    }

    /// One decision, in one round, with the two buttons.
    static func decision(_ prompt: TrainingPrompt, scenario: TrainingScenario, run id: String, csrf: String) -> String {
        let d = prompt.decision
        let round = prompt.phase == .blind
            ? "Round 1 of 2: on your own (the analyser's explanation is hidden)"
            : "Round 2 of 2: with the analyser's explanation"
        var html = """
        <section class="training" id="decision" data-step="\(prompt.step)">
        <h2>\(E.escape(scenario.title)): decision \(prompt.number) of \(prompt.total)</h2>
        <p class="phase" id="phase">\(round)</p>
        <p class="meta">On \(E.escape(scenario.target)) (\(E.escape(scenario.impactLevel.rawValue))). The engineer says: “\(E.escape(d.context))”</p>
        <pre class="command">\(E.escape(d.command))</pre>
        """
        for (path, text) in d.files.sorted(by: { $0.key < $1.key }) {
            html += "<h3>\(E.escape(path)) on the target</h3><pre class=\"file\">\(E.escape(text))</pre>"
        }
        if let a = prompt.explanation {
            html += """
            <section class="analysis risk-\(E.escape(a.risk))" id="explanation">
            <h3>The analyser: <span class="risk-label risk-\(E.escape(a.risk))">\(E.escape(a.risk.uppercased())) RISK</span></h3>
            <p class="summary">\(E.escape(a.summary))</p>
            <ul class="explanation">\(a.explanation.map { "<li>\(E.escape($0))</li>" }.joined())</ul>
            \(a.findings.isEmpty ? "" : "<ul class=\"findings\">\(a.findings.map { "<li>\(E.escape($0))</li>" }.joined())</ul>")
            \(a.techniques.isEmpty ? "" : "<p>MITRE ATT&amp;CK: \(E.escape(a.techniques.joined(separator: ", ")))</p>")
            </section>
            """
        }
        html += """
        <form method="post" action="/training/runs/\(E.escape(id))/answer" class="decide">
        <input type="hidden" name="csrf" value="\(E.escape(csrf))"><input type="hidden" name="step" value="\(prompt.step)">
        <button type="submit" name="answer" value="approve" class="approve">Approve</button>
        <button type="submit" name="answer" value="refuse" class="refuse">Refuse</button>
        </form></section>
        """
        return html
    }

    /// Whether a result was recorded, and what it earned.
    enum Recording {
        case recorded(RecordedTrainingResult)
        case notRecorded(String)
        /// Read back from the store.
        case stored
    }

    /// A result: the score of both rounds, pass or fail with the reasons, and what to learn.
    static func result(_ r: TrainingResult, recording: Recording) -> String {
        var html = "<section class=\"training-result\" id=\"result\"><h2>Result: \(r.passed ? "<span class=\"ok\">PASSED</span>" : "<span class=\"bad\">NOT PASSED</span>") — \(E.escape(r.scenarioTitle))</h2>"
        switch recording {
        case .recorded(let rec):
            var text = "Recorded (audit record #\(rec.receipt.sequence))."
            if rec.after != rec.before, let after = rec.after {
                text += " Your escort training is now valid until \(E.escape(RegistryDate.format(after)))."
            } else if r.passed, !rec.unpassed.isEmpty {
                text += " To earn escort training, also pass: \(E.escape(rec.unpassed.map(\.title).joined(separator: ", ")))."
            }
            html += "<p id=\"recorded\" class=\"ok\">\(text)</p>"
        case .notRecorded(let why):
            html += "<p id=\"recorded\" class=\"error\" role=\"alert\"><strong>NOT RECORDED</strong>: this result was not recorded and earns no escort-training credit. \(E.escape(why))</p>"
        case .stored:
            html += "<p id=\"recorded\">Finished \(E.escape(RegistryDate.format(r.finishedAt))).</p>"
        }
        html += "<table id=\"score\"><thead><tr><th>Round</th><th>Caught</th><th>Missed</th><th>False alarms</th><th>Median time</th><th>Total time</th></tr></thead><tbody>"
        for (name, s) in [("On your own", r.blind), ("With the analyser", r.explained)] {
            html += """
            <tr><td>\(name)</td><td>\(s.catches) of \(s.malicious)</td><td>\(s.misses)</td><td>\(s.falseAlarms) of \(s.routine)</td>
            <td>\(seconds(s.medianMilliseconds))</td><td>\(seconds(s.totalMilliseconds))</td></tr>
            """
        }
        html += "</tbody></table><h3>Pass mark</h3><ul id=\"reasons\">\(r.reasons.map { "<li>\(E.escape($0))</li>" }.joined())</ul>"
        if !r.feedback.isEmpty {
            html += "<h3>What to learn from</h3><ol id=\"feedback\">"
            html += r.feedback.map { "<li class=\"\($0.kind.rawValue)\"><pre class=\"feedback\">\(E.escape($0.text))</pre></li>" }.joined()
            html += "</ol>"
        }
        return html + "<p><a href=\"/training\">Back to training</a></p></section>"
    }

    static func seconds(_ ms: Int64) -> String { "\(ms / 1000).\((ms % 1000) / 100) s" }
}
