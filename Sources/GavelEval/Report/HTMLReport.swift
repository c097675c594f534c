import Foundation

/// One self-contained HTML page about a ranked run: header, charts, the `gavel eval` figures and a
/// sortable, filterable table of groups whose rows expand to each trajectory's judgement.
///
/// No network, no framework: charts are inline SVG, and a few lines of plain JavaScript sort,
/// filter and expand rows. Every piece of trajectory and judge text goes through `HTMLText`, and no
/// data is placed inside the script, so no trajectory can change the page.
public struct HTMLReport: Sendable {
    /// What the run knew that the ranked files do not record (filled in by `gavel rank --report`).
    public struct RunFacts: Sendable {
        public var rubricName: String?
        /// The first 12 hex digits of the rubric text's SHA-256.
        public var rubricHash: String?
        public var cacheHits: Int?
        public var cacheMisses: Int?
        public var promptTokens: Int?
        public var completionTokens: Int?
        public var cost: Double?

        public init(
            rubricName: String? = nil, rubricHash: String? = nil, cacheHits: Int? = nil, cacheMisses: Int? = nil,
            promptTokens: Int? = nil, completionTokens: Int? = nil, cost: Double? = nil
        ) {
            self.rubricName = rubricName
            self.rubricHash = rubricHash
            self.cacheHits = cacheHits
            self.cacheMisses = cacheMisses
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.cost = cost
        }
    }

    public var files: [String]
    public var groups: [RankedGroup]
    public var evaluation: JudgeEvaluation
    public var facts: RunFacts
    public var date: Date

    public init(files: [String], groups: [RankedGroup], evaluation: JudgeEvaluation, facts: RunFacts = .init(), date: Date = Date()) {
        self.files = files
        self.groups = groups
        self.evaluation = evaluation
        self.facts = facts
        self.date = date
    }

    /// The page.
    public func render() -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src \
            'unsafe-inline'; img-src data:">
            <title>Gavel report</title>
            <style>\(Self.style)</style>
            </head><body>
            <h1>Gavel report</h1>

            """
        html += header()
        html += charts()
        html += evalSection()
        html += table()
        html += "<script>\(Self.script)</script>\n</body></html>\n"
        return html
    }

    // MARK: Sections

    func header() -> String {
        let e = evaluation
        let judges = Set(groups.compactMap(\.judge)).sorted()
        var rows: [(String, String)] = [
            ("judge", judges.isEmpty ? "—" : judges.joined(separator: ", ")),
            (
                "rubric",
                facts.rubricName.map { $0 + (facts.rubricHash.map { " (sha256 \($0))" } ?? "") } ?? "not recorded in the ranked file"
            ),
            ("answer", e.answers.isEmpty ? "not recorded in the ranked file" : e.answers.joined(separator: ", ")),
            ("samples per group", e.samples > 0 ? "\(e.samples)" : "—"),
            ("groups", "\(e.groups) (\(e.judgedGroups) judged, \(e.failedGroups) failed or not judged)"),
            ("trajectories", "\(e.trajectories)"),
        ]
        if let hits = facts.cacheHits, let misses = facts.cacheMisses {
            let total = hits + misses
            rows.append(
                (
                    "cache",
                    "\(hits) hits, \(misses) misses"
                        + (total > 0 ? String(format: " (%.1f%% hit rate)", 100 * Double(hits) / Double(total)) : "")
                ))
        } else {
            rows.append(("answered from cache", "\(groups.filter(\.cached).count) of \(groups.count) groups"))
        }
        if let p = facts.promptTokens, let c = facts.completionTokens {
            rows.append(("tokens", "\(p) in, \(c) out" + (facts.cost.map { String(format: " (~$%.4f)", $0) } ?? "")))
        }
        rows.append(("files", files.joined(separator: ", ")))
        rows.append(("written", ISO8601DateFormatter().string(from: date)))
        return "<table class=\"facts\">"
            + rows.map { "<tr><th>\(HTMLText.escape($0.0))</th><td>\(HTMLText.escape($0.1))</td></tr>" }.joined()
            + "</table>\n"
    }

    func charts() -> String {
        let judged = groups.filter(\.isJudged)
        let scores = judged.flatMap { $0.members.compactMap(\.score) }
        let advantages = judged.flatMap { $0.members.compactMap(\.advantage) }
        var html = "<h2>Rewards</h2><div class=\"charts\">"
        html += figure(
            SVGChart.histogram(scores, bins: 10, low: 0, high: 1, xLabel: "score", title: "Scores"), "Scores of every judged trajectory.")
        if !advantages.isEmpty {
            let low = min(advantages.min() ?? -1, -1e-9), high = max(advantages.max() ?? 1, 1e-9)
            html += figure(
                SVGChart.histogram(advantages, bins: 12, low: low, high: high, xLabel: "advantage", title: "Advantages"),
                "Advantages (gavel.advantage) per trajectory.")
        }
        if let p = evaluation.position {
            html += figure(
                SVGChart.bars(
                    p.meanScoreBySlot, labels: p.meanScoreBySlot.indices.map(String.init), xLabel: "slot shown (0 = first)",
                    yLabel: "mean score", title: "Position bias"),
                String(format: "Mean score by the slot a trajectory was shown in; fitted slope first → last %+.3f.", p.slope))
        } else {
            html +=
                "<p class=\"note\">No position chart: the ranked file has no <code>gavel.slots</code> (written by newer gavel rank).</p>"
        }
        let points = judged.filter { $0.members.count > 1 }.map { g -> (x: Double, y: Double) in
            let s = g.members.compactMap(\.score)
            let mean = s.reduce(0, +) / Double(s.count)
            return (mean, (s.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(s.count)).squareRoot())
        }
        if !points.isEmpty {
            html += figure(
                SVGChart.scatter(points, xLabel: "mean score of the group", yLabel: "std of scores", title: "Spread by group"),
                "Each group's score spread against its mean score; groups at 0 carry no GRPO signal.")
        }
        return html + "</div>\n"
    }

    func figure(_ svg: String, _ caption: String) -> String {
        "<figure>\(svg)<figcaption>\(HTMLText.escape(caption))</figcaption></figure>"
    }

    func evalSection() -> String {
        let t = evaluation.truth
        guard t.pairs > 0 else {
            return
                "<p class=\"note\">No agreement figures: the reference reward at <code>\(HTMLText.escape(t.path))</code> separates no "
                + "two trajectories of a group.</p>\n"
        }
        func ci(_ i: Bootstrap.Interval?) -> String {
            i.map { String(format: "%.3f (95%% CI %.3f–%.3f)", $0.estimate, $0.low, $0.high) } ?? "—"
        }
        var rows = [
            ("reference", t.path + (t.missing > 0 ? " (missing on \(t.missing) trajectories)" : "")),
            ("pairwise accuracy", ci(t.pairwiseAccuracy) + " over \(t.pairs) pairs"),
            ("Kendall τ-b", ci(t.kendallTauB)),
            ("top-1 accuracy", ci(t.topOneAccuracy)),
        ]
        if let flip = evaluation.flipRate { rows.append(("flip rate", String(format: "%.3f", flip))) }
        if let z = evaluation.zeroVarianceShare { rows.append(("zero-variance groups", String(format: "%.1f%%", 100 * z))) }
        return "<h2>Agreement with the reference</h2><table class=\"facts\">"
            + rows.map { "<tr><th>\(HTMLText.escape($0.0))</th><td>\(HTMLText.escape($0.1))</td></tr>" }.joined() + "</table>\n"
    }

    func table() -> String {
        var html = """
            <h2>Groups</h2>
            <div class="controls"><label>Show <select id="filter"><option value="all">all groups</option>\
            <option value="zero">zero variance only</option><option value="failed">failed only</option></select></label>
            <label>Group key <input id="search" type="search" placeholder="search"></label> <span id="count"></span></div>
            <table id="groups"><thead><tr><th data-col="0">group</th><th data-col="1">size</th><th data-col="2">best</th>\
            <th data-col="3">worst</th><th data-col="4">spread</th>\
            <th data-col="5">zero variance</th><th data-col="6">error</th></tr></thead>

            """
        for g in groups {
            let scores = g.members.compactMap(\.score)
            let best = scores.max(), worst = scores.min()
            let zero = g.isJudged && g.members.count > 1 && Set(scores).count == 1
            let kind = !g.isJudged ? "failed" : (zero ? "zero" : "ok")
            func n(_ d: Double?) -> String { d.map { String(format: "%.3f", $0) } ?? "" }
            let cells = [
                HTMLText.escape(g.key), "\(g.members.count)", n(best), n(worst), n(best.flatMap { b in worst.map { b - $0 } }),
                zero ? "yes" : "", HTMLText.escape(g.failure ?? ""),
            ]
            html += "<tbody class=\"group\" data-kind=\"\(kind)\"><tr class=\"row\">"
            html += cells.enumerated().map { "<td data-v=\"\((1...4).contains($0.offset) ? $0.element : "")\">\($0.element)</td>" }.joined()
            html +=
                "</tr><tr class=\"detail\"><td colspan=\"7\"><table class=\"members\"><tr><th>rank</th><th>score</th><th>advantage</th>"
                + "<th>explanation</th><th>last message</th></tr>"
            for m in g.members.sorted(by: { ($0.rank ?? Int.max) < ($1.rank ?? Int.max) }) {
                html += "<tr><td>\(m.rank.map(String.init) ?? "")</td><td>\(n(m.score))</td><td>\(n(m.advantage))</td>"
                html +=
                    "<td>\(HTMLText.escape(RankedFiles.excerpt(m.explanation, limit: 400)))</td><td>\(HTMLText.escape(m.excerpt))</td></tr>"
            }
            html += "</table></td></tr></tbody>\n"
        }
        return html + "</table>\n"
    }

    // MARK: Style and behaviour

    static let style = """
        :root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#666;--line:#ccc;--mark:#1f3b73;--alt:#f3f3f3}
        @media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--bg:#161616;--muted:#aaa;--line:#444;--mark:#9db7e8;--alt:#222}}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);
          margin:24px auto;max-width:1200px;padding:0 16px}
        h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}code{font-size:.95em}
        table.facts th{text-align:left;padding-right:1.5em;color:var(--muted);font-weight:600}
        .charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;width:420px}figcaption{color:var(--muted);font-size:.85em}
        svg.chart{width:420px;height:220px}svg .mark{fill:var(--mark);stroke:var(--fg);stroke-width:.4}svg .axis{fill:none;stroke:var(--fg)}
        svg text{fill:var(--fg);font-size:11px}
        .note{color:var(--muted)}
        .controls{margin:.6em 0;display:flex;gap:1.2em;align-items:center}
        #groups{border-collapse:collapse;width:100%}
        #groups th{cursor:pointer;text-align:left;border-bottom:2px solid var(--line);padding:4px 8px}
        #groups td{padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
        #groups tr.row{cursor:pointer}#groups tr.row:hover{background:var(--alt)}
        #groups tr.detail{display:none}#groups tbody.open tr.detail{display:table-row}
        tbody[data-kind=failed] tr.row td{font-style:italic}
        table.members{border-collapse:collapse;width:100%;font-size:.9em}table.members td,table.members th{padding:3px 6px;text-align:left}
        table.members td:nth-child(4),table.members td:nth-child(5){white-space:pre-wrap;word-break:break-word;max-width:460px}
        """

    static let script = """
        (function(){
        var table=document.getElementById('groups'),filter=document.getElementById('filter'),search=document.getElementById('search');
        var bodies=Array.prototype.slice.call(table.tBodies),count=document.getElementById('count');
        function apply(){var f=filter.value,q=search.value.toLowerCase(),shown=0;
          bodies.forEach(function(b){var key=b.rows[0].cells[0].textContent.toLowerCase();
            var ok=(f==='all'||b.getAttribute('data-kind')===f)&&key.indexOf(q)>=0;b.style.display=ok?'':'none';if(ok)shown++;});
          count.textContent=shown+' of '+bodies.length+' groups';}
        filter.addEventListener('change',apply);search.addEventListener('input',apply);
        bodies.forEach(function(b){b.rows[0].addEventListener('click',function(){b.classList.toggle('open');});});
        var dir={};
        Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th){th.addEventListener('click',function(){
          var c=+th.getAttribute('data-col'),d=dir[c]=-(dir[c]||-1);
          bodies.sort(function(a,b){var x=a.rows[0].cells[c],y=b.rows[0].cells[c];var u=x.getAttribute('data-v'),v=y.getAttribute('data-v');
            if(u!==''&&v!==''){return d*((+u)-(+v));}return d*x.textContent.localeCompare(y.textContent);});
          bodies.forEach(function(b){table.appendChild(b);});});});
        apply();})();
        """
}
