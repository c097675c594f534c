import Foundation
import GavelTesting
import Testing

/// Trajectories with huge tool outputs, judged by a judge with a small context, as users run it.
@Suite("Long trajectories: shortened to fit a 4k-context judge, one call per group, cached, visible")
struct LongTrajectoryCommandTests {
    /// Groups of 8 whose tool outputs are ~50k tokens each (200,000 characters).
    static func input(_ dir: TempDir, groups: Int = 2) throws -> String {
        try dir.write(
            "long.jsonl", SyntheticTrajectories(groups: groups, groupSize: 8, toolTurns: 1, toolResultChars: 200_000).trajectoryLines())
    }

    @Test("a 4,096-token simulator reports its context (/props): each group is one call within it, every trajectory scored")
    func fitsTheContext() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        try await withSimulator(.init(contextTokens: 4096)) { sim in
            let common = ["rank", input, "--judge", "openai/local-judge", "--api-base", sim.baseURL, "--cache-dir", dir.path("cache")]
            let dry = try await runProduct("gavel", common + ["--dry-run"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("prompt limit   3072 tokens (llama.cpp /props n_ctx"), "\(dry.stdout)")
            #expect(dry.stdout.contains("shortened      16 trajectories"), "\(dry.stdout)")
            #expect(dry.stdout.contains("judge calls    2 "), "\(dry.stdout)")

            let r = try await runProduct("gavel", common + ["-o", dir.path("out.jsonl")])
            #expect(r.status == 0, "\(r.stderr)")
            let stats = sim.stats.snapshot
            #expect(stats.requests == 2 && stats.faults["context_exceeded", default: 0] == 0, "\(stats.requests) \(stats.faults)")
            let out = try parseJSONL(try dir.read("out.jsonl"))
            #expect(out.count == 16)
            for record in out {
                let gavel = try #require(record["gavel"] as? [String: Any])
                #expect(gavel["score"] is Double && gavel["windows"] == nil, "\(gavel)")
                let elided = try #require(gavel["elided"] as? [String: Any], "no gavel.elided: \(gavel)")
                #expect((elided["characters"] as? Int ?? 0) > 150_000 && (elided["tokens"] as? Int ?? 0) > 10_000, "\(elided)")
                // The record itself keeps every character.
                let messages = try #require(record["messages_and_choices"] as? [[String: Any]])
                #expect(messages.contains { ($0["content"] as? String)?.count ?? 0 >= 200_000 }, "the output lost the original text")
            }

            // The same input gives the same prompts: a rerun is answered by the cache.
            let again = try await runProduct("gavel", common + ["-o", dir.path("again.jsonl")])
            #expect(again.status == 0 && sim.stats.snapshot.requests == 2, "a rerun called the judge: \(again.stderr)")

            let group = try #require((out.first?["gavel"] as? [String: Any])?["group"] as? String)
            let shown = try await runProduct("gavel", common + ["--show-prompt", group])
            #expect(shown.status == 0)
            #expect(shown.stdout.components(separatedBy: "characters elided …]").count == 9, "one marker per trajectory")
            #expect(shown.stdout.utf8.count < 4096 * 4, "the prompt is \(shown.stdout.utf8.count) bytes")
        }
    }

    @Test("without a context to go by, --max-trajectory-tokens shortens; bad values are usage errors")
    func explicitBudget() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir, groups: 1)
        try await withSimulator { sim in
            let common = ["rank", input, "--judge", "openai/local-judge", "--api-base", sim.baseURL, "--cache", "off"]
            let plain = try await runProduct("gavel", common + ["--dry-run"])
            #expect(plain.stdout.contains("shortened      none") && plain.stdout.contains("prompt limit   none known"), "\(plain.stdout)")
            let r = try await runProduct("gavel", common + ["--max-trajectory-tokens", "600", "-o", dir.path("out.jsonl")])
            #expect(r.status == 0, "\(r.stderr)")
            let body = try #require(sim.stats.snapshot.recentBodies.last)
            #expect(body.utf8.count < 8 * 600 * 6, "a prompt of \(body.utf8.count) bytes for 8 trajectories of 600 tokens")
            let out = try parseJSONL(try dir.read("out.jsonl"))
            #expect(out.allSatisfy { ($0["gavel"] as? [String: Any])?["elided"] != nil })
            for bad in ["0", "-5", "lots"] {
                let refused = try await runProduct("gavel", common + ["--max-trajectory-tokens", bad, "--dry-run"])
                #expect(refused.status == 2 && refused.stderr.contains("--max-trajectory-tokens"), "\(bad): \(refused.stderr)")
            }
        }
    }
}
