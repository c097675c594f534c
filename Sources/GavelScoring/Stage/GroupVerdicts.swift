import GavelCore

/// What the judge answered for one group, before any arithmetic: per window, per sample, the
/// scores it gave each slot of the prompt and which members those slots showed.
///
/// This is what the score stage's executors receive (a worker process included): they turn it
/// into sample means and spreads, a panel's per-member table, the Bradley–Terry fit of windows,
/// ranks and advantages (`scored(advantage:)`), so the coordinating process does none of that.
public struct GroupVerdicts: Sendable, Equatable {
    /// One prompt's answer.
    public struct Answer: Sendable, Equatable {
        /// `members[i]`: the window-local members shown at the prompt's slot i (identical
        /// trajectories share a slot).
        public var members: [[Int]]
        /// The judge's score per slot (for a panel, its members' scores already combined).
        public var scores: [Double]
        /// The judge's explanation per slot (kept for a window's first sample only; empty otherwise).
        public var explanations: [String]
        /// From a panel: each member's scores per slot.
        public var panel: [PanelScores]
        /// From a panel: members that gave no answer for this prompt.
        public var panelMissing: [String]

        public init(
            members: [[Int]], scores: [Double], explanations: [String] = [], panel: [PanelScores] = [], panelMissing: [String] = []
        ) {
            self.members = members
            self.scores = scores
            self.explanations = explanations
            self.panel = panel
            self.panelMissing = panelMissing
        }
    }

    /// Members in the group.
    public var count: Int
    /// `windows[w]`: the group members window w showed, by window-local index.
    public var windows: [[Int]]
    /// `answers[w][k]`: window w's sample k.
    public var answers: [[Answer]]
    /// Whether the windows' results are fused by a Bradley–Terry fit into one score each (a group
    /// judged in windows, or a pairwise tournament) rather than kept as samples of one window.
    public var fused: Bool
    /// What was cut from each member to fit the judge's context (`gavel.elided`); empty when nothing was.
    public var elided: [TrajectoryElision.Cut?]

    public init(count: Int, windows: [[Int]], answers: [[Answer]], fused: Bool, elided: [TrajectoryElision.Cut?] = []) {
        self.count = count
        self.windows = windows
        self.answers = answers
        self.fused = fused
        self.elided = elided
    }

    /// Answers to one window showing the group's members in order, one list of scores per sample
    /// (`samples[k][m]`) and the first sample's explanations: what a judge without windows gives.
    public static func inOrder(samples: [[Double]], explanations: [String]) -> GroupVerdicts {
        let n = samples.first?.count ?? explanations.count
        let slots = (0..<n).map { [$0] }
        return GroupVerdicts(
            count: n, windows: [Array(0..<n)],
            answers: [
                samples.enumerated().map { k, scores in
                    Answer(members: slots, scores: scores, explanations: k == 0 ? explanations : [])
                }
            ], fused: false)
    }

    /// The group's scores and everything its output records show, computed from the answers.
    public func scored(advantage: AdvantageMode) -> ScoredGroup {
        ScoreMeter.current?.count(.group)
        var g = ScoredGroup()
        g.explanations = Array(repeating: "", count: count)
        if fused {
            var comparisons = BradleyTerry.Comparisons(members: count)
            g.windows = Array(repeating: 0, count: count)
            for (w, members) in windows.enumerated() where w < answers.count {
                comparisons.add(window: members, scores: windowMeans(w))
                for m in members where m < count { g.windows[m] += 1 }
                // Each member's explanation: the first window's first sample that showed it.
                if let first = answers[w].first {
                    first.forEachShown(in: members, count: count) { i, _, m in
                        if g.explanations[m].isEmpty, i < first.explanations.count { g.explanations[m] = first.explanations[i] }
                    }
                }
            }
            g.samples = [BradleyTerry().scores(comparisons)]
        } else if let window = windows.first, let samples = answers.first {
            for (k, answer) in samples.enumerated() {
                var scores = [Double](repeating: 0, count: count)
                var slots = [Int](repeating: 0, count: count)
                answer.forEachShown(in: window, count: count) { i, _, m in
                    guard i < answer.scores.count else { return }
                    scores[m] = answer.scores[i]
                    slots[m] = i
                    if k == 0, i < answer.explanations.count { g.explanations[m] = answer.explanations[i] }
                }
                g.samples.append(scores)
                g.slots.append(slots)
            }
        }
        (g.panel, g.panelMissing) = panelTable()
        g.elided = elided
        g.scores = ScoreStage.combine(ScoreStage.GroupSamples(samples: g.samples), mode: advantage)
        return g
    }

    /// Window `w`'s mean score per window-local member over its samples.
    package func windowMeans(_ w: Int) -> [Double] {
        ScoreMeter.current?.count(.mean)
        var sum = [Double](repeating: 0, count: windows[w].count)
        for answer in answers[w] {
            answer.forEachShown(in: windows[w], count: count) { i, l, _ in
                if i < answer.scores.count { sum[l] += answer.scores[i] }
            }
        }
        let n = Double(max(1, answers[w].count))
        return sum.map { $0 / n }
    }

    /// From a panel's answers: each panel member's mean score per group member over the prompts it
    /// answered (NaN where none), members in order of first appearance, and the members that
    /// missed any prompt.
    func panelTable() -> ([PanelScores], [String]) {
        var order: [String] = [], sums: [String: [Double]] = [:], counts: [String: [Int]] = [:]
        var missing: Set<String> = []
        for (w, window) in windows.enumerated() where w < answers.count {
            for answer in answers[w] {
                missing.formUnion(answer.panelMissing)
                for p in answer.panel {
                    if sums[p.member] == nil {
                        order.append(p.member)
                        sums[p.member] = Array(repeating: 0, count: count)
                        counts[p.member] = Array(repeating: 0, count: count)
                    }
                    answer.forEachShown(in: window, count: count) { i, _, m in
                        guard i < p.scores.count else { return }
                        sums[p.member]?[m] += p.scores[i]
                        counts[p.member]?[m] += 1
                    }
                }
            }
        }
        guard !order.isEmpty else { return ([], missing.sorted()) }
        ScoreMeter.current?.count(.panel)
        let panel = order.map { name in
            PanelScores(
                member: name,
                scores: (0..<count).map { m in
                    let c = counts[name]?[m] ?? 0
                    return c > 0 ? (sums[name]?[m] ?? 0) / Double(c) : .nan
                })
        }
        return (panel, missing.sorted())
    }
}

extension GroupVerdicts.Answer {
    /// Calls `body(slot, local, member)` for every member this answer showed: its slot in the
    /// prompt, its index in `window`, and its index in the group (those outside either skipped).
    func forEachShown(in window: [Int], count: Int, _ body: (Int, Int, Int) -> Void) {
        for (i, locals) in members.enumerated() {
            for l in locals where l >= 0 && l < window.count && window[l] >= 0 && window[l] < count { body(i, l, window[l]) }
        }
    }
}
