import Foundation
import GavelTesting
import Testing

/// `--reference PATH`: the judge is shown each group's reference answer, read from the input.
@Suite("gavel rank --reference")
struct ReferenceCommandTests {
    static let holdout = TestPaths.repo.appendingPathComponent("Examples/labelled/holdout.jsonl").path

    /// A trajectory answering "Capital of Norway?" with `answer`.
    static func capital(_ answer: String) -> String {
        #"{"messages":[{"role":"user","content":"Capital of Norway?"},{"role":"assistant","content":"\#(answer)"}]}"#
    }

    @Test("the prompt shows the group's reference answer before the trajectories; --dry-run counts it")
    func shown() async throws {
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel", ["rank", Self.holdout, "--api-base", sim.baseURL, "--reference", "metadata.answer", "--show-prompt", "h00"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("<reference_answer>\n\"19 times 21 is 399.\"\n</reference_answer>\n\nTrajectories:"), "\(r.stdout)")
            let plain = try await runProduct("gavel", ["rank", Self.holdout, "--api-base", sim.baseURL, "--show-prompt", "h00"])
            #expect(!plain.stdout.contains("reference_answer"))
            func tokens(_ flags: [String]) async throws -> Int {
                let d = try await runProduct("gavel", ["rank", Self.holdout, "--api-base", sim.baseURL, "--dry-run"] + flags)
                let row = d.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("input tokens") } ?? ""
                return Int(row.split(separator: "~").last ?? "") ?? -1
            }
            let with = try await tokens(["--reference", "metadata.answer"]), without = try await tokens([])
            #expect(without > 0 && with > without + 26 * 20, "\(with) vs \(without)")
            #expect(sim.stats.snapshot.requests == 0)
        }
    }

    @Test("a reference is part of the prompt: its own cache entries, a rerun makes no calls")
    func cached() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            func rank(_ flags: [String]) async throws -> ProcessResult {
                try await runProduct(
                    "gavel",
                    ["rank", Self.holdout, "-o", dir.path("out.jsonl"), "--api-base", sim.baseURL, "--cache-dir", dir.path("cache")] + flags
                )
            }
            #expect(try await rank([]).status == 0)
            let before = sim.stats.snapshot.requests
            #expect(before == 26)
            let with = try await rank(["--reference", "metadata.answer"])
            #expect(with.status == 0, "\(with.stderr)")
            #expect(sim.stats.snapshot.requests == before + 26, "the reference changed no prompt")
            #expect(try await rank(["--reference", "metadata.answer"]).status == 0)
            #expect(sim.stats.snapshot.requests == before + 26, "a rerun called the judge")
        }
    }

    @Test("a path no trajectory has stops before any call; groups without one are counted in a warning")
    func missing() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            let none = try await runProduct(
                "gavel", ["rank", Self.holdout, "-o", dir.path("out.jsonl"), "--api-base", sim.baseURL, "--reference", "metadata.answr"])
            #expect(none.status == 2)
            #expect(none.stderr.contains("no trajectory has a reference at metadata.answr (26 groups looked at"), "\(none.stderr)")
            #expect(none.stderr.contains("(see --reference PATH)"), "\(none.stderr)")
            #expect(sim.stats.snapshot.requests == 0)

            // Two groups: trajectory lines (one member has it) and an ART group line (on the group
            // object); a third group has none.
            let input = try dir.write(
                "in.jsonl",
                """
                {"group_id":"a","messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}],"metadata":{"answer":"4"}}
                {"group_id":"a","messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"5"}]}
                {"group_id":"b","answer":"Oslo","trajectories":[\(Self.capital("Oslo")),\(Self.capital("Bergen"))]}
                {"group_id":"c","messages":[{"role":"user","content":"3+3?"},{"role":"assistant","content":"6"}]}
                {"group_id":"c","messages":[{"role":"user","content":"3+3?"},{"role":"assistant","content":"7"}]}

                """)
            let some = try await runProduct(
                "gavel", ["rank", input, "-o", dir.path("out2.jsonl"), "--api-base", sim.baseURL, "--reference", "metadata.answer"])
            #expect(some.status == 0, "\(some.stderr)")
            #expect(some.stderr.contains("2 of 3 groups have no reference at metadata.answer"), "\(some.stderr)")
            let b = try await runProduct(
                "gavel", ["rank", input, "--api-base", sim.baseURL, "--reference", "answer", "--show-prompt", "b"])
            #expect(b.stdout.contains("<reference_answer>\n\"Oslo\"\n</reference_answer>"), "\(b.stdout)")
            let bad = try await runProduct("gavel", ["rank", input, "--api-base", sim.baseURL, "--reference", "metadata..answer"])
            #expect(bad.status == 2 && bad.stderr.contains("--reference must be a dotted JSON path"), "\(bad.stderr)")
        }
    }

    @Test("a rubric's reference: is the run's default; --reference overrides it; a bad one is named")
    func rubric() async throws {
        let dir = try TempDir()
        let rubric = try dir.write("ref.md", "---\nreference: metadata.answer\n---\nThe reference answer decides correctness.\n")
        let r = try await runProduct("gavel", ["rank", Self.holdout, "--rubric", rubric, "--show-prompt", "h00"])
        #expect(r.status == 0 && r.stdout.contains("\"19 times 21 is 399.\""), "\(r.stderr)")
        let over = try await runProduct(
            "gavel", ["rank", Self.holdout, "--rubric", rubric, "--reference", "metadata.kind", "--show-prompt", "h00"])
        #expect(
            over.stdout.contains("<reference_answer>\n\"detour\"\n\"refusal\"\n\"right\"\n\"wrong\"\n</reference_answer>"), "\(over.stdout)"
        )
        let bad = try dir.write("bad.md", "---\nreference: a..b\n---\nScore it.\n")
        let refused = try await runProduct("gavel", ["rank", Self.holdout, "--rubric", bad, "--dry-run"])
        #expect(refused.status == 2 && refused.stderr.contains("reference must be a dotted JSON path"), "\(refused.stderr)")
    }
}
