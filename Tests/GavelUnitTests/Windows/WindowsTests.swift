import Foundation
import GavelTesting
import Testing

@testable import Gavel
@testable import GavelCore
@testable import GavelScoring

@Suite("Large groups: windows and the Bradley–Terry fit")
struct WindowsTests {
    @Test("windows: every member in at least two, consecutive windows overlap, at most 3n/size of them", arguments: [20, 64, 100, 256])
    func plan(_ n: Int) {
        let canonical = Array((0..<n).reversed())
        let windows = WindowPlan.windows(canonical: canonical, size: 16)
        var seen = [Int](repeating: 0, count: n)
        for w in windows { for m in w { seen[m] += 1 } }
        #expect(seen.allSatisfy { $0 >= 2 })
        #expect(windows.allSatisfy { $0.count == 16 && Set($0).count == 16 })
        #expect(windows.count <= 3 * n / 16 + 1 && windows.count == (n + 7) / 8)
        for k in windows.indices.dropFirst() { #expect(!Set(windows[k]).isDisjoint(with: windows[k - 1])) }
        #expect(WindowPlan.windows(canonical: Array(0..<10), size: 16) == [Array(0..<10)], "a small group is one window")
    }

    @Test("window size from a token budget")
    func size() {
        #expect(WindowPlan.size(forTokens: 20_600, members: 40, maxTokens: 4_600) == 8)
        #expect(WindowPlan.size(forTokens: 100_000, members: 10, maxTokens: 1_000) == 3, "never below 3")
    }

    @Test("the fit recovers the order of exact window scores, and stays finite when unanimous")
    func fit() {
        let n = 64
        let quality = (0..<n).map { Double(($0 * 37) % n) / Double(n) }
        var c = BradleyTerry.Comparisons(members: n)
        for w in WindowPlan.windows(canonical: Array(0..<n), size: 16) { c.add(window: w, scores: w.map { quality[$0] }) }
        let scores = BradleyTerry().scores(c)
        #expect(spearman(scores, quality) > 0.999)
        #expect(scores.allSatisfy { $0.isFinite && (0...1).contains($0) })
        // The default stopping rule (every strength within 1e-5 of its last value) changes no score by
        // more than the output's third decimal against a fit run to 1e-12.
        var tight = BradleyTerry()
        tight.tolerance = 1e-12
        tight.maxIterations = 100_000
        let exact = tight.scores(c)
        #expect(zip(scores, exact).allSatisfy { abs($0 - $1) < 5e-4 }, "largest gap \(zip(scores, exact).map { abs($0 - $1) }.max() ?? 0)")
        var flat = BradleyTerry.Comparisons(members: 4)
        flat.add(window: [0, 1, 2, 3], scores: [0.5, 0.5, 0.5, 0.5])
        #expect(BradleyTerry().scores(flat) == [0.5, 0.5, 0.5, 0.5])
    }

    @Test("disconnected comparisons (two windows that share no member, one unanimous) stay finite, ordered within each part")
    func disconnected() {
        var c = BradleyTerry.Comparisons(members: 6)
        c.add(window: [0, 1, 2], scores: [0.9, 0.5, 0.1])
        c.add(window: [3, 4, 5], scores: [1, 0, 0])  // a member that wins everything in its part
        let strengths = BradleyTerry().strengths(c)
        #expect(strengths.allSatisfy { $0.isFinite && $0 > 0 }, "\(strengths)")
        // The prior's drawn games tie each part (and the unanimous winner) to the reference: bounded strengths.
        #expect((strengths.max() ?? .infinity) / (strengths.min() ?? 0) < 1e3, "\(strengths)")
        let scores = BradleyTerry().scores(c)
        #expect(scores.allSatisfy { $0.isFinite && (0...1).contains($0) }, "\(scores)")
        #expect(scores[0] > scores[1] && scores[1] > scores[2], "\(scores)")
        #expect(scores[3] > scores[4] && abs(scores[4] - scores[5]) < 1e-9, "\(scores)")
    }

    @Test("a group of 64 through the pipeline: 8 window calls, gavel.windows, order of the truth")
    func pipeline() async throws {
        let dir = try TempDir()
        let qualities = (0..<64).map { Double(($0 * 37) % 64 + 10) / 100 }
        let lines = qualities.enumerated().map { m, q in
            #"{"group_id":"big","reward":\#(q),"messages":[{"role":"user","content":"task"},{"role":"assistant","content":"try \#(m) "#
                + #"QUALITY=\#(q)"}]}"#
        }
        let input = try dir.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        let judge = StubJudge.byText()
        let options = RankOptions(inputs: [input], output: dir.path("out.jsonl"), window: 16)
        let plan = try await RankPipeline(options: options, judge: judge).plan()
        #expect(plan.calls == 8)
        let summary = try await RankPipeline(options: options, judge: judge).run()
        #expect(summary.isComplete && judge.callCount == 8)
        let out = try parseJSONL(try dir.read("out.jsonl"))
        let gavel = out.map { $0["gavel"] as? [String: Any] ?? [:] }
        #expect(gavel.allSatisfy { ($0["windows"] as? Int ?? 0) >= 2 })
        #expect(spearman(gavel.map { $0["score"] as? Double ?? -1 }, qualities) >= 0.98)
        let preview = try #require(try await RankPipeline(options: options, judge: judge).prompts(forGroupNamed: "big"))
        #expect(preview.map(\.window) == Array(0..<8), "one prompt per window, numbered")
    }
}

@Suite("Panels: rubric front matter and flags")
struct PanelConfigurationTests {
    @Test("a rubric may name a panel; a panel of one is an error")
    func rubricPanel() throws {
        let text = "---\nname: jury\npanel: openai/a, anthropic/b@http://127.0.0.1:9/v1\n---\nScore it."
        let (rubric, problems) = try RubricFile.parse(text, path: "jury.md", defaultName: "jury")
        #expect(problems.isEmpty)
        #expect(rubric.panel == ["openai/a", "anthropic/b@http://127.0.0.1:9/v1"])
        let bad = #expect(throws: (any Error).self) {
            try RubricFile.parse("---\npanel: openai/a\n---\nx", path: "one.md", defaultName: "one")
        }
        #expect("\(bad.map { "\($0)" } ?? "")" == "one.md:2: panel must list two or more PROVIDER/MODEL judges, separated by commas")
    }

    @Test("RankRun builds a panel from PROVIDER/MODEL@BASE_URL members, each with its own server")
    func members() throws {
        var c = RankConfiguration(inputs: ["x.jsonl"], environment: [:])
        c.panel = ["openai/a@http://127.0.0.1:9001/v1", "vllm/b@http://127.0.0.1:9002/v1"]
        c.cacheMode = .off
        let run = try RankRun(configuration: c)
        #expect(run.endpoints.map(\.name) == ["openai/a", "vllm/b"])
        #expect(run.endpoints.map(\.baseURL) == ["http://127.0.0.1:9001/v1", "http://127.0.0.1:9002/v1"])
        #expect(run.cost(TokenUsage(prompt: 1000, completion: 10)) == nil, "a panel's tokens cannot be priced apart")
        c.explainWith = "openai/z"
        #expect(throws: RankFailure.self) { try RankRun(configuration: c) }
    }
}
