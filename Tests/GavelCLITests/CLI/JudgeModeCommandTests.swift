import Foundation
import GavelTesting
import Testing

/// `--answer` and `--grade` through the `gavel` executable against the simulator, which answers
/// each format (digit grades with logprobs of a chosen sharpness, or without logprobs).
@Suite("gavel rank --answer and --grade")
struct JudgeModeCommandTests {
    static func record(_ line: [String: Any]) -> [String: Any] { line["gavel"] as? [String: Any] ?? [:] }

    /// Ranks 8 groups of 4 of known quality with `flags`; returns the output lines and the run.
    static func rank(_ flags: [String], judge: String = "openai/sim", simulator: SimulatorConfiguration = .init()) async throws -> (
        [[String: Any]], ProcessResult, Int
    ) {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 8, size: 4, shuffled: true))
        return try await withSimulator(simulator) { sim in
            let r = try await runProduct(
                "gavel",
                ["rank", input, "-o", dir.path("out.jsonl"), "--cache", "off", "--judge", judge, "--api-base", sim.baseURL] + flags,
                environment: ["ANTHROPIC_API_KEY": "sim-key"])
            let lines = r.status == 0 ? try parseJSONL(try dir.read("out.jsonl")) : []
            return (lines, r, sim.stats.snapshot.requests)
        }
    }

    /// Whether, in every group, higher quality (the line's reward) scored higher.
    static func ordered(_ lines: [[String: Any]]) -> Bool {
        let groups = Dictionary(grouping: lines) { (($0["metadata"] as? [String: Any])?["group_id"] as? String) ?? "" }
        return groups.values.allSatisfy { group in
            let pairs = group.map {
                (($0["metrics"] as? [String: Any])?["independent_reward"] as? Double ?? -1, record($0)["score"] as? Double ?? -1)
            }
            return pairs.allSatisfy { a in pairs.allSatisfy { b in a.0 <= b.0 || a.1 > b.1 } }
        }
    }

    @Test("scores+logprobs: continuous scores in the right order, gavel.answer and the summary say how")
    func logprobGrades() async throws {
        let (lines, r, requests) = try await Self.rank(["--answer", "scores", "--grade", "logprobs"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(lines.count == 32 && requests == 8)
        #expect(lines.allSatisfy { Self.record($0)["answer"] as? String == "scores+logprobs" })
        #expect(Self.ordered(lines), "higher quality must score higher in every group")
        // Weighted digits are not multiples of 1/9.
        let scores = lines.compactMap { Self.record($0)["score"] as? Double }
        #expect(scores.contains { abs($0 * 9 - ($0 * 9).rounded()) > 1e-6 }, "\(scores)")
        #expect(r.stderr.contains("scores+logprobs (32 grades weighted by logprobs, 0 as written)"), "\(r.stderr)")
        #expect(!r.stderr.contains("warning"), "\(r.stderr)")
    }

    @Test("the default, from a server without logprobs: the written digits count, with one warning and the count in the summary")
    func noLogprobs() async throws {
        let (lines, r, _) = try await Self.rank([], simulator: .init(logprobs: false))
        #expect(r.status == 0, "\(r.stderr)")
        let scores = lines.compactMap { Self.record($0)["score"] as? Double }
        #expect(scores.count == 32 && scores.allSatisfy { abs($0 * 9 - ($0 * 9).rounded()) < 1e-9 }, "\(scores)")
        #expect(r.stderr.components(separatedBy: "the judge sent no logprobs").count == 2, "one warning: \(r.stderr)")
        #expect(r.stderr.contains("scores+logprobs (0 grades weighted by logprobs, 32 as written)"), "\(r.stderr)")
        #expect(Self.ordered(lines), "whole grades still order the simulator's distinct qualities")
    }

    @Test("gavel eval and gavel report name the mode the scores came from")
    func evalAndReportShowTheMode() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 3, size: 3, shuffled: true))
        try await withSimulator(.init()) { sim in
            let r = try await runProduct(
                "gavel", ["rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let eval = try await runProduct("gavel", ["eval", dir.path("out.jsonl"), "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains(#""answers":["scores+logprobs"]"#), "\(eval.stdout)")
        let text = try await runProduct("gavel", ["eval", dir.path("out.jsonl")])
        #expect(text.stdout.contains("answer") && text.stdout.contains("scores+logprobs"), "\(text.stdout)")
        let report = try await runProduct("gavel", ["report", dir.path("out.jsonl"), "-o", dir.path("r.html")])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try dir.read("r.html").contains("scores+logprobs"))
    }

    @Test("an Anthropic judge, which returns no logprobs, keeps explained number scores by default")
    func anthropicDefault() async throws {
        let (lines, r, _) = try await Self.rank([], judge: "anthropic/sim")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(lines.count == 32 && lines.allSatisfy { Self.record($0)["answer"] as? String == "explained" })
        #expect(lines.allSatisfy { (Self.record($0)["explanation"] as? String ?? "").hasPrefix("Simulated judgement") })
        #expect(Self.ordered(lines))
    }

    @Test("scores and brief: JSON answers without per-trajectory explanations; brief keeps its one sentence")
    func jsonFormats() async throws {
        let (scores, r1, _) = try await Self.rank(["--answer", "scores", "--grade", "number"])
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(scores.allSatisfy { Self.record($0)["explanation"] as? String == "" && Self.record($0)["answer"] as? String == "scores" })
        #expect(Self.ordered(scores))
        let (brief, r2, _) = try await Self.rank(["--answer", "brief", "--grade", "number"])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(brief.allSatisfy { Self.record($0)["explanation"] as? String == "Simulated summary of the group." })
    }

    @Test("bad modes are refused before any call: an unknown value, logprobs from Anthropic, a bad rubric key")
    func refused() async throws {
        let (_, unknown, calls1) = try await Self.rank(["--answer", "verbose"])
        #expect(unknown.status == 2 && unknown.stderr.contains("verbose") && calls1 == 0, "\(unknown.stderr)")
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 2, size: 2))
        let anthropic = try await runProduct(
            "gavel", ["rank", input, "--judge", "anthropic/claude-x", "--api-base", "http://127.0.0.1:9/v1", "--grade", "logprobs"],
            environment: ["ANTHROPIC_API_KEY": "k"])
        #expect(anthropic.status == 2, "\(anthropic.stderr)")
        #expect(anthropic.stderr.contains("does not return") && anthropic.stderr.contains("--grade"), "\(anthropic.stderr)")
        let rubric = try dir.write("r.md", "---\ngrade: fuzzy\n---\nScore it.\n")
        let bad = try await runProduct(
            "gavel", ["rank", input, "--rubric", rubric, "--judge", "vllm/x", "--api-base", "http://127.0.0.1:9/v1"])
        #expect(bad.status == 2 && bad.stderr.contains("grade must be one of: number, logprobs"), "\(bad.stderr)")
    }

    @Test("a rubric's answer and grade are the run's defaults; a cached rerun makes no calls")
    func rubricDefaults() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 4, size: 3, shuffled: true))
        let rubric = try dir.write("tuned.md", "---\nanswer: scores\ngrade: logprobs\n---\nScore by correctness.\n")
        try await withSimulator(.init()) { sim in
            let args = [
                "rank", input, "--rubric", rubric, "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache-dir", dir.path("cache"),
                "--samples", "2",
            ]
            let first = try await runProduct("gavel", args + ["-o", dir.path("a.jsonl")])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(sim.stats.snapshot.requests == 8)
            let again = try await runProduct("gavel", args + ["-o", dir.path("b.jsonl")])
            #expect(again.status == 0 && sim.stats.snapshot.requests == 8, "a rerun must come from the cache: \(again.stderr)")
            #expect(try dir.read("a.jsonl").contains(#""answer":"scores+logprobs""#))
        }
    }
}
