import Foundation
import GavelModelMap
import GavelTesting
import Testing

@testable import GavelCore
@testable import GavelJudge

@Suite("Model map: LiteLLM's prices and context windows")
struct ModelMapTests {
    static func endpoint(_ provider: String, _ model: String) -> JudgeEndpoint {
        JudgeEndpoint(provider: provider, model: model, baseURL: "http://127.0.0.1:1/v1", style: .openAI, apiKey: nil)
    }

    @Test("the bundled snapshot is LiteLLM's: every line parses, a known model has its prices, batch prices and context")
    func bundled() throws {
        #expect(ModelMap.allBundled().count == BundledModelMap.count)
        #expect(BundledModelMap.count > 3000 && !ModelMap.bundledVersion.isEmpty)
        let mini = try #require(ModelMap.bundled.entry(for: Self.endpoint("openai", "gpt-4.1-mini")))
        #expect(mini.provider == "openai" && mini.price == .init(input: 0.4, output: 1.6))
        #expect(mini.batchPrice == .init(input: 0.2, output: 0.8) && mini.maxInputTokens == 1_047_576)
        // The same text is what Scripts/update-model-map writes: one line per model, eight fields.
        for line in BundledModelMap.table.split(separator: "\n") {
            #expect(line.split(separator: "\t", omittingEmptySubsequences: false).count == 8, "\(line)")
        }
    }

    @Test("names resolve as LiteLLM resolves them")
    func resolution() {
        let map = ModelMap(entries: [
            "gpt-4.1-mini": .init(provider: "openai", price: .init(input: 0.4, output: 1.6)),
            "claude-sonnet-4-5": .init(provider: "anthropic", price: .init(input: 3, output: 15)),
            "azure/gpt-4.1": .init(provider: "azure", price: .init(input: 2, output: 8)),
            "together_ai/Qwen/Qwen3-8B": .init(provider: "together_ai", price: .init(input: 0.2, output: 0.2)),
            "openrouter/anthropic/claude-sonnet-4.5": .init(provider: "openrouter", price: .init(input: 3, output: 15)),
            "sim": .init(price: .init(input: 1, output: 4)),  // Gavel's own format: no provider, matches any
        ])
        func input(_ p: String, _ m: String) -> Double? { map.price(for: Self.endpoint(p, m))?.input }
        #expect(input("openai", "gpt-4.1-mini") == 0.4)
        #expect(input("anthropic", "claude-sonnet-4-5") == 3)
        #expect(input("azure", "gpt-4.1") == 2)
        #expect(input("together", "Qwen/Qwen3-8B") == 0.2)
        #expect(input("openrouter", "anthropic/claude-sonnet-4.5") == 3)
        #expect(input("litellm", "anthropic/claude-sonnet-4-5") == 3)
        #expect(input("litellm", "gpt-4.1-mini") == 0.4)
        #expect(input("openai", "sim") == 1)
        // Another provider's bare model is not this provider's price.
        #expect(input("anthropic", "gpt-4.1-mini") == nil && input("groq", "claude-sonnet-4-5") == nil)
        // Local servers are free unless priced; unknown models have no price.
        #expect(input("ollama", "llama3.1") == 0 && input("vllm", "Qwen/Qwen3-8B") == 0 && input("openai", "local") == nil)
        #expect(map.price(for: Self.endpoint("openai", "gpt-4.1-mini"), batch: true) == nil, "no batch price is not the live one")
    }

    @Test("a LiteLLM-format file: chat models kept, other modes and sample_spec left out, prices per million")
    func litellmFile() throws {
        let dir = try TempDir()
        let path = try dir.write(
            "map.json",
            #"""
            {"sample_spec": {"input_cost_per_token": 0.0, "mode": "one of: chat, embedding"},
             "my-judge": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                          "input_cost_per_token_batches": 5e-07, "output_cost_per_token_batches": 1e-06, "max_input_tokens": 32768},
             "text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-08},
             "context-only": {"litellm_provider": "openai", "max_input_tokens": 8192}}
            """#)
        let map = try ModelMap.load(path: path)
        #expect(Set(map.entries.keys) == ["my-judge", "context-only"])
        let e = try #require(map.entries["my-judge"])
        #expect(e.price == .init(input: 1, output: 2) && e.batchPrice == .init(input: 0.5, output: 1) && e.maxInputTokens == 32768)
        #expect(map.contextWindow(for: Self.endpoint("openai", "context-only")) == 8192)
        let usage = TokenUsage(prompt: 1_000_000, completion: 500_000)
        #expect(map.cost(usage, for: Self.endpoint("openai", "my-judge")) == 2)
        #expect(map.cost(usage, for: Self.endpoint("openai", "my-judge"), batch: true) == 1)
    }

    @Test("Gavel's own format, and a bad file named with what it lacks")
    func gavelFile() throws {
        let dir = try TempDir()
        let ok = try dir.write(
            "p.json", #"{"m": {"input": 1.5, "output": 6, "batch_input": 0.75, "batch_output": 3, "max_input_tokens": 4096}}"#)
        let e = try #require(try ModelMap.load(path: ok).entries["m"])
        #expect(e.price == .init(input: 1.5, output: 6) && e.batchPrice == .init(input: 0.75, output: 3) && e.maxInputTokens == 4096)
        let bad = try dir.write("bad.json", #"{"m": {"input": "cheap"}}"#)
        #expect(throws: ConfigurationError.self) { try ModelMap.load(path: bad) }
        do {
            _ = try ModelMap.load(path: bad)
        } catch {
            #expect("\(error)".contains("bad.json") && "\(error)".contains("\"m\" needs numeric"))
        }
        #expect(throws: ConfigurationError.self) { try ModelMap.load(path: dir.path("missing.json")) }
    }
}
