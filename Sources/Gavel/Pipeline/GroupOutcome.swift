/// The result of judging one group, per member in the group's member order.
struct GroupOutcome: Sendable {
    /// `samples[k][m]`: sample k's score for member m.
    var samples: [[Double]] = []
    /// Explanations of the first sample, per member.
    var explanations: [String] = []
    /// Set by the score stage.
    var scores: ScoreStage.GroupScores?
    /// Why the group has no scores, if it has none.
    var error: String?
    /// Whether every judge answer for the group came from the cache.
    var cached = false

    static func failed(_ why: String) -> GroupOutcome { GroupOutcome(error: why) }

    /// The group as the score stage's batches carry it.
    func batchGroup(key: String, count: Int) -> EncodeBatch.Group {
        EncodeBatch.Group(key: key, error: error ?? (scores == nil ? "not judged" : nil), scores: scores,
                          explanations: explanations, samples: samples, cached: cached, count: count)
    }
}
