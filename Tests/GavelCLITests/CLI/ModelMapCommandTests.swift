import Foundation
import GavelModelMap
import GavelTesting
import Testing

/// Prices and context windows from LiteLLM's map, in the commands users run.
@Suite("Model map in gavel rank: prices, batch prices, context windows, overrides")
struct ModelMapCommandTests {
    static let example = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path

    /// The dry run's table row `label` as a dollar figure or a number.
    static func figure(_ label: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label + " ") }
            .flatMap { line in
                line.dropFirst(label.count + 2).split(whereSeparator: { $0 == " " || $0 == "~" || $0 == "$" }).first
            }
            .flatMap { Double($0) }
    }

    static func dryRun(_ extra: [String], environment: [String: String] = [:], input: String = example) async throws -> ProcessResult {
        try await runProduct(
            "gavel", ["rank", input, "--api-base", "http://127.0.0.1:9/v1", "--dry-run", "--batch"] + extra, environment: environment,
            removing: ["GAVEL_MODEL_MAP"])
    }

    @Test("a dry run prices the judge from the bundled LiteLLM map: live and batch prices of openai/gpt-4.1-mini")
    func bundledPrices() async throws {
        let r = try await Self.dryRun(["--judge", "openai/gpt-4.1-mini"])
        #expect(r.status == 0, "\(r.stderr)")
        let input = try #require(Self.figure("input tokens", in: r.stdout), "\(r.stdout)")
        let output = try #require(Self.figure("output tokens", in: r.stdout))
        let cost = try #require(Self.figure("cost", in: r.stdout)), batch = try #require(Self.figure("batch cost", in: r.stdout))
        #expect(abs(cost - (input * 0.4 + output * 1.6) / 1e6) <= 0.00006, "\(r.stdout)")
        #expect(abs(batch - (input * 0.2 + output * 0.8) / 1e6) <= 0.00006, "\(r.stdout)")
        let unknown = try await Self.dryRun(["--judge", "openai/no-such-model-anywhere"])
        #expect(unknown.status == 0 && unknown.stdout.contains("unknown: no price for openai/no-such-model-anywhere"), "\(unknown.stdout)")
    }

    @Test("GAVEL_MODEL_MAP (LiteLLM's format) replaces the bundled price; --prices beats both; a bad file is exit 2 naming it")
    func overrides() async throws {
        let dir = try TempDir()
        let litellm = try dir.write(
            "litellm.json",
            #"{"gpt-4.1-mini": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-05, "#
                + #""output_cost_per_token": 2e-05}}"#)
        let own = try dir.write("prices.json", #"{"gpt-4.1-mini": {"input": 100, "output": 200}}"#)
        let viaEnv = try await Self.dryRun(["--judge", "openai/gpt-4.1-mini"], environment: ["GAVEL_MODEL_MAP": litellm])
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        let input = try #require(Self.figure("input tokens", in: viaEnv.stdout)),
            output = try #require(Self.figure("output tokens", in: viaEnv.stdout))
        let envCost = try #require(Self.figure("cost", in: viaEnv.stdout))
        #expect(abs(envCost - (input * 10 + output * 20) / 1e6) <= 0.00006, "\(viaEnv.stdout)")
        let both = try await Self.dryRun(["--judge", "openai/gpt-4.1-mini", "--prices", own], environment: ["GAVEL_MODEL_MAP": litellm])
        let ownCost = try #require(Self.figure("cost", in: both.stdout))
        #expect(abs(ownCost - (input * 100 + output * 200) / 1e6) <= 0.00006, "\(both.stdout)")
        let broken = try dir.write("broken.json", #"{"gpt-4.1-mini": {"input": 1}}"#)
        let bad = try await Self.dryRun(["--judge", "openai/gpt-4.1-mini", "--prices", broken])
        #expect(
            bad.status == 2 && bad.stderr.contains("broken.json") && bad.stderr.contains("\"gpt-4.1-mini\" needs numeric"), "\(bad.stderr)")
    }

    @Test("the judge's context window from the map bounds a prompt: a group too long for it is judged in windows")
    func contextWindow() async throws {
        let dir = try TempDir()
        let input = try dir.write(
            "in.jsonl", SyntheticTrajectories(groups: 3, groupSize: 8, toolTurns: 3, toolResultChars: 600).trajectoryLines())
        let roomy = try dir.write(
            "roomy.json", #"{"tiny-judge": {"litellm_provider": "openai", "mode": "chat", "max_input_tokens": 1000000}}"#)
        let tight = try dir.write(
            "tight.json", #"{"tiny-judge": {"litellm_provider": "openai", "mode": "chat", "max_input_tokens": 4000}}"#)
        let whole = try await Self.dryRun(["--judge", "openai/tiny-judge", "--prices", roomy], input: input)
        let split = try await Self.dryRun(["--judge", "openai/tiny-judge", "--prices", tight], input: input)
        #expect(whole.status == 0 && split.status == 0, "\(whole.stderr) \(split.stderr)")
        let wholeCalls = try #require(Self.figure("judge calls", in: whole.stdout)),
            splitCalls = try #require(Self.figure("judge calls", in: split.stdout))
        #expect(wholeCalls == 3, "\(whole.stdout)")
        #expect(splitCalls > 3, "a 4,000-token context should split groups of 8 long trajectories: \(split.stdout)")
        // --max-prompt-tokens still wins over the map.
        let told = try await Self.dryRun(
            ["--judge", "openai/tiny-judge", "--prices", tight, "--max-prompt-tokens", "900000"], input: input)
        #expect(Self.figure("judge calls", in: told.stdout) == 3, "\(told.stdout)")
    }

    @Test("Scripts/update-model-map turns LiteLLM's JSON into the bundled table: chat models only, prices per million, the version kept")
    func updateScript() async throws {
        let dir = try TempDir()
        let json = try dir.write(
            "map.json",
            #"""
            {"sample_spec": {"mode": "one of: chat", "input_cost_per_token": 0},
             "b-judge": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07,
                         "input_cost_per_token_batches": 7.5e-08, "output_cost_per_token_batches": 3e-07,
                         "cache_read_input_token_cost": 7.5e-08, "max_input_tokens": 128000},
             "a-judge": {"litellm_provider": "anthropic", "mode": "chat", "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05},
             "an-embedder": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-08}}
            """#)
        let script = TestPaths.repo.appendingPathComponent("Scripts/update-model-map").path
        let r = try await runProduct("/usr/bin/python3", [script, json, "--output", dir.path("out.swift")])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try dir.read("out.swift")
        #expect(text.hasPrefix("// Generated by Scripts/update-model-map"))
        #expect(text.contains("static let count = 2\n"), "\(text)")
        #expect(
            text.contains("        a-judge\tanthropic\t3\t15\t\t\t\t\n        b-judge\topenai\t0.15\t0.6\t0.075\t0.3\t0.075\t128000\n"),
            "\(text)")
        #expect(!text.contains("an-embedder") && !text.contains("sample_spec"))
        // The bundled file is this script's output: its header and its count agree with its table.
        let bundled = try String(
            contentsOf: TestPaths.repo.appendingPathComponent("Sources/GavelModelMap/BundledModelMap.swift"), encoding: .utf8)
        #expect(
            bundled.hasPrefix("// Generated by Scripts/update-model-map")
                && bundled.contains("static let count = \(BundledModelMap.count)\n"))
    }
}
