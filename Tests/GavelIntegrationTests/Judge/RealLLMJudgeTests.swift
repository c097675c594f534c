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

    /// The 12 groups of Examples/real-judge-groups.jsonl (right answer / wrong answer / refusal each).
    static let groups = TestPaths.repo.appendingPathComponent("Examples/real-judge-groups.jsonl").path

    /// Summary's `tokens  N in, M out`.
    static func tokens(_ stderr: String) -> (input: Int, output: Int)? {
        guard let line = stderr.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("tokens") }) else {
            return nil
        }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        return numbers.count >= 2 ? (numbers[0], numbers[1]) : nil
    }

    @Test(
        "the default mode (digit grades weighted by logprobs) on 12 groups: right outranks wrong in most; the token estimate is near",
        .enabled(if: baseURL != nil, "set GAVEL_LOCAL_JUDGE_URL to a running Scripts/local-judge (.ci/run does)"))
    func defaultMode() async throws {
        let base = try #require(Self.baseURL)
        let dir = try TempDir()
        let flags = ["--judge", "openai/local", "--api-base", base, "--concurrency", "2", "--timeout", "300", "--cache", "off"]
        let dry = try await runProduct("gavel", ["rank", Self.groups, "--dry-run"] + flags, removing: ["OPENAI_API_KEY"])
        let estimate = dry.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("input tokens") }
            .flatMap { $0.split(separator: "~").last }.flatMap { Int($0) }
        let r = try await runProduct("gavel", ["rank", Self.groups, "-o", dir.path("out.jsonl")] + flags, removing: ["OPENAI_API_KEY"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("scores+logprobs (36 grades weighted by logprobs, 0 as written)"), "stderr: \(r.stderr)")
        // Measured with the 0.5B model CI runs (2026-12-04): estimate 6,630 input tokens, the server
        // counted 4,994 (the estimate 33% high; the estimator promises a few tens of percent).
        let used = try #require(Self.tokens(r.stderr), "stderr: \(r.stderr)")
        let guess = try #require(estimate, "dry run: \(dry.stdout)")
        #expect(abs(Double(guess - used.input)) / Double(used.input) < 0.4, "estimated \(guess), counted \(used.input)")
        var scores: [String: [String: Double]] = [:]
        for line in try parseJSONL(try dir.read("out.jsonl")) {
            let metadata = line["metadata"] as? [String: Any] ?? [:]
            let score = try #require((line["gavel"] as? [String: Any])?["score"] as? Double)
            scores[metadata["group_id"] as? String ?? "", default: [:]][metadata["kind"] as? String ?? ""] = score
        }
        #expect(scores.count == 12 && scores.values.allSatisfy { $0.count == 3 })
        // Measured with the 0.5B model at temperature 0 (two runs, 2026-12-04): right above wrong in
        // 8 of 12 groups, right above the refusal in 10 of 12. Chance would be 6 of 12.
        let rightOverWrong = scores.values.count { ($0["right"] ?? 0) > ($0["wrong"] ?? 1) }
        let rightOverRefusal = scores.values.count { ($0["right"] ?? 0) > ($0["refusal"] ?? 1) }
        #expect(rightOverWrong >= 7, "right above wrong in \(rightOverWrong) of 12: \(scores)")
        #expect(rightOverRefusal >= 8, "right above the refusal in \(rightOverRefusal) of 12: \(scores)")
    }

    @Test(
        "RULER's answer (explained JSON numbers) on three groups at temperature 0: every group scored, scores in 0-1, ids matched",
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
                "--answer", "explained", "--grade", "number",
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
    @Test(
        "50k-token tool outputs and a 4,096-token context (asked of the server): one call per group, every one scored, rerun cached",
        .enabled(if: baseURL != nil, "set GAVEL_LOCAL_JUDGE_URL to a running Scripts/local-judge (.ci/run does)"))
    func longTrajectories() async throws {
        let base = try #require(Self.baseURL)
        let dir = try TempDir()
        // q00 and q01, each trajectory with a search call whose result is ~200,000 characters.
        let all = try String(contentsOf: TestPaths.repo.appendingPathComponent("Examples/real-judge-groups.jsonl"), encoding: .utf8)
        var lines: [String] = []
        for (i, line) in all.split(separator: "\n").prefix(6).enumerated() {
            var record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            var messages = try #require(record["messages"] as? [[String: Any]], "Examples/real-judge-groups.jsonl:\(i + 1)")
            let question = messages[1]["content"] as? String ?? ""
            let results = (0..<2_500).map { n in
                "Result \(n): archive page \(n * 7 % 1000), section \(n % 13), paragraph \(n % 29): notes filed in volume \(n % 41)."
            }
            let call: [String: Any] = [
                "role": "assistant", "content": NSNull(),
                "tool_calls": [
                    ["id": "call\(i)", "type": "function", "function": ["name": "search", "arguments": "{\"query\": \"\(i)\"}"]]
                ],
            ]
            let tool: [String: Any] = [
                "role": "tool", "tool_call_id": "call\(i)", "content": question + "\n" + results.joined(separator: "\n"),
            ]
            messages.insert(contentsOf: [call, tool], at: 2)
            record["messages"] = messages
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self))
        }
        let input = try dir.write("long.jsonl", lines.joined(separator: "\n") + "\n")
        // Structured numbers: the 0.5B model CI runs misnumbers digit-grade lines on prompts this long
        // (it writes ids 0-2 for 1-3), which no context budget changes.
        let flags = [
            "--judge", "openai/local", "--api-base", base, "--concurrency", "2", "--timeout", "300", "--cache-dir", dir.path("cache"),
            "--grade", "number", "--answer", "scores",
        ]
        let dry = try await runProduct("gavel", ["rank", input, "--dry-run"] + flags, removing: ["OPENAI_API_KEY"])
        #expect(dry.stdout.contains("(llama.cpp /props n_ctx: a 4096-token context"), "CI serves two slots of 4,096: \(dry.stdout)")
        #expect(dry.stdout.contains("shortened      6 trajectories"), "\(dry.stdout)")
        let r = try await runProduct("gavel", ["rank", input, "-o", dir.path("out.jsonl")] + flags, removing: ["OPENAI_API_KEY"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("too long for the judge's context"), "the server refused a prompt: \(r.stderr)")
        #expect(r.stderr.contains("judge calls   2 "), "one call per group: \(r.stderr)")
        // The server's own count: each prompt within the context, less the answer.
        let used = try #require(Self.tokens(r.stderr), "stderr: \(r.stderr)")
        #expect(used.input / 2 + used.output / 2 <= 4096, "the server counted \(used.input) prompt tokens over 2 calls")
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 6)
        for line in out {
            let gavel = try #require(line["gavel"] as? [String: Any])
            #expect(gavel["score"] is Double, "\(gavel)")
            #expect(((gavel["elided"] as? [String: Any])?["characters"] as? Int ?? 0) > 190_000, "\(gavel)")
        }
        let again = try await runProduct("gavel", ["rank", input, "-o", dir.path("again.jsonl")] + flags, removing: ["OPENAI_API_KEY"])
        #expect(again.status == 0 && again.stderr.contains("judge calls   0"), "a rerun called the judge: \(again.stderr)")
    }
}
