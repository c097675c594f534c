import GavelCache
import GavelCore
import GavelJudge

/// What a ranking run did: counts, tokens, failures and time.
public struct RankSummary: Sendable {
    public var groups = 0
    public var trajectories = 0
    public var judgedGroups = 0
    public var failedGroups = 0
    /// Groups never judged because the run stopped early.
    public var unjudgedGroups = 0
    public var skippedLines = 0
    public var judge = JudgeStatistics.Snapshot()
    /// Cache counters, when a cache was used.
    public var cache: JudgeCache.Statistics?
    /// Tokens and judge seconds of every answer the judged groups got, cached ones included (the
    /// cache keeps each answer's): what judging them costs, whether or not this run paid for it.
    public var answerUsage = TokenUsage()
    public var answerSeconds = 0.0
    /// Groups answered wholly from the cache.
    public var cachedGroups = 0
    /// Where the score stage ran (inline, thread, process).
    public var scoreExecutor = ""
    public var wallSeconds = 0.0
    /// Of which reading and indexing the input.
    public var indexSeconds = 0.0
    /// Set when a fatal judge error stopped the run.
    public var fatalError: JudgeError?
    /// Set when the run was interrupted (SIGINT/SIGTERM).
    public var interrupted = false
    /// Connections the transport opened.
    public var connections = 0
    /// The first group failure, for the message.
    public var firstFailure: String?

    /// Whether every group was judged.
    public var isComplete: Bool { failedGroups == 0 && unjudgedGroups == 0 && fatalError == nil && !interrupted }
}
