import Foundation

/// Small inline SVG charts, drawn in Swift: no script, no library, no network. Axes carry labels;
/// marks use the page's text colour at two strengths, so they survive grey-scale printing and
/// follow the light or dark scheme.
public enum SVGChart {
    static let width = 420.0, height = 220.0
    static let left = 48.0, right = 12.0, top = 14.0, bottom = 40.0

    /// Bars of `counts` over equal bins from `low` to `high`.
    public static func histogram(_ values: [Double], bins: Int, low: Double, high: Double, xLabel: String, title: String) -> String {
        var counts = [Int](repeating: 0, count: bins)
        let span = high - low
        for v in values where v.isFinite {
            let b = span > 0 ? Int(((v - low) / span * Double(bins)).rounded(.down)) : 0
            counts[min(bins - 1, max(0, b))] += 1
        }
        let labels = (0...bins).map { format(low + span * Double($0) / Double(bins)) }
        return bars(counts.map(Double.init), edgeLabels: labels, xLabel: xLabel, yLabel: "trajectories", title: title)
    }

    /// Bars of `values` labelled below by `labels` (one per bar), or by `edgeLabels` at the bar edges.
    public static func bars(
        _ values: [Double], labels: [String] = [], edgeLabels: [String] = [], xLabel: String, yLabel: String,
        title: String
    ) -> String {
        let top = max(values.filter(\.isFinite).max() ?? 1, 1e-9)
        let n = max(1, values.count)
        let plotW = width - left - right, plotH = height - Self.top - bottom
        let barW = plotW / Double(n)
        var svg = frame(title: title, xLabel: xLabel, yLabel: yLabel, yMax: top)
        for (i, v) in values.enumerated() where v.isFinite {
            let h = plotH * v / top
            svg += rect(x: left + Double(i) * barW + 1, y: Self.top + plotH - h, w: max(1, barW - 2), h: h, title: "\(format(v))")
        }
        let ticks = edgeLabels.isEmpty ? labels : edgeLabels
        let step = max(1, ticks.count / 6)
        for (i, label) in ticks.enumerated() where i % step == 0 || i == ticks.count - 1 {
            let x = edgeLabels.isEmpty ? left + (Double(i) + 0.5) * barW : left + Double(i) * barW
            svg += text(x: x, y: Self.top + plotH + 14, label, anchor: "middle")
        }
        return svg + "</svg>"
    }

    /// Points (x, y) in [0, 1] × [0, yMax].
    public static func scatter(_ points: [(x: Double, y: Double)], xLabel: String, yLabel: String, title: String) -> String {
        let yMax = max(points.map(\.y).filter(\.isFinite).max() ?? 0, 0.05)
        let plotW = width - left - right, plotH = height - top - bottom
        var svg = frame(title: title, xLabel: xLabel, yLabel: yLabel, yMax: yMax)
        for p in points where p.x.isFinite && p.y.isFinite {
            let cx = left + plotW * min(1, max(0, p.x)), cy = top + plotH - plotH * min(1, p.y / yMax)
            svg += #"<circle cx="\#(f1(cx))" cy="\#(f1(cy))" r="2.5" class="mark"/>"#
        }
        for t in [0.0, 0.5, 1.0] { svg += text(x: left + plotW * t, y: top + plotH + 14, format(t), anchor: "middle") }
        return svg + "</svg>"
    }

    /// The chart's opening: the box, the y axis with its top value, the axis labels.
    static func frame(title: String, xLabel: String, yLabel: String, yMax: Double) -> String {
        let plotH = height - top - bottom
        let label = HTMLText.escape(title)
        var svg =
            #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(f1(width)) \#(f1(height))" role="img" aria-label="\#(label)" "#
            + #"class="chart">"#
        svg += "<title>\(label)</title>"
        svg += #"<path d="M\#(f1(left)) \#(f1(top))V\#(f1(top + plotH))H\#(f1(width - right))" class="axis"/>"#
        svg += text(x: left - 4, y: top + 4, format(yMax), anchor: "end")
        svg += text(x: left - 4, y: top + plotH, "0", anchor: "end")
        svg += text(x: left + (width - left - right) / 2, y: height - 6, xLabel, anchor: "middle")
        let mid = f1(top + plotH / 2)
        svg += #"<text x="12" y="\#(mid)" transform="rotate(-90 12 \#(mid))" text-anchor="middle">\#(HTMLText.escape(yLabel))</text>"#
        return svg
    }

    static func rect(x: Double, y: Double, w: Double, h: Double, title: String) -> String {
        #"<rect x="\#(f1(x))" y="\#(f1(y))" width="\#(f1(w))" height="\#(f1(h))" class="mark"><title>\#(HTMLText.escape(title))</title"#
            + #"></rect>"#
    }

    static func text(x: Double, y: Double, _ s: String, anchor: String) -> String {
        #"<text x="\#(f1(x))" y="\#(f1(y))" text-anchor="\#(anchor)">\#(HTMLText.escape(s))</text>"#
    }

    /// One decimal, for coordinates.
    static func f1(_ v: Double) -> String { String(format: "%.1f", v) }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e6 { return String(Int(v)) }
        return String(format: abs(v) >= 10 ? "%.0f" : "%.2f", v)
    }
}
