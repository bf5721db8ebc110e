/// Inline SVG charts for the HTML reports: drawn from the figures alone, so the same figures give
/// the same bytes.
enum SVGChart {
    struct Series {
        var name: String
        var colour: String
        var values: [Int]
    }

    /// Stacked vertical bars, one per label (e.g. per day).
    static func stackedBars(title: String, labels: [String], series: [Series]) -> String {
        let width = 720, height = 240, left = 40, bottom = 46, top = 24
        let totals = labels.indices.map { i in series.reduce(0) { $0 + ($1.values.indices.contains(i) ? $1.values[i] : 0) } }
        let maxValue = max(1, totals.max() ?? 1)
        let plotH = height - bottom - top
        let slot = Double(width - left - 10) / Double(max(1, labels.count))
        let barW = max(1.0, slot * 0.7)
        var out = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<title>\(HTML.escape(title))</title>"
        out += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(width - 5)\" y2=\"\(top + plotH)\" stroke=\"#57606a\"/>"
        out += "<text x=\"\(left - 4)\" y=\"\(top + 4)\" font-size=\"10\" text-anchor=\"end\">\(maxValue)</text>"
        out += "<text x=\"\(left - 4)\" y=\"\(top + plotH)\" font-size=\"10\" text-anchor=\"end\">0</text>"
        let labelEvery = max(1, labels.count / 12)
        for (i, label) in labels.enumerated() {
            let x = Double(left) + Double(i) * slot + (slot - barW) / 2
            var y = Double(top + plotH)
            for s in series {
                let v = s.values.indices.contains(i) ? s.values[i] : 0
                guard v > 0 else { continue }
                let h = Double(v) / Double(maxValue) * Double(plotH)
                y -= h
                out += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(barW))\" height=\"\(fmt(h))\" fill=\"\(s.colour)\"><title>\(HTML.escape(label)): \(v) \(HTML.escape(s.name))</title></rect>"
            }
            if i % labelEvery == 0 {
                out += "<text x=\"\(fmt(x + barW / 2))\" y=\"\(top + plotH + 14)\" font-size=\"9\" text-anchor=\"middle\">\(HTML.escape(String(label.suffix(5))))</text>"
            }
        }
        var lx = left
        for s in series {
            out += "<rect x=\"\(lx)\" y=\"\(height - 16)\" width=\"10\" height=\"10\" fill=\"\(s.colour)\"/>"
            out += "<text x=\"\(lx + 14)\" y=\"\(height - 7)\" font-size=\"11\">\(HTML.escape(s.name))</text>"
            lx += 24 + s.name.count * 7
        }
        return out + "</svg><figcaption>\(HTML.escape(title))</figcaption></figure>"
    }

    /// Horizontal grouped bars: one group per label, one bar per series.
    static func groupedBars(title: String, labels: [String], series: [Series]) -> String {
        let width = 720, left = 190, rowH = 12 * max(1, series.count) + 10
        let height = 30 + rowH * max(1, labels.count) + 24
        let maxValue = max(1, series.flatMap(\.values).max() ?? 1)
        let plotW = Double(width - left - 60)
        var out = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<title>\(HTML.escape(title))</title>"
        for (i, label) in labels.enumerated() {
            let y0 = 10 + i * rowH
            let shown = label.count > 28 ? String(label.prefix(27)) + "…" : label
            out += "<text x=\"\(left - 6)\" y=\"\(y0 + rowH / 2 + 2)\" font-size=\"11\" text-anchor=\"end\">\(HTML.escape(shown))</text>"
            for (j, s) in series.enumerated() {
                let v = s.values.indices.contains(i) ? s.values[i] : 0
                let w = Double(v) / Double(maxValue) * plotW
                let y = y0 + j * 12
                out += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(fmt(w))\" height=\"10\" fill=\"\(s.colour)\"><title>\(HTML.escape(label)): \(v) \(HTML.escape(s.name))</title></rect>"
                out += "<text x=\"\(fmt(Double(left) + w + 4))\" y=\"\(y + 9)\" font-size=\"9\">\(v)</text>"
            }
        }
        var lx = left
        for s in series {
            out += "<rect x=\"\(lx)\" y=\"\(height - 16)\" width=\"10\" height=\"10\" fill=\"\(s.colour)\"/>"
            out += "<text x=\"\(lx + 14)\" y=\"\(height - 7)\" font-size=\"11\">\(HTML.escape(s.name))</text>"
            lx += 24 + s.name.count * 7
        }
        return out + "</svg><figcaption>\(HTML.escape(title))</figcaption></figure>"
    }

    /// One decimal, no locale.
    static func fmt(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(abs(tenths % 10))"
    }
}
