import GavelJudge

/// Receives a run's progress as groups finish: a progress line, a service's metrics, a test.
public protocol RankObserver: Sendable {
    /// Called from the judging task each time a group finishes (keep it cheap).
    func progress(_ progress: RankProgress)
}

/// How far a run has come, with its judge counters so far.
public struct RankProgress: Sendable {
    /// Groups finished (judged or failed) and in all.
    public var done: Int
    public var total: Int
    /// Calls, retries and tokens so far.
    public var judge: JudgeStatistics.Snapshot
    /// Cache hits so far, when a cache is used.
    public var cacheHits: Int?
    /// Estimated spend so far, when the judge's price is known.
    public var cost: Double?
}
