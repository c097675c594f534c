import GavelHTTP
import GavelJSON

/// Asks a self-hosted judge's server how long its context is, for a model LiteLLM's map does not
/// know: llama.cpp's `GET /props` (`default_generation_settings.n_ctx`, the context of one slot)
/// or vLLM's `GET /v1/models` (`max_model_len`). Anything else (a cloud API, a server that answers
/// neither) gives nil, and the run keeps splitting groups a judge refuses as too long.
public enum ContextProbe {
    /// The context a server reported, and where it said so.
    public struct Report: Sendable, Equatable {
        public var tokens: Int
        /// `llama.cpp /props n_ctx`, `vLLM /v1/models max_model_len`.
        public var source: String
    }

    /// Whether `endpoint` is a server of the user's own: an OpenAI-style API at a base URL other
    /// than its provider's (`--api-base`, `MODEL@URL`), or an ollama or vLLM server.
    public static func isSelfHosted(_ endpoint: JudgeEndpoint) -> Bool {
        guard endpoint.style == .openAI else { return false }
        if ["ollama", "vllm"].contains(endpoint.provider) { return true }
        let standard = JudgeEndpoint.providers.first { $0.name == endpoint.provider }?.baseURL
        return standard != endpoint.baseURL
    }

    /// The context window the judge's server reports, or nil.
    public static func contextWindow(of endpoint: JudgeEndpoint, transport: any HTTPTransport) async -> Report? {
        guard isSelfHosted(endpoint) else { return nil }
        var root = endpoint.baseURL
        if root.hasSuffix("/v1") { root.removeLast(3) }
        if let props = await get(root + "/props", endpoint: endpoint, transport: transport),
            let n = ModelMap.tokenCount(props["default_generation_settings"]?["n_ctx"] ?? props["n_ctx"])
        {
            return Report(tokens: n, source: "llama.cpp /props n_ctx")
        }
        if let models = await get(endpoint.baseURL + "/models", endpoint: endpoint, transport: transport),
            let list = models["data"]?.arrayValue
        {
            let entry = list.first { $0["id"]?.stringValue == endpoint.model } ?? (list.count == 1 ? list.first : nil)
            if let n = ModelMap.tokenCount(entry?["max_model_len"]) { return Report(tokens: n, source: "vLLM /v1/models max_model_len") }
        }
        return nil
    }

    /// A JSON object from `url`, or nil on any failure (the probe is a hint, never an error).
    static func get(_ url: String, endpoint: JudgeEndpoint, transport: any HTTPTransport) async -> JSONValue? {
        let request = HTTPRequest(
            method: .get, url: url, headers: endpoint.authHeaders, connectTimeout: .seconds(2), timeout: .seconds(5))
        guard let response = try? await transport.send(request), response.status == 200,
            let value = try? JSONParser.parse(response.body), value.objectValue != nil
        else { return nil }
        return value
    }
}
