/// The result of judging one group, per member in the group's member order.
struct GroupOutcome: Sendable {
    /// `samples[k][m]`: sample k's score for member m.
    var samples: [[Double]] = []
    /// `slots[k][m]`: the position (0-based) at which sample k showed member m to the judge.
    var slots: [[Int]] = []
    /// For a group judged in windows: how many windows each member was in (empty otherwise).
    var windows: [Int] = []
    /// From a panel: each panel member's mean score per group member (NaN where it never answered).
    var panel: [PanelScores] = []
    /// From a panel: members that missed at least one of the group's prompts.
    var panelMissing: [String] = []
    /// Explanations of the first sample, per member.
    var explanations: [String] = []
    /// Why the group has no scores, if it has none.
    var failure: GroupFailure?
    /// Whether every judge answer for the group came from the cache.
    var cached = false
    /// Wall-clock seconds from the group's first judge call to its last answer (waits for the
    /// concurrency gate and the rate limiter included).
    var judgeSeconds = 0.0
    /// Tokens and judge seconds of every answer the group got, cached ones included (what judging
    /// it costs, whether or not this run paid).
    var answerUsage = TokenUsage()
    var answerSeconds = 0.0

    static func failed(_ why: GroupFailure) -> GroupOutcome { GroupOutcome(failure: why) }

    /// The group as the score stage's batches carry it, its samples combined into scores.
    func batchGroup(key: String, count: Int, advantage: AdvantageMode) -> EncodeBatch.Group {
        guard failure == nil, !samples.isEmpty else {
            return EncodeBatch.Group(key: key, failure: failure ?? .notJudged, count: count)
        }
        return EncodeBatch.Group(
            key: key, scores: ScoreStage.combine(ScoreStage.GroupSamples(samples: samples), mode: advantage),
            explanations: explanations, samples: samples, slots: slots, windows: windows, panel: panel,
            panelMissing: panelMissing, cached: cached, count: count)
    }
}
