import Foundation
import GavelTesting
import Testing

@testable import GavelJSON
@testable import GavelJudge

/// Request parameters as OpenAI's newer models want them, and judges that refuse some.
@Suite("Judge parameters: max_completion_tokens, refused parameters")
struct JudgeParameterTests {
    static let example = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path

    private func rank(_ judge: String, _ sim: JudgeSimulator, _ extra: [String], env: [String: String] = [:]) async throws -> ProcessResult
    {
        try await runProduct(
            "gavel", ["rank", Self.example, "--judge", judge, "--api-base", sim.baseURL, "--cache", "off"] + extra, environment: env)
    }

    private func body(_ sim: JudgeSimulator) throws -> JSONValue {
        try JSONParser.parse(try #require(sim.stats.snapshot.recentBodies.last))
    }

    @Test("openai/ and azure/ get max_completion_tokens; other servers max_tokens; temperature only when asked")
    func tokenParameterNames() async throws {
        try await withSimulator { sim in
            let openai = try await rank("openai/gpt-5-mini", sim, ["--max-tokens", "2000", "--grade", "number"])
            #expect(openai.status == 0, "stderr: \(openai.stderr)")
            #expect(try body(sim)["max_completion_tokens"] == .number("2000"))
            #expect(try body(sim)["max_tokens"] == nil)
            #expect(try body(sim)["temperature"] == nil, "temperature sent though not asked for")
            // The default digit grades decode greedily and ask for logprobs, under Gavel's own cap.
            let grades = try await rank("openai/gpt-4o-mini", sim, [])
            #expect(grades.status == 0, "stderr: \(grades.stderr)")
            #expect(try body(sim)["temperature"] == .number("0") && body(sim)["logprobs"] == .bool(true))
            #expect(try body(sim)["top_logprobs"] == .number("10") && body(sim)["max_completion_tokens"] != nil)

            let azureBase = sim.baseURL.replacingOccurrences(of: "/v1", with: "")
            let azure = try await runProduct(
                "gavel", ["rank", Self.example, "--judge", "azure/my-deploy", "--max-tokens", "2000", "--cache", "off"],
                environment: ["AZURE_API_BASE": azureBase, "AZURE_API_KEY": "k"])
            #expect(azure.status == 0, "stderr: \(azure.stderr)")
            #expect(try body(sim)["max_completion_tokens"] == .number("2000"))

            let vllm = try await rank("vllm/qwen", sim, ["--max-tokens", "2000", "--temperature", "0"])
            #expect(vllm.status == 0, "stderr: \(vllm.stderr)")
            #expect(try body(sim)["max_tokens"] == .number("2000"))
            #expect(try body(sim)["temperature"] == .number("0"))
        }
    }

    @Test("a 400 naming a parameter Gavel added: retried at once without it (or renamed), one warning")
    func refusedParameters() async throws {
        try await withSimulator(.init(rejectParameters: ["max_tokens", "temperature"])) { sim in
            let r = try await rank("vllm/qwen", sim, ["--max-tokens", "2000", "--temperature", "0", "--concurrency", "4"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stderr.components(separatedBy: "the judge refused max_tokens").count == 2, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("sending it as max_completion_tokens"))
            #expect(r.stderr.components(separatedBy: "the judge refused temperature").count == 2, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("leaving it out"))
            let last = try body(sim)
            #expect(last["max_completion_tokens"] == .number("2000") && last["max_tokens"] == nil && last["temperature"] == nil)
            let counts = try #require(summaryGroups(r.stderr))
            #expect(counts.judged == 2)
        }
    }

    @Test("a parameter the user passed with --judge-param is never dropped: the 400 stops the run")
    func userParametersStay() async throws {
        try await withSimulator(.init(rejectParameters: ["temperature"])) { sim in
            let r = try await rank("vllm/qwen", sim, ["--judge-param", "temperature=0.5"])
            #expect(r.status != 0)
            #expect(r.stderr.contains("HTTP 400"), "stderr: \(r.stderr)")
            #expect(!r.stderr.contains("leaving it out"))
            #expect(sim.stats.snapshot.faults["unsupported_parameter"] ?? 0 >= 1)
        }
    }

    @Test("parameter names are matched as words")
    func wordMatch() {
        #expect(ChatJudge.names("Unsupported parameter: 'max_tokens' is not supported", "max_tokens"))
        #expect(!ChatJudge.names("Use 'max_completion_tokens' instead", "max_tokens"))
        #expect(!ChatJudge.names("temperatures are fine", "temperature"))
    }
}
