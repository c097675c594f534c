import Foundation
import GavelTesting
import Testing

@testable import GavelCore
@testable import GavelEval

@Suite("Judge evaluation: agreement measures, bootstrap, reading ranked files")
struct EvalStatisticsTests {
    @Test("pairwise accuracy counts judge ties as half and skips pairs the reference ties")
    func pairwise() {
        #expect(RankAgreement.pairwise([0.9, 0.5, 0.1], [3, 2, 1]) == (3, 3))
        #expect(RankAgreement.pairwise([0.1, 0.5, 0.9], [3, 2, 1]) == (0, 3))
        #expect(RankAgreement.pairwise([0.5, 0.5, 0.1], [3, 2, 1]) == (2.5, 3))
        #expect(RankAgreement.pairwise([0.9, 0.5, 0.1], [1, 1, 0]) == (2, 2))
    }

    @Test("Kendall τ-b: ±1 for the same and reversed order, ties corrected, undefined for a constant")
    func tau() throws {
        #expect(RankAgreement.kendallTauB([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(RankAgreement.kendallTauB([1, 2, 3, 4], [40, 30, 20, 10]) == -1)
        let tied = try #require(RankAgreement.kendallTauB([1, 1, 2], [1, 2, 3]))
        #expect(abs(tied - 2 / 6.0.squareRoot()) < 1e-12)
        #expect(RankAgreement.kendallTauB([1, 1, 1], [1, 2, 3]) == nil)
    }

    @Test("top-1: the judge's best is a reference best; ties split the credit")
    func topOne() {
        #expect(RankAgreement.topOne([0.9, 0.2, 0.1], [1, 0, 0]) == 1)
        #expect(RankAgreement.topOne([0.2, 0.9, 0.1], [1, 0, 0]) == 0)
        #expect(RankAgreement.topOne([0.9, 0.9, 0.1], [1, 0, 0]) == 0.5)
        #expect(RankAgreement.topOne([0.9, 0.2, 0.1], [1, 1, 1]) == nil)
    }

    @Test("the bootstrap is reproducible with its seed and brackets the estimate")
    func bootstrap() throws {
        let values = (0..<40).map { Double($0 % 7) / 7 }
        let a = try #require(Bootstrap(resamples: 500, seed: 9).mean(values))
        let b = try #require(Bootstrap(resamples: 500, seed: 9).mean(values))
        let c = try #require(Bootstrap(resamples: 500, seed: 10).mean(values))
        #expect(a == b)
        #expect(a.low != c.low || a.high != c.high, "another seed should draw other resamples")
        #expect(a.low <= a.estimate && a.estimate <= a.high && a.low < a.high)
        #expect(Bootstrap().ratio([]) == nil)
    }

    @Test("position bias: a judge that favours later slots has a positive slope; flips counted between samples")
    func position() throws {
        // Three trajectories, three samples, each shown once at every slot; +0.3 per full position.
        let slots = [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
        let quality = [0.2, 0.5, 0.8]
        let members = (0..<3).map { m in
            let s = slots.map { $0[m] }
            return RankedGroup.Member(score: quality[m], samples: s.map { quality[m] + 0.3 * Double($0) / 2 }, slots: s, truth: quality[m])
        }
        let e = JudgeEvaluation(files: ["x"], groups: [RankedGroup(key: "g", members: members)], truthPath: "t", truthMissing: 0)
        let p = try #require(e.position)
        #expect(abs(p.slope - 0.3) < 1e-9)
        #expect(p.meanScoreBySlot.count == 3 && p.meanScoreBySlot[0] < p.meanScoreBySlot[2])
        #expect(e.samples == 3 && e.flipRate != nil && e.spreadMean != nil)
        #expect(e.truth.pairwiseAccuracy?.estimate == 1)
    }

    @Test("reading ranked output: group lines and trajectory lines, missing truth counted, a group of one")
    func reading() throws {
        let dir = try TempDir()
        let path = try dir.write(
            "r.jsonl",
            [
                #"{"metrics":{"independent_reward":1},"gavel":{"group":"a","score":0.9,"rank":1}}"#,
                #"{"metrics":{},"gavel":{"group":"a","score":0.1,"rank":2}}"#,
                #"{"trajectories":[{"metrics":{"independent_reward":0.5},"gavel":{"group":"b","score":0.4,"samples":[0.3,0.5],"#
                    + #""slots":[1,0]}}]}"#,
                #"{"gavel":{"group":"c","error":"not judged: the run was interrupted"}}"#,
            ].joined(separator: "\n") + "\n")
        let (groups, missing) = try RankedFiles.read([path], truthPath: "metrics.independent_reward")
        #expect(groups.map(\.key) == ["a", "b", "c"])
        #expect(missing == 2)
        #expect(groups[1].members == [RankedGroup.Member(score: 0.4, samples: [0.3, 0.5], slots: [1, 0], truth: 0.5)])
        #expect(groups[2].isJudged == false)
        let e = JudgeEvaluation(files: [path], groups: groups, truthPath: "metrics.independent_reward", truthMissing: missing)
        #expect(e.judgedGroups == 2 && e.failedGroups == 1 && e.singleGroups == 1)
        #expect(e.truth.pairwiseAccuracy == nil, "no group has two trajectories with a reference")
    }

    @Test("a line that is not Gavel output is an error naming its file and line")
    func notGavelOutput() throws {
        let dir = try TempDir()
        let path = try dir.write("in.jsonl", #"{"gavel":{"group":"a","score":1}}"# + "\n" + #"{"reward":1,"messages":[]}"# + "\n")
        let error = #expect(throws: InputError.self) { try RankedFiles.read([path], truthPath: "reward") }
        #expect(error?.description.hasPrefix("\(path):2: expected Gavel output") == true, "\(String(describing: error))")
    }
}
