import GavelScoring

/// One group ranked on its own (a service request, not a file): per trajectory, in the order given.
public struct GroupRanking: Sendable, Equatable {
    /// Final score per trajectory (the mean over samples; Bradley–Terry scores for a group judged in windows).
    public var scores: [Double]
    /// Population standard deviation over samples, per trajectory (0 with one sample).
    public var spread: [Double]
    /// 1 = best; ties share the better rank.
    public var ranks: [Int]
    /// One per trajectory; empty for `AdvantageMode.none`.
    public var advantages: [Double]
    /// How `advantages` were computed (the request's mode, else the run's).
    public var advantageMode: AdvantageMode
    /// The judge's explanation per trajectory (its first sample's).
    public var explanations: [String]
    /// Whether every score is the same (no learning signal).
    public var zeroVariance: Bool
    /// Whether every judge answer came from the cache.
    public var cached: Bool
    /// Samples the scores combine (1 for a group judged in windows: its fused scores are one sample).
    public var samples: Int
    /// Wall-clock seconds the group spent in judge calls, from the first call to the last answer
    /// (waits for the concurrency gate and the rate limiter included): what a service adds is the rest.
    public var judgeSeconds: Double
    /// Judge calls (windows × samples) the group was judged with, cached ones included.
    public var calls: Int

    public init(
        scores: [Double], spread: [Double], ranks: [Int], advantages: [Double], advantageMode: AdvantageMode, explanations: [String],
        zeroVariance: Bool,
        cached: Bool, samples: Int, judgeSeconds: Double, calls: Int
    ) {
        self.scores = scores
        self.spread = spread
        self.ranks = ranks
        self.advantages = advantages
        self.advantageMode = advantageMode
        self.explanations = explanations
        self.zeroVariance = zeroVariance
        self.cached = cached
        self.samples = samples
        self.judgeSeconds = judgeSeconds
        self.calls = calls
    }
}
