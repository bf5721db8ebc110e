import Foundation

extension ExposureReport {
    /// The section answering the senator's second question: how escorts are trained to detect
    /// suspicious activity, and what they decided on real sessions.
    func trainingSectionHTML() -> [String] {
        var b: [String] = []
        b.append("<h2 id=\"training\">How escorts are trained to detect suspicious activity</h2>")
        b.append("<p>Escorts train on scenarios of held commands, routine ones mixed with planted malicious ones (hidden download-and-run, credential theft, log wiping, obfuscated payloads), answered first on their own and then with the analyser's explanation; a run answered faster than a person can read is refused. The policy admits as escorts only people whose escort-training date is unexpired. Below, per escort: the training results the audit log holds (rates with the explanation shown, over every pass), and the decisions they made on real sessions in the period.</p>")
        guard !escortTraining.isEmpty else {
            b.append("<p>No escorts are registered and nobody acted as one in the period.</p>")
            return b
        }
        b.append(HTML.table(
            ["Escort", "Employer", "Prime contractor", "Training", "Scenario sets passed (last pass)", "Catch rate", "False-alarm rate",
             "#Runs refused as too fast", "#Sessions watched", "#Approved", "#Refused", "Approved though rated high or critical"],
            escortTraining.map { (e: EscortTrainingSummary) -> [String] in
                let cls = e.standing == .trained ? "ok" : "bad"
                let last: String = e.training.lastPass.map { " (" + HTML.time($0) + ")" } ?? ""
                let sets: String = e.training.setsPassed.isEmpty ? "none" : HTML.escape(e.training.setsPassed.joined(separator: ", ")) + last
                let catches: String = e.training.catchPercent.map { "\($0)%" } ?? "—"
                let alarms: String = e.training.falseAlarmPercent.map { "\($0)%" } ?? "—"
                let risky: String = e.approvedRisky.isEmpty ? "none" : e.approvedRisky.map(HTML.escape).joined(separator: "<br>")
                return [
                    "\(HTML.escape(e.displayName)) (<code>\(HTML.escape(e.name))</code>)", HTML.escape(e.employer), HTML.escape(e.contractor),
                    "<span class=\"\(cls)\">\(HTML.escape(e.standingText(ReportTime.readable)))</span>",
                    sets, catches, alarms, "\(e.training.refusedRuns)", "\(e.sessionsWatched)", "\(e.approved)", "\(e.refused)", risky,
                ]
            }, caption: "Escorts: training and decisions"))
        let lapsed = escortTraining.filter { $0.standing != .trained }
        b.append(lapsed.isEmpty
            ? "<p id=\"training-lapsed\">Every escort's training is current and earned by recorded training results.</p>"
            : "<p id=\"training-lapsed\" class=\"bad\">Training lapsed or never recorded: \(HTML.escape(lapsed.map { "\($0.name) (\($0.standing.rawValue))" }.joined(separator: ", "))).</p>")
        return b
    }
}
