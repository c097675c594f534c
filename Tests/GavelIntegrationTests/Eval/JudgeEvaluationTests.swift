import Foundation
import GavelSupport
import GavelTesting
import Testing

@testable import Gavel
@testable import GavelEval

/// `gavel eval`'s measures on judges with a known bias: the simulator on loopback.
@Suite("Judge evaluation against simulated judges with known bias and noise")
struct JudgeEvaluationTests {
    /// 30 groups of 6 trajectories whose reward is their QUALITY (what the simulator scores).
    static func input(_ dir: TempDir) throws -> String {
        var rng = SplitMix64(seed: 3)
        var lines: [String] = []
        for g in 0..<30 {
            var qualities: Set<Int> = []
            while qualities.count < 6 { qualities.insert(5 + Int(rng.next() % 90)) }
            for (m, q) in qualities.sorted().shuffled(using: &rng).enumerated() {
                lines.append(
                    #"{"group_id":"g\#(g)","reward":\#(Double(q) / 100),"messages":[{"role":"user","content":"task \#(g)"},"#
                        + #"{"role":"assistant","content":"answer \#(m) QUALITY=\#(Double(q) / 100)"}]}"#)
            }
        }
        return try dir.write("in.jsonl", lines.joined(separator: "\n") + "\n")
    }

    /// Ranks the input against a simulator with `configuration` and reads the output back.
    static func rank(
        _ input: String, _ dir: TempDir, _ name: String, samples: Int = 1, _ configuration: SimulatorConfiguration
    ) async throws
        -> [RankedGroup]
    {
        try await withSimulator(configuration) { sim in
            let options = RankOptions(inputs: [input], output: dir.path(name), concurrency: 8, samples: samples)
            let summary = try await RankPipeline(options: options, judge: try simulatorJudge(sim)).run()
            #expect(summary.isComplete)
        }
        return try RankedFiles.read([dir.path(name)], truthPath: "metrics.independent_reward").groups
    }

    static func evaluate(_ groups: [RankedGroup]) -> JudgeEvaluation {
        JudgeEvaluation(files: ["x"], groups: groups, truthPath: "metrics.independent_reward", truthMissing: 0)
    }

    @Test("an unbiased judge agrees with the truth on every pair")
    func unbiased() async throws {
        let dir = try TempDir()
        let e = Self.evaluate(try await Self.rank(try Self.input(dir), dir, "plain.jsonl", .init()))
        #expect(e.truth.pairwiseAccuracy?.estimate == 1 && e.truth.pairs == 30 * 15)
        #expect(e.truth.kendallTauB?.estimate == 1 && e.truth.topOneAccuracy?.estimate == 1)
        #expect(e.zeroVarianceShare == 0)
    }

    @Test("a judge biased to later slots shows a positive slope; 5 samples disagree with the truth less than 1")
    func positionBias() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        let one = Self.evaluate(try await Self.rank(input, dir, "one.jsonl", .init(positionBias: 0.3)))
        let five = Self.evaluate(try await Self.rank(input, dir, "five.jsonl", samples: 5, .init(positionBias: 0.3)))
        let slope1 = try #require(one.position?.slope), slope5 = try #require(five.position?.slope)
        #expect(slope1 > 0.15 && slope5 > 0.15, "slopes \(slope1), \(slope5)")
        let wrong1 = 1 - (one.truth.pairwiseAccuracy?.estimate ?? 0), wrong5 = 1 - (five.truth.pairwiseAccuracy?.estimate ?? 0)
        #expect(wrong5 < wrong1, "disagreement with truth: 5 samples \(wrong5), 1 sample \(wrong1)")
        #expect(wrong1 > 0.05, "the bias should cost agreement: \(wrong1)")
        #expect((five.flipRate ?? 0) > 0)
    }

    @Test("--against: identical runs agree fully; runs with different noise agree less and name the groups")
    func against() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        let a = try await Self.rank(input, dir, "a.jsonl", .init(seed: 1, noise: 0.15))
        let b = try await Self.rank(input, dir, "b.jsonl", .init(seed: 2, noise: 0.15))
        let a2 = try await Self.rank(input, dir, "a2.jsonl", .init(seed: 1, noise: 0.15))
        var same = Self.evaluate(a)
        same.compare(with: a2, file: "a2.jsonl", groups: a)
        #expect(same.against?.pairwiseAgreement?.estimate == 1 && same.against?.matchedGroups == 30)
        #expect(same.against?.mostDisagreeing.isEmpty == true)
        var other = Self.evaluate(a)
        other.compare(with: b, file: "b.jsonl", groups: a)
        let agreement = try #require(other.against?.pairwiseAgreement?.estimate)
        #expect(agreement < 1 && agreement > 0.5, "\(agreement)")
        let worst = try #require(other.against?.mostDisagreeing.first)
        #expect(worst.agreement < agreement && worst.key.hasPrefix("g"))
    }
}
