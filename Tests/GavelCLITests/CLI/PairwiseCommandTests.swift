import Foundation
import GavelTesting
import Testing

/// `--compare pairwise` through the `gavel` executable against the simulator.
@Suite("gavel rank --compare pairwise")
struct PairwiseCommandTests {
    static func gavel(_ line: [String: Any]) -> [String: Any] { line["gavel"] as? [String: Any] ?? [:] }

    @Test("a tournament orders every group right with far fewer calls than every ordered pair; cached, order-invariant")
    func ranks() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 4, size: 8, shuffled: true))
        let reshuffled = try dir.write("re.jsonl", QualityGroups.lines(groups: 4, size: 8, shuffled: true, seed: 99))
        try await withSimulator { sim in
            let common = ["--compare", "pairwise", "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache-dir", dir.path("cache")]
            let r = try await runProduct("gavel", ["rank", input, "-o", dir.path("out.jsonl")] + common)
            #expect(r.status == 0, "\(r.stderr)")
            let calls = sim.stats.snapshot.requests
            // At least 3 rounds of 4 pairs, both orders: 24 calls a group (every ordered pair: 56); a round
            // more where a pair's result upset the fit so far.
            #expect(calls >= 4 * 24 && calls <= 4 * 40, "\(calls)")
            #expect(r.stderr.contains("scores+logprobs pairwise"), "\(r.stderr)")
            let lines = try parseJSONL(try dir.read("out.jsonl"))
            #expect(lines.count == 32)
            for line in lines {
                let g = Self.gavel(line)
                #expect(g["answer"] as? String == "scores+logprobs pairwise")
                #expect(g["windows"] as? Int ?? 0 >= 2, "each member meets at least two others")
            }
            let groups = Dictionary(grouping: lines) { $0["group_id"] as? String ?? "" }
            for (_, members) in groups {
                let byTruth = members.sorted {
                    ($0["metrics"] as? [String: Any])?["independent_reward"] as? Double ?? 0 < ($1["metrics"] as? [String: Any])?[
                        "independent_reward"] as? Double ?? 0
                }
                let scores = byTruth.map { Self.gavel($0)["score"] as? Double ?? -1 }
                #expect(scores == scores.sorted() && Set(scores).count == scores.count, "\(scores)")
            }
            let again = try await runProduct("gavel", ["rank", reshuffled, "-o", dir.path("re-out.jsonl")] + common)
            #expect(again.status == 0 && sim.stats.snapshot.requests == calls, "the same pairs in another file order come from the cache")

            let dry = try await runProduct("gavel", ["rank", input, "--dry-run", "--cache-dir", dir.path("empty")] + common.dropLast(2))
            #expect(dry.stdout.contains("at least 96 (0 answered by the cache)"), "\(dry.stdout)")
        }
    }

    @Test("a noisy judge gets more rounds and still beats the listwise ranking it makes from one prompt")
    func noisy() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 6, size: 8, shuffled: true))
        try await withSimulator(.init(seed: 3, noise: 0.3)) { sim in
            let common = ["--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off"]
            let p = try await runProduct("gavel", ["rank", input, "-o", dir.path("p.jsonl"), "--compare", "pairwise"] + common)
            #expect(p.status == 0, "\(p.stderr)")
            let calls = sim.stats.snapshot.requests
            #expect(calls > 6 * 24 && calls <= 6 * 56, "\(calls)")
            let l = try await runProduct("gavel", ["rank", input, "-o", dir.path("l.jsonl")] + common)
            #expect(l.status == 0)
            func accuracy(_ file: String) async throws -> Double {
                let e = try await runProduct("gavel", ["eval", dir.path(file), "--json"])
                let o = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any]
                return ((o?["truth"] as? [String: Any])?["pairwise_accuracy"] as? [String: Any])?["estimate"] as? Double ?? 0
            }
            let (pairwise, listwise) = (try await accuracy("p.jsonl"), try await accuracy("l.jsonl"))
            #expect(pairwise > listwise + 0.05, "pairwise \(pairwise) vs listwise \(listwise)")
        }
    }

    @Test("samples, batches and bad values are refused before any call")
    func refused() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 2, size: 4))
        try await withSimulator { sim in
            let base = ["rank", input, "--compare", "pairwise", "--judge", "openai/sim", "--api-base", sim.baseURL]
            let samples = try await runProduct("gavel", base + ["--samples", "3"])
            #expect(
                samples.status == 2 && samples.stderr.contains("samples do not apply") && samples.stderr.contains("--compare"),
                "\(samples.stderr)")
            let bad = try await runProduct("gavel", ["rank", input, "--compare", "swiss"])
            #expect(bad.status == 2 && bad.stderr.contains("--compare"), "\(bad.stderr)")
            var batch = base
            batch[0] = "submit"
            let b = try await runProduct("gavel", ["batch"] + batch + ["--cache-dir", dir.path("c")])
            #expect(b.status == 2 && b.stderr.contains("pairwise tournament"), "\(b.stderr)")
            #expect(sim.stats.snapshot.requests == 0)
        }
    }
}
