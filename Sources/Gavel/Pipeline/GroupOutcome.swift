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

    /// The annotation of member `m`.
    func annotation(member m: Int, group: String) -> ScoreStage.Annotation {
        guard error == nil, let scores, m < scores.scores.count else {
            return ScoreStage.Annotation(group: group, error: error ?? "not judged")
        }
        var a = ScoreStage.Annotation(group: group)
        a.score = scores.scores[m]
        a.spread = scores.spread[m]
        a.rank = scores.ranks[m]
        a.advantage = m < scores.advantages.count ? scores.advantages[m] : 0
        a.zeroVariance = scores.zeroVariance
        a.explanation = m < explanations.count ? explanations[m] : ""
        a.samples = samples.map { $0[m] }
        a.cached = cached
        return a
    }
}
