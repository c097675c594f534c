import GavelJSON

/// Scores one rendered group prompt. `ChatJudge` calls a model over HTTP; tests may swap in closures.
public protocol Judge: Sendable {
    /// The judge's name for output records (`provider/model`).
    var name: String { get }
    /// Everything about the judge that can change its answer (provider, model, base URL, request
    /// parameters), canonically: part of the cache key. Never the API key.
    var cacheIdentity: JSONValue { get }
    /// Returns one score per id of `prompt`, or throws a `JudgeError`.
    func judge(_ prompt: JudgePrompt) async throws -> JudgeVerdict
    /// Run-wide call counters, if the judge keeps them.
    var callStatistics: JudgeStatistics? { get }
    /// Whether `judge(prompt)` would be answered from a cache, costing no call (for a dry run).
    func wouldAnswerFromCache(_ prompt: JudgePrompt) async throws -> Bool
}

extension Judge {
    public var callStatistics: JudgeStatistics? { nil }
    public func wouldAnswerFromCache(_ prompt: JudgePrompt) async throws -> Bool { false }
}

/// Token counts reported by the judge's `usage`.
public struct TokenUsage: Sendable, Equatable {
    public var prompt = 0
    public var completion = 0
    public init(prompt: Int = 0, completion: Int = 0) {
        self.prompt = prompt
        self.completion = completion
    }
    public static func += (a: inout TokenUsage, b: TokenUsage) {
        a.prompt += b.prompt
        a.completion += b.completion
    }
}

/// A judge's validated answer for one prompt: scores and explanations in the order of `prompt.ids`.
public struct JudgeVerdict: Sendable, Equatable {
    public var scores: [Double]
    public var explanations: [String]
    /// Usage of every attempt, retries and corrections included.
    public var usage: TokenUsage
    /// The raw text (or tool input) of the accepted answer.
    public var raw: String
    /// HTTP calls this verdict took.
    public var calls: Int
    /// Seconds the judge took to answer: its HTTP exchanges, retries included, waits between them
    /// not (kept in the cache, so a cached answer still says what it cost).
    public var seconds = 0.0
    /// Whether it came from the cache.
    public var cached: Bool
    /// From a panel: each member's scores (in the order of `prompt.ids`), by member name.
    public var panel: [PanelScores] = []
    /// From a panel: the members that gave no answer for this prompt.
    public var panelMissing: [String] = []

    public init(
        scores: [Double], explanations: [String], usage: TokenUsage = .init(), raw: String = "", calls: Int = 1, cached: Bool = false
    ) {
        self.scores = scores
        self.explanations = explanations
        self.usage = usage
        self.raw = raw
        self.calls = calls
        self.cached = cached
    }
}
