import GavelCore

/// One group's results as its output records show them: combined scores, ranks and advantages,
/// and what each record carries besides (samples, slots, windows, a panel's table, explanations).
///
/// Made by `GroupVerdicts.scored(advantage:)` wherever the score stage runs.
public struct ScoredGroup: Sendable, Equatable {
    public var scores = ScoreStage.GroupScores(scores: [], spread: [], ranks: [], advantages: [], zeroVariance: true)
    /// First sample's explanation per member.
    public var explanations: [String] = []
    /// `samples[k][m]`: sample k's score for member m (one fused sample for windows).
    public var samples: [[Double]] = []
    /// `slots[k][m]`: where sample k showed member m to the judge (empty for windows).
    public var slots: [[Int]] = []
    /// For a group judged in windows, each member's number of windows (empty otherwise).
    public var windows: [Int] = []
    /// From a panel: each panel member's score per group member, and the members that missed prompts.
    public var panel: [PanelScores] = []
    public var panelMissing: [String] = []
    /// What was cut from each member to fit the judge's context (empty when nothing was).
    public var elided: [TrajectoryElision.Cut?] = []

    public init() {}

    /// The annotation of member `m` of the group `key`.
    public func annotation(member m: Int, group key: String, cached: Bool) -> ScoreStage.Annotation {
        guard m < scores.scores.count, m < scores.ranks.count else { return ScoreStage.Annotation(group: key, failure: .notJudged) }
        var a = ScoreStage.Annotation(group: key)
        a.score = scores.scores[m]
        a.spread = m < scores.spread.count ? scores.spread[m] : 0
        a.rank = scores.ranks[m]
        a.advantage = m < scores.advantages.count ? scores.advantages[m] : 0
        a.zeroVariance = scores.zeroVariance
        a.explanation = m < explanations.count ? explanations[m] : ""
        a.samples = samples.compactMap { m < $0.count ? $0[m] : nil }
        a.slots = slots.compactMap { m < $0.count ? $0[m] : nil }
        a.windows = m < windows.count ? windows[m] : 0
        a.panel = panel.compactMap { p in
            m < p.scores.count && p.scores[m].isFinite ? PanelScores(member: p.member, scores: [p.scores[m]]) : nil
        }
        a.panelMissing = panelMissing
        a.elided = m < elided.count ? elided[m] : nil
        a.cached = cached
        return a
    }
}
