import Foundation
import GavelHTTP
import GavelTesting
import Testing

@testable import GavelJudge

@Suite("Context probe: a self-hosted judge's server says how long its context is")
struct ContextProbeTests {
    static func endpoint(_ provider: String, _ model: String, base: String) -> JudgeEndpoint {
        JudgeEndpoint(provider: provider, model: model, baseURL: base, style: .openAI, apiKey: nil)
    }

    static func json(_ text: String, status: Int = 200) -> HTTPResponse { HTTPResponse(status: status, body: Array(text.utf8)) }

    @Test("llama.cpp: /props at the server's root, n_ctx of default_generation_settings")
    func llamaCpp() async {
        let transport = StubTransport { request, _ in
            request.url == "http://127.0.0.1:8080/props"
                ? Self.json(#"{"default_generation_settings":{"n_ctx":4096,"temperature":0.8},"total_slots":2}"#)
                : Self.json("{}", status: 404)
        }
        let report = await ContextProbe.contextWindow(
            of: Self.endpoint("openai", "local", base: "http://127.0.0.1:8080/v1"), transport: transport)
        #expect(report == .init(tokens: 4096, source: "llama.cpp /props n_ctx"))
        #expect(transport.requests.map(\.method) == [.get])
    }

    @Test("vLLM: /props missing, /v1/models max_model_len of the judged model")
    func vllm() async {
        let transport = StubTransport { request, _ in
            request.url.hasSuffix("/v1/models")
                ? Self.json(
                    #"{"object":"list","data":[{"id":"other","max_model_len":131072},{"id":"Qwen/Qwen3-8B","max_model_len":32768}]}"#)
                : Self.json(#"{"detail":"Not Found"}"#, status: 404)
        }
        let report = await ContextProbe.contextWindow(
            of: Self.endpoint("vllm", "Qwen/Qwen3-8B", base: "http://10.0.0.5:8000/v1"), transport: transport)
        #expect(report == .init(tokens: 32768, source: "vLLM /v1/models max_model_len"))
        #expect(transport.requests.map(\.url) == ["http://10.0.0.5:8000/props", "http://10.0.0.5:8000/v1/models"])
    }

    @Test("nothing usable: errors, junk, absurd sizes, a cloud API (never asked) — all nil, nothing thrown")
    func nothing() async {
        let failing = StubTransport { _, _ in throw TransportError.connectionRefused }
        #expect(await ContextProbe.contextWindow(of: Self.endpoint("vllm", "m", base: "http://127.0.0.1:9/v1"), transport: failing) == nil)
        let junk = StubTransport { request, _ in
            request.url.hasSuffix("/props") ? Self.json(#"{"default_generation_settings":{"n_ctx":"big"}}"#) : Self.json("[1,2]")
        }
        #expect(await ContextProbe.contextWindow(of: Self.endpoint("vllm", "m", base: "http://127.0.0.1:9/v1"), transport: junk) == nil)
        let absurd = StubTransport { _, _ in Self.json(#"{"n_ctx": 1e15}"#) }
        #expect(await ContextProbe.contextWindow(of: Self.endpoint("vllm", "m", base: "http://127.0.0.1:9/v1"), transport: absurd) == nil)
        let cloud = StubTransport { _, _ in Self.json(#"{"n_ctx": 4096}"#) }
        #expect(
            await ContextProbe.contextWindow(of: Self.endpoint("openai", "gpt-x", base: "https://api.openai.com/v1"), transport: cloud)
                == nil)
        #expect(cloud.requests.isEmpty, "a cloud API was asked for its context")
    }
}
