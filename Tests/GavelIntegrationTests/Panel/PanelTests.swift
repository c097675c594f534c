import Foundation
import GavelSupport
import GavelTesting
import Testing

@testable import Gavel
@testable import GavelEval
@testable import GavelJudge

/// Panels of simulated judges with known flaws, built through RankRun as the command line builds them.
@Suite("Judge panels against simulated judges")
struct PanelTests {
    /// Ranks `input` with the judges `specs` (one, or a panel) and evaluates the output against the truth.
    static func rank(
        _ input: String, _ dir: TempDir, _ name: String, _ specs: [String], combination: PanelJudge.Combination = .mean
    )
        async throws -> (RankSummary, JudgeEvaluation, [[String: Any]])
    {
        var c = RankConfiguration(inputs: [input], environment: [:])
        c.pipeline.output = dir.path(name)
        c.pipeline.concurrency = 8
        if specs.count == 1 { c.judge = specs[0] } else { c.panel = specs }
        c.panelCombination = combination
        c.cacheMode = .off
        c.scoreStage = .inline
        c.judgeSettings = JudgeSettings(maxRetries: 1, baseBackoff: .milliseconds(5), maxBackoff: .milliseconds(20))
        let summary = try await RankRun(configuration: c).run()
        let (groups, missing) = try RankedFiles.read([dir.path(name)], truthPath: "metrics.independent_reward")
        let e = JudgeEvaluation(files: [name], groups: groups, truthPath: "metrics.independent_reward", truthMissing: missing)
        return (summary, e, try parseJSONL(try dir.read(name)))
    }

    @Test("a panel of two noisy judges and a position-biased one agrees with the truth at least as well as its best member")
    func agreement() async throws {
        let dir = try TempDir()
        let input = try JudgeEvaluationTests.input(dir)
        try await withSimulator(.init(seed: 1, noise: 0.15)) { a in
            try await withSimulator(.init(seed: 2, noise: 0.15)) { b in
                try await withSimulator(.init(positionBias: 0.3)) { c in
                    let specs = ["openai/noisy-a@\(a.baseURL)", "openai/noisy-b@\(b.baseURL)", "openai/biased@\(c.baseURL)"]
                    var best = 0.0
                    for (i, spec) in specs.enumerated() {
                        let (s, e, _) = try await Self.rank(input, dir, "single-\(i).jsonl", [spec])
                        #expect(s.isComplete)
                        best = max(best, e.truth.pairwiseAccuracy?.estimate ?? 0)
                    }
                    let (s, e, out) = try await Self.rank(input, dir, "panel.jsonl", specs)
                    #expect(s.isComplete)
                    let panel = try #require(e.truth.pairwiseAccuracy?.estimate)
                    #expect(panel >= best, "panel \(panel) against the best member's \(best)")
                    let g = out.first?["gavel"] as? [String: Any] ?? [:]
                    #expect((g["panel"] as? [String: Any])?.keys.sorted() == ["openai/biased", "openai/noisy-a", "openai/noisy-b"])
                    #expect(g["panel_spread"] as? Double != nil && g["panel_missing"] == nil)
                    #expect((g["judge"] as? String)?.hasPrefix("panel:") == true)
                }
            }
        }
    }

    @Test("a member that cannot be reached is left out: the others score every group, gavel.panel_missing names it")
    func memberDown() async throws {
        let dir = try TempDir()
        let input = try JudgeEvaluationTests.input(dir)
        let down = try RefusingPort()
        try await withSimulator(.init(seed: 1, noise: 0.05)) { a in
            try await withSimulator(.init(seed: 2, noise: 0.05)) { b in
                let specs = ["openai/a@\(a.baseURL)", "openai/b@\(b.baseURL)", "openai/down@http://127.0.0.1:\(down.port)/v1"]
                let (s, e, out) = try await Self.rank(input, dir, "panel.jsonl", specs, combination: .median)
                #expect(s.isComplete && s.judgedGroups == 30, "\(s.firstFailure ?? "")")
                #expect((e.truth.pairwiseAccuracy?.estimate ?? 0) > 0.8)
                #expect(out.allSatisfy { (($0["gavel"] as? [String: Any])?["panel_missing"] as? [String]) == ["openai/down"] })
            }
        }
    }

    @Test("combining: mean, median, Borda")
    func combine() {
        let lists = [[0.9, 0.5, 0.1], [0.6, 0.7, 0.2], [0.8, 0.4, 0.3]]
        #expect(PanelJudge.combine(lists, .median) == [0.8, 0.5, 0.2])
        #expect(PanelJudge.combine(lists, .mean).map { ($0 * 1000).rounded() / 1000 } == [0.767, 0.533, 0.2])
        #expect(PanelJudge.combine(lists, .borda).map { ($0 * 1000).rounded() / 1000 } == [0.833, 0.667, 0.0])
    }
}
