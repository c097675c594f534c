import GavelCore
import GavelHTTP

/// Where and how to reach a judge model: provider, model, base URL, key and API style.
///
/// Named `provider/model` as LiteLLM users know it (`openai/gpt-4o-mini`,
/// `openrouter/anthropic/claude-3.5-sonnet`, `anthropic/claude-sonnet-4-5`, `azure/my-deployment`).
public struct JudgeEndpoint: Sendable, Equatable {
    /// The wire protocol of the provider.
    public enum Style: String, Sendable, Equatable {
        case openAI
        case anthropic
        case azure
    }

    /// A provider Gavel knows: default base URL, key variables and API style.
    public struct Provider: Sendable {
        public var name: String
        public var baseURL: String
        /// Environment variables that may hold the key, most usual first.
        public var keyVariables: [String]
        /// Whether the provider can be called without a key (local servers).
        public var keyOptional: Bool
        public var style: Style
    }

    public static let providers: [Provider] = [
        Provider(
            name: "openai", baseURL: "https://api.openai.com/v1", keyVariables: ["OPENAI_API_KEY"], keyOptional: false, style: .openAI),
        Provider(
            name: "anthropic", baseURL: "https://api.anthropic.com/v1", keyVariables: ["ANTHROPIC_API_KEY"], keyOptional: false,
            style: .anthropic),
        Provider(name: "azure", baseURL: "", keyVariables: ["AZURE_API_KEY"], keyOptional: false, style: .azure),
        Provider(
            name: "openrouter", baseURL: "https://openrouter.ai/api/v1", keyVariables: ["OPENROUTER_API_KEY"], keyOptional: false,
            style: .openAI),
        Provider(
            name: "together", baseURL: "https://api.together.xyz/v1", keyVariables: ["TOGETHER_API_KEY", "TOGETHERAI_API_KEY"],
            keyOptional: false, style: .openAI),
        Provider(
            name: "groq", baseURL: "https://api.groq.com/openai/v1", keyVariables: ["GROQ_API_KEY"], keyOptional: false, style: .openAI),
        Provider(
            name: "deepseek", baseURL: "https://api.deepseek.com/v1", keyVariables: ["DEEPSEEK_API_KEY"], keyOptional: false, style: .openAI
        ),
        Provider(
            name: "fireworks", baseURL: "https://api.fireworks.ai/inference/v1",
            keyVariables: ["FIREWORKS_API_KEY", "FIREWORKS_AI_API_KEY"], keyOptional: false, style: .openAI),
        Provider(name: "ollama", baseURL: "http://localhost:11434/v1", keyVariables: ["OLLAMA_API_KEY"], keyOptional: true, style: .openAI),
        Provider(name: "vllm", baseURL: "http://localhost:8000/v1", keyVariables: ["VLLM_API_KEY"], keyOptional: true, style: .openAI),
        Provider(
            name: "litellm", baseURL: "http://localhost:4000/v1", keyVariables: ["LITELLM_API_KEY", "LITELLM_MASTER_KEY"],
            keyOptional: true, style: .openAI),
    ]

    public var provider: String
    public var model: String
    /// Base URL without a trailing slash, e.g. `https://api.openai.com/v1`.
    public var baseURL: String
    public var style: Style
    /// The API key, if any. Never printed: `description` leaves it out.
    public var apiKey: String?
    /// Azure's `api-version`.
    public var apiVersion: String?

    public init(provider: String, model: String, baseURL: String, style: Style, apiKey: String?, apiVersion: String? = nil) {
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
        self.style = style
        self.apiKey = apiKey
        self.apiVersion = apiVersion
    }

    /// `provider/model`, as the user named it.
    public var name: String { "\(provider)/\(model)" }

    /// The URL of the chat call.
    public var chatURL: String {
        switch style {
        case .openAI: return baseURL + "/chat/completions"
        case .anthropic: return baseURL + "/messages"
        case .azure: return baseURL + "/openai/deployments/\(model)/chat/completions?api-version=\(apiVersion ?? "2024-10-21")"
        }
    }

    /// Header fields that carry the key and the API version.
    package var authHeaders: [(name: String, value: String)] {
        var h: [(name: String, value: String)] = []
        switch style {
        case .openAI: if let k = apiKey { h.append(("Authorization", "Bearer \(k)")) }
        case .anthropic:
            if let k = apiKey { h.append(("x-api-key", k)) }
            h.append(("anthropic-version", "2023-06-01"))
        case .azure: if let k = apiKey { h.append(("api-key", k)) }
        }
        return h
    }

    /// Resolves `--judge`, `--api-base` and `--api-key-env` against the environment.
    ///
    /// - Parameter requireKey: false when no request will be sent (a dry run, a prompt preview), so a
    ///   missing key is no error.
    public static func resolve(
        judge: String, apiBase: String? = nil, apiKeyEnv: String? = nil, environment: [String: String], requireKey: Bool = true
    ) throws(ConfigurationError) -> JudgeEndpoint {
        guard let slash = judge.firstIndex(of: "/"), judge.index(after: slash) < judge.endIndex else {
            throw ConfigurationError("the judge must be PROVIDER/MODEL (for example openai/gpt-4o-mini), got \"\(judge)\"", setting: .judge)
        }
        let providerName = judge[..<slash].lowercased()
        let model = String(judge[judge.index(after: slash)...])
        guard let provider = providers.first(where: { $0.name == providerName }) else {
            throw ConfigurationError(
                "unknown judge provider \"\(providerName)\"; known providers: \(providers.map(\.name).joined(separator: ", "))",
                setting: .judge)
        }
        var base = apiBase ?? ""
        if base.isEmpty {
            base = provider.style == .azure ? (environment["AZURE_API_BASE"] ?? "") : provider.baseURL
        }
        guard !base.isEmpty else {
            throw ConfigurationError(
                "azure needs its endpoint: set AZURE_API_BASE (e.g. https://NAME.openai.azure.com) or give the API base URL",
                setting: .apiBase)
        }
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw ConfigurationError(
                "the API base URL must start with http:// or https://, got \"\(URLText.redacted(base))\"", setting: .apiBase)
        }
        while base.hasSuffix("/") { base.removeLast() }
        let variables = apiKeyEnv.map { [$0] } ?? provider.keyVariables
        let key = variables.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        let loopback = URLText.isLoopback(base)
        if key == nil, requireKey, !provider.keyOptional, !loopback {
            let which = variables.count == 1 ? variables[0] : variables.joined(separator: " or ")
            throw ConfigurationError(
                "no API key for \(provider.name): set \(which) in the environment, or name the variable that holds it", setting: .apiKeyEnv)
        }
        let version = provider.style == .azure ? (environment["AZURE_API_VERSION"] ?? "2024-10-21") : nil
        return JudgeEndpoint(provider: provider.name, model: model, baseURL: base, style: provider.style, apiKey: key, apiVersion: version)
    }
}

extension JudgeEndpoint: CustomStringConvertible {
    /// Provider, model and base URL; never the key.
    public var description: String { "\(name) at \(URLText.redacted(baseURL))" }
}
