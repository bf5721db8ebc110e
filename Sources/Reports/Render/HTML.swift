import Foundation
import EscortCore
/// Small helpers for the HTML reports: escaping and one page layout with inline CSS (no
/// JavaScript, no external assets: a report opens the same offline, years later).
enum HTML {
    static func escape(_ s: String) -> String { HTMLText.escape(s) }

    /// A time for people: `<time datetime="2026-11-02T09:00:00Z">2 Nov 2026, 09:00 UTC</time>`
    /// (the machine-readable value kept in the attribute).
    static func time(_ d: Date) -> String {
        "<time datetime=\"\(ReportTime.format(d))\">\(ReportTime.readable(d))</time>"
    }

    /// ``time(_:)`` of an RFC 3339 time given as text; the escaped text if it does not parse.
    static func time(_ text: String) -> String { ReportTime.parse(text).map { time($0) } ?? escape(text) }

    /// A period for people: `<time>…</time> to <time>…</time>`.
    static func period(_ p: ReportPeriod) -> String { "\(time(p.from)) to \(time(p.to))" }

    /// Country codes with their names, escaped: `CN (China), US (United States)`.
    static func countries(_ codes: [String]) -> String {
        escape(codes.map(CountryNames.label).joined(separator: ", "))
    }

    static let style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:72rem;color:#1b1f24;line-height:1.45;padding:0 1rem}
        h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #d0d7de;padding-bottom:.2rem}h3{margin-top:1.6rem}
        table{border-collapse:collapse;margin:.6rem 0 1rem;width:100%;font-size:.92rem}
        th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f3f5f7}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
        code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;background:#f6f8fa;padding:0 .2em;word-break:break-all}
        .provenance{background:#f6f8fa;border-left:4px solid #57606a;padding:.5rem .8rem}
        .failed{background:#ffebe9;border-left:4px solid #cf222e;padding:.5rem .8rem;font-weight:600}
        .answer{background:#fff8c5;border-left:4px solid #bf8700;padding:.6rem .9rem}
        .ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
        .generated{color:#57606a;font-size:.85rem}
        .risk-critical{color:#fff;background:#cf222e;padding:0 .3em}.risk-high{color:#cf222e;font-weight:600}.risk-medium{color:#9a6700}
        figure{margin:1rem 0}figcaption{font-size:.85rem;color:#57606a}
        """

    /// A whole page. `generatedAt` is put on a line of its own.
    static func page(title: String, generatedAt: String, body: [String]) -> String {
        var lines = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\">",
            "<title>\(escape(title))</title>",
            "<style>",
            style,
            "</style>",
            "</head>",
            "<body>",
            "<h1>\(escape(title))</h1>",
            generatedAt,
        ]
        lines += body
        lines += ["</body>", "</html>", ""]
        return lines.joined(separator: "\n")
    }

    /// A table; cells are already HTML. Columns whose header starts with `#` are numeric.
    static func table(_ header: [String], _ rows: [[String]], caption: String? = nil) -> String {
        var out = "<table>"
        if let caption { out += "<caption>\(escape(caption))</caption>" }
        out += "<thead><tr>"
        for h in header {
            out += h.hasPrefix("#") ? "<th class=\"n\">\(escape(String(h.dropFirst())))</th>" : "<th>\(escape(h))</th>"
        }
        out += "</tr></thead><tbody>"
        for r in rows {
            out += "<tr>"
            for (i, c) in r.enumerated() {
                out += i < header.count && header[i].hasPrefix("#") ? "<td class=\"n\">\(c)</td>" : "<td>\(c)</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    static func provenance(_ p: ReportProvenance) -> String {
        "<p class=\"\(p.verified ? "provenance" : "failed")\" id=\"provenance\">\(escape(p.statement(time: ReportTime.readable(p.time))))</p>"
    }

    static func risk(_ r: String?) -> String {
        guard let r else { return "unrated" }
        return "<span class=\"risk-\(escape(r))\">\(escape(r))</span>"
    }
}
