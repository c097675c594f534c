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
