import GavelCore
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
