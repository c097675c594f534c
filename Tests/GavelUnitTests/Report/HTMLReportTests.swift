import Foundation
import GavelTesting
import Testing

@testable import GavelEval

@Suite("HTML report: escaping, structure, charts")
struct HTMLReportTests {
    static let hostile =
        #"</td></table><script>document.title='pwned'</script><img src=x onerror="document.title='pwned'"> javascript:alert(1) & 'q'"#

    static func member(_ g: Int, _ m: Int) -> RankedGroup.Member {
        let score = Double(m + g) / 10
        let explanation = m == 1 ? Self.hostile : "fine"
        return RankedGroup.Member(
            score: score, samples: [score], slots: [m], truth: Double(m), rank: 4 - m, advantage: Double(m) - 1.5,
            explanation: explanation, excerpt: Self.hostile)
    }

    static func groups() -> [RankedGroup] {
        var groups: [RankedGroup] = []
        for g in 0..<5 {
            let members = (0..<4).map { member(g, $0) }
            groups.append(RankedGroup(key: g == 2 ? Self.hostile : "g\(g)", members: members, judge: "openai/sim"))
        }
        let failed = RankedGroup.Member(score: nil, samples: [])
        groups.append(RankedGroup(key: "failed-one", members: [failed], failure: "not judged: " + Self.hostile))
        return groups
    }

    static func page() -> String {
        let groups = Self.groups()
        let e = JudgeEvaluation(files: ["r.jsonl"], groups: groups, truthPath: "t", truthMissing: 0)
        return HTMLReport(files: ["r.jsonl"], groups: groups, evaluation: e).render()
    }

    @Test("escaping covers the five characters HTML gives meaning")
    func escape() {
        #expect(HTMLText.escape(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(HTMLText.escape("plain ümlaut 😀") == "plain ümlaut 😀")
    }

    @Test("hostile trajectory and judge text appears only escaped; the page's only script is its own")
    func hostileText() {
        let page = Self.page()
        #expect(!page.contains("<script>document.title"))
        #expect(!page.contains("<img src=x"))
        #expect(page.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"))
        #expect(page.components(separatedBy: "<script").count == 2, "exactly one script element")
        #expect(page.components(separatedBy: "</table>").count == page.components(separatedBy: "<table").count)
    }

    @Test("one table body per group, charts as inline SVG, no network")
    func structure() {
        let page = Self.page()
        #expect(page.components(separatedBy: #"<tbody class="group""#).count - 1 == 6)
        #expect(page.components(separatedBy: "<svg").count - 1 == 4, "scores, advantages, position, spread")
        #expect(page.contains(#"data-kind="failed""#))
        #expect(!page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("url(http"), "no remote resources")
        #expect(page.contains("Content-Security-Policy"))
    }

    @Test("without slots the position chart is left out, with a note saying why")
    func noSlots() {
        var groups = Self.groups()
        for g in groups.indices { for m in groups[g].members.indices { groups[g].members[m].slots = [] } }
        let e = JudgeEvaluation(files: ["r.jsonl"], groups: groups, truthPath: "t", truthMissing: 0)
        let page = HTMLReport(files: ["r.jsonl"], groups: groups, evaluation: e).render()
        #expect(page.contains("No position chart"))
        #expect(page.components(separatedBy: "<svg").count - 1 == 3)
    }
}
