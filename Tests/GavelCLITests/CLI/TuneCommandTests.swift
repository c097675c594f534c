import Foundation
import GavelTesting
import Testing

/// `gavel tune` against the simulator: every mode measured on labelled groups, figures that are
/// gavel eval's on the same outputs, a rubric that gavel rank takes, budgets and bad input.
@Suite("gavel tune")
struct TuneCommandTests {
    /// 10 groups of 4 of known quality (the line's `reward`), shuffled.
    static func input(_ dir: TempDir) throws -> String {
        try dir.write("lab.jsonl", QualityGroups.lines(groups: 10, size: 4, shuffled: true))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("every mode's figures are gavel eval's on its output; the written rubric ranks in the chosen mode from the cache")
    func measuresAndWrites() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        try await withSimulator(.init(seed: 4, noise: 0.25)) { sim in
            let common = ["--judge", "openai/sim", "--api-base", sim.baseURL, "--cache-dir", dir.path("cache")]
            let r = try await runProduct(
                "gavel",
                ["tune", input, "--truth", "reward", "--output-dir", dir.path("out"), "--write-rubric", dir.path("tuned.md"), "--json"]
                    + common)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(sim.stats.snapshot.requests == 60, "6 modes × 10 groups")
            #expect(FileManager.default.fileExists(atPath: dir.path("out/groups.jsonl")), "the sample goes beside the outputs")
            let table = try Self.json(r.stdout)
            let modes = try #require(table["modes"] as? [[String: Any]])
            #expect(
                modes.map { $0["mode"] as? String ?? "" } == [
                    "explained", "explained+logprobs", "brief", "brief+logprobs", "scores", "scores+logprobs",
                ])
            for m in modes {
                let name = try #require(m["mode"] as? String)
                let file = dir.path("out/\(m["answer"] as? String ?? "")-\(m["grade"] as? String ?? "")-s1.jsonl")
                let e = try await runProduct("gavel", ["eval", file, "--truth", "metrics.independent_reward", "--json"])
                let eval = try Self.json(e.stdout)
                let truth = try #require(eval["truth"] as? [String: Any])
                let mine = try #require(m["pairwise_accuracy"] as? [String: Any])
                let theirs = try #require(truth["pairwise_accuracy"] as? [String: Any])
                for k in ["estimate", "low", "high"] {
                    #expect(mine[k] as? Double == theirs[k] as? Double, "\(name) \(k)")
                }
                let (tau, top) = (m["kendall_tau_b"] as? [String: Any], truth["kendall_tau_b"] as? [String: Any])
                #expect(tau?["estimate"] as? Double == top?["estimate"] as? Double, "\(name) τ-b")
                #expect(m["zero_variance_share"] as? Double == eval["zero_variance_share"] as? Double, "\(name)")
                #expect((m["output_tokens_per_group"] as? Double ?? 0) > 0 && (m["input_tokens_per_group"] as? Double ?? 0) > 100)
                #expect(m["judged_groups"] as? Int == 10 && m["calls"] as? Int == 10)
            }
            // Accuracy is real: the simulator's noise leaves it well above chance, below perfect.
            let accuracies = modes.compactMap { ($0["pairwise_accuracy"] as? [String: Any])?["estimate"] as? Double }
            #expect(accuracies.count == 6 && accuracies.allSatisfy { $0 > 0.6 && $0 < 1 }, "\(accuracies)")
            let chosen = try #require(table["chosen"] as? String)
            let best = accuracies.max() ?? 0
            let chosenRow = try #require(modes.first { $0["mode"] as? String == chosen })
            #expect(((chosenRow["pairwise_accuracy"] as? [String: Any])?["estimate"] as? Double ?? 0) >= best - 0.001)
            #expect(modes.contains { $0["best_for_cost"] as? Bool == true })

            // The rubric: the chosen mode as its defaults; gavel rank with it makes no call (tune cached the answers).
            let rubric = try dir.read("tuned.md")
            #expect(rubric.contains("answer: \(chosenRow["answer"] as? String ?? "?")\ngrade: \(chosenRow["grade"] as? String ?? "?")"))
            #expect(rubric.contains("Tuned by gavel tune for openai/sim on 10 groups"))
            let before = sim.stats.snapshot.requests
            let rank = try await runProduct("gavel", ["rank", input, "--rubric", dir.path("tuned.md"), "-o", dir.path("r.jsonl")] + common)
            #expect(rank.status == 0, "\(rank.stderr)")
            #expect(sim.stats.snapshot.requests == before, "the tuned rank should come from the cache")
            #expect(try dir.read("r.jsonl").contains(#""answer":"\#(chosen)""#))

            // A rerun measures the same from the cache: tokens and seconds of cached answers count.
            let again = try await runProduct("gavel", ["tune", input, "--truth", "reward", "--json"] + common)
            #expect(sim.stats.snapshot.requests == before)
            let rerun = try #require(try Self.json(again.stdout)["modes"] as? [[String: Any]])
            for (a, b) in zip(modes, rerun) {
                #expect(
                    (a["pairwise_accuracy"] as? [String: Any])?["estimate"] as? Double == (b["pairwise_accuracy"] as? [String: Any])?[
                        "estimate"] as? Double)
                #expect(a["output_tokens_per_group"] as? Double == b["output_tokens_per_group"] as? Double)
                #expect(b["calls"] as? Int == 0)
            }
        }
    }

    @Test("the text table, --sample-counts and --groups, and a call budget that leaves modes unrun")
    func tableAndBudget() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel",
                [
                    "tune", input, "--truth", "reward", "--answers", "scores", "--grades", "number,logprobs", "--sample-counts", "1,2",
                    "--groups", "4", "--max-calls", "5", "--judge", "openai/sim", "--api-base", sim.baseURL,
                ])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.hasPrefix("gavel tune: 4 groups of \(input), truth reward, judge openai/sim\n"), "\(r.stdout)")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.contains("scores ") && $0.contains("(") })
            #expect(lines.contains { $0.contains("scores x2") && $0.contains("(") }, "4 calls: the second mode starts under budget")
            #expect(
                lines.contains { $0.contains("scores+logprobs") && $0.contains("not run: the call budget (5) was spent") }, "\(r.stdout)")
            // x2's first sample is x1's prompt, answered by the cache: 4 + 4 calls.
            #expect(sim.stats.snapshot.requests == 8)
            #expect(r.stdout.contains("chosen: "))
        }
    }

    @Test("--dry-run prices every mode and calls nothing")
    func dryRun() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        let prices = try dir.write("prices.json", #"{"sim": {"input": 1.0, "output": 4.0}}"#)
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel",
                [
                    "tune", input, "--truth", "reward", "--dry-run", "--answers", "explained,scores", "--judge", "openai/sim", "--api-base",
                    sim.baseURL, "--prices", prices,
                ])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(sim.stats.snapshot.requests == 0)
            func dollars(_ mode: String) -> Double? {
                let line = r.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(mode + " ") }
                return line.flatMap { $0.split(separator: "$").last }.flatMap { Double($0) }
            }
            let explained = try #require(dollars("explained")), scores = try #require(dollars("scores+logprobs"))
            #expect(explained > scores, "explanations cost more output tokens: \(r.stdout)")
            #expect(r.stdout.contains("10 calls (0 cached)"))
            let chosen = try await runProduct(
                "gavel",
                [
                    "tune", input, "--truth", "reward", "--dry-run", "--modes", "explained, scores+logprobs x3, scores pairwise",
                    "--judge", "openai/sim", "--api-base", sim.baseURL,
                ])
            let rows = chosen.stdout.split(separator: "\n").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(rows.count == 3 && rows[0].hasPrefix("explained ") && rows[2].hasPrefix("scores pairwise "), "\(rows)")
            #expect(rows[1].hasPrefix("scores+logprobs x3") && rows[1].contains(" 30 calls (0 cached)"), "\(rows)")
        }
    }

    @Test("bad input stops before any call with exit 2")
    func badInput() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        try await withSimulator { sim in
            let base = ["tune", input, "--judge", "openai/sim", "--api-base", sim.baseURL]
            let cases: [([String], String)] = [
                ([], "--truth"),
                (["--truth", "metadata.nope"], "no trajectory of the 10 groups has a number at metadata.nope"),
                (["--truth", "metrics.ruler_score"], "is what gavel rank writes"),
                (["--truth", "reward", "--answers", "essay"], "--answers: unknown \"essay\""),
                (["--truth", "reward", "--grade", "logprobs"], "give them as --answers, --grades and --compares"),
                (["--truth", "reward", "--samples", "3"], "--sample-counts"),
                (["--truth", "reward", "--sample-counts", "0"], "whole numbers 1-32"),
                (["--truth", "reward", "--modes", "scores+logprobs,scores x0"], "--modes: unknown \"scores x0\""),
                (["--truth", "reward", "--modes", "scores pairwise x2"], "--modes: unknown \"scores pairwise x2\""),
                (["--truth", "reward", "--compares", "swiss"], "--compares: unknown \"swiss\""),
            ]
            for (flags, message) in cases {
                let r = try await runProduct("gavel", base + flags)
                #expect(r.status == 2, "\(flags): \(r.stderr)")
                #expect(r.stderr.contains(message), "\(flags): \(r.stderr)")
            }
            #expect(sim.stats.snapshot.requests == 0)
        }
    }
}
