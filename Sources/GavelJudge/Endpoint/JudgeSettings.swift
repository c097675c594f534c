import GavelHTTP
import GavelJSON

/// Request parameters and retry limits of judge calls.
public struct JudgeSettings: Sendable {
    public var temperature: Double?
    public var maxTokens: Int?
    public var reasoningEffort: String?
    /// Extra request fields passed through as given (`--judge-param key=value`).
    public var extraParameters: [JSONObject.Member]
    /// Time allowed for one HTTP call.
    public var timeout: Duration
    /// Retries after the first attempt, for retryable failures.
    public var maxRetries: Int
    /// First backoff step; later steps double it, up to `maxBackoff`, with full jitter.
    public var baseBackoff: Duration
    public var maxBackoff: Duration

    public init(
        temperature: Double? = nil, maxTokens: Int? = nil, reasoningEffort: String? = nil,
        extraParameters: [JSONObject.Member] = [], timeout: Duration = .seconds(180), maxRetries: Int = 6,
        baseBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30)
    ) {
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.reasoningEffort = reasoningEffort
        self.extraParameters = extraParameters
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
    }
}

extension JudgeSettings {
    /// An extra request field from `KEY=VALUE` text: the value as JSON if it parses as JSON, else as
    /// a string; nil when the text has no `=` or no key.
    public static func parameter(_ text: String) -> JSONObject.Member? {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { return nil }
        let raw = String(text[text.index(after: eq)...])
        return JSONObject.Member(String(text[..<eq]), (try? JSONParser.parse(raw)) ?? .string(raw))
    }
}

/// How the judge is asked for structured output, strongest first.
public enum ResponseFormatMode: String, Sendable, CaseIterable {
    /// `response_format: json_schema` (strict), or a forced tool call on Anthropic.
    case jsonSchema = "json_schema"
    /// `response_format: json_object`.
    case jsonObject = "json_object"
    /// No response_format; the prompt describes the JSON.
    case text

    /// The next weaker mode, if any.
    var fallback: ResponseFormatMode? {
        switch self {
        case .jsonSchema: return .jsonObject
        case .jsonObject: return .text
        case .text: return nil
        }
    }
}
