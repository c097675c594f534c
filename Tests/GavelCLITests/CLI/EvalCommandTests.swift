import Foundation
import GavelTesting
import Testing

@Suite("gavel eval command line")
struct EvalCommandTests {
    static let example = TestPaths.repo.appendingPathComponent("Examples/art-group-lines.jsonl").path

    @Test("--json writes one object with the documented fields; text names the measures")
    func json() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel",
                ["rank", Self.example, "-o", dir.path("r.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--samples", "3"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let e = try await runProduct("gavel", ["eval", dir.path("r.jsonl"), "--truth", "metrics.ruler_score", "--json"])
        #expect(e.status == 0, "\(e.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        for key in [
            "files", "groups", "judged_groups", "failed_groups", "single_trajectory_groups", "trajectories", "samples", "truth",
            "position", "flip_rate", "score_spread", "zero_variance_share", "mean_distinct_scores", "bootstrap",
        ] {
            #expect(object[key] != nil, "no \(key) in \(e.stdout)")
        }
        let truth = try #require(object["truth"] as? [String: Any])
        #expect((truth["pairwise_accuracy"] as? [String: Any])?["estimate"] as? Double == 1, "the score agrees with itself: \(truth)")
        #expect(object["samples"] as? Int == 3)
        let text = try await runProduct("gavel", ["eval", dir.path("r.jsonl"), "--truth", "metrics.ruler_score"])
        #expect(text.status == 0)
        // The example's rewards were all 0 before ranking: nothing to agree with, and it says so.
        let flat = try await runProduct("gavel", ["eval", dir.path("r.jsonl")])
        #expect(flat.status == 0 && flat.stdout.contains("the reference separates no two trajectories"), "\(flat.stdout)")
        for words in ["pairwise accuracy", "Kendall τ-b", "top-1 accuracy", "position slope", "flip rate", "95% CI"] {
            #expect(text.stdout.contains(words), "\(words) missing from: \(text.stdout)")
        }
    }

    @Test("against a known truth: the estimate is the count of agreeing pairs, the interval brackets it and follows the seed")
    func knownTruth() async throws {
        let dir = try TempDir()
        // 20 groups of 5 with known qualities, judged by a noisy simulator: agreement is real and imperfect.
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 20, size: 5, shuffled: true))
        try await withSimulator(.init(seed: 5, noise: 0.2)) { sim in
            let r = try await runProduct(
                "gavel", ["rank", input, "-o", dir.path("r.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        // The truth, counted here from the output: pairs of different quality, judge ties half.
        let lines = try parseJSONL(try dir.read("r.jsonl"))
        var agree = 0.0, pairs = 0.0
        for (_, members) in Dictionary(grouping: lines, by: { $0["group_id"] as? String ?? "" }) {
            let items = members.map {
                (
                    ($0["metrics"] as? [String: Any])?["independent_reward"] as? Double ?? .nan,
                    ($0["gavel"] as? [String: Any])?["score"] as? Double ?? .nan
                )
            }
            for i in items.indices {
                for j in items.indices where j > i && items[i].0 != items[j].0 {
                    pairs += 1
                    let judged = (items[i].1 - items[j].1) * (items[i].0 - items[j].0)
                    agree += judged > 0 ? 1 : judged == 0 ? 0.5 : 0
                }
            }
        }
        #expect(pairs == 200)
        func pairwise(_ seed: String) async throws -> [String: Double] {
            let e = try await runProduct("gavel", ["eval", dir.path("r.jsonl"), "--json", "--seed", seed])
            let o = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any]
            let p = ((o?["truth"] as? [String: Any])?["pairwise_accuracy"] as? [String: Any]) ?? [:]
            return p.compactMapValues { $0 as? Double }
        }
        let one = try await pairwise("1"), again = try await pairwise("1"), other = try await pairwise("2")
        let estimate = try #require(one["estimate"]), low = try #require(one["low"]), high = try #require(one["high"])
        #expect(abs(estimate - agree / pairs) < 1e-12, "\(estimate) vs \(agree / pairs)")
        #expect(estimate > 0.6 && estimate < 1, "the noise leaves agreement real but imperfect: \(estimate)")
        #expect(low < estimate && estimate < high && high - low < 0.3, "\(one)")
        #expect(one == again, "the same seed gives the same interval")
        #expect(other["estimate"] == estimate && (other["low"] != low || other["high"] != high), "another seed resamples: \(other)")
    }

    @Test("input that is not Gavel output: exit 2 with file:line")
    func notRanked() async throws {
        let e = try await runProduct("gavel", ["eval", Self.example])
        #expect(e.status == 2)
        #expect(e.stderr.contains("art-group-lines.jsonl:1: expected Gavel output"), "\(e.stderr)")
        let missing = try await runProduct("gavel", ["eval", "/nonexistent.jsonl"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent.jsonl: cannot open"))
    }

    @Test("the simulator's bias flags are checked")
    func simulatorFlags() async throws {
        let r = try await runProduct("gavel-judge-sim", ["--position-bias", "2"])
        #expect(r.status != 0 && r.stderr.contains("--position-bias must be between -1 and 1"), "\(r.stderr)")
    }
}
