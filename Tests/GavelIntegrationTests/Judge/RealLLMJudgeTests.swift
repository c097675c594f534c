import Foundation
import GavelTesting
import Testing

extension Tag {
    /// Tests that talk to a real LLM judge (llama.cpp's server on 127.0.0.1, started by `.ci/run`).
    @Tag static var realJudge: Self
}

/// A real small LLM behind llama.cpp's OpenAI-compatible server: what no simulator shows.
@Suite("A real LLM judge (llama.cpp on 127.0.0.1)", .tags(.realJudge))
struct RealLLMJudgeTests {
    /// The judge's base URL, set by `.ci/run` (or by hand: `export GAVEL_LOCAL_JUDGE_URL=$(Scripts/local-judge start)`).
    static let baseURL = ProcessInfo.processInfo.environment["GAVEL_LOCAL_JUDGE_URL"].flatMap { $0.isEmpty ? nil : $0 }

    @Test(
        "three groups (right answer / wrong answer / refusal) at temperature 0: every group scored, scores in 0-1, ids matched",
        .enabled(if: baseURL != nil, "set GAVEL_LOCAL_JUDGE_URL to a running Scripts/local-judge (.ci/run does)"))
    func threeGroups() async throws {
        let base = try #require(Self.baseURL)
        let dir = try TempDir()
        let all = try String(contentsOf: TestPaths.repo.appendingPathComponent("Examples/real-judge-groups.jsonl"), encoding: .utf8)
        let input = try dir.write("three.jsonl", all.split(separator: "\n").prefix(9).joined(separator: "\n") + "\n")
        let r = try await runProduct(
            "gavel",
            [
                "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/local", "--api-base", base,
                "--temperature", "0", "--concurrency", "2", "--timeout", "300", "--max-retries", "3", "--cache", "off",
            ],
            removing: ["OPENAI_API_KEY"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let counts = try #require(summaryGroups(r.stderr), "stderr: \(r.stderr)")
        #expect(counts.groups == 3 && counts.judged == 3, "stderr: \(r.stderr)")
        // The server takes json_schema structured output: no fallback to a weaker mode.
        #expect(!r.stderr.contains("rejected response_format"), "stderr: \(r.stderr)")
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 9)
        var groups: [String: Int] = [:]
        for line in out {
            let gavel = try #require(line["gavel"] as? [String: Any])
            #expect(gavel["error"] == nil, "\(gavel)")
            let score = try #require(gavel["score"] as? Double, "no score in \(gavel)")
            #expect((0...1).contains(score))
            #expect(line["reward"] as? Double == score)
            #expect((gavel["rank"] as? Int).map { (1...3).contains($0) } == true)
            #expect(gavel["judge"] as? String == "openai/local")
            groups[gavel["group"] as? String ?? "", default: 0] += 1
        }
        #expect(groups == ["q00": 3, "q01": 3, "q02": 3])
    }
}
