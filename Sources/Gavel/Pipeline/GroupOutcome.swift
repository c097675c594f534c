import GavelCore
import GavelScoring

/// The result of judging one group, per member in the group's member order.
struct GroupOutcome: Sendable {
    /// What the judge answered, per window and sample: the score stage computes the rest.
    var verdicts = GroupVerdicts(count: 0, windows: [], answers: [], fused: false)
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

    /// The group as the score stage's batches carry it: its answers, not yet combined.
    func batchGroup(key: String, count: Int) -> EncodeBatch.Group {
        guard failure == nil, verdicts.answers.contains(where: { !$0.isEmpty }) else {
            return EncodeBatch.Group(key: key, failure: failure ?? .notJudged, count: count)
        }
        return EncodeBatch.Group(key: key, verdicts: verdicts, cached: cached, count: count)
    }
}
