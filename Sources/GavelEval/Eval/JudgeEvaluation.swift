import GavelJSON

/// What `gavel eval` measures about a judge from its ranked output: agreement with a reference
/// reward, position bias and consistency across samples, the learning signal left for GRPO, and
/// agreement with another ranking of the same trajectories.
public struct JudgeEvaluation: Sendable {
    /// Agreement with the reference reward.
    public struct Truth: Sendable {
        public var path: String
        /// Trajectories without a reference value (their pairs are skipped).
        public var missing: Int
        /// Over the pairs the reference separates; judge ties count half.
        public var pairwiseAccuracy: Bootstrap.Interval?
        public var pairs: Int
        /// Mean over groups where τ-b is defined.
        public var kendallTauB: Bootstrap.Interval?
        public var tauGroups: Int
        /// Share of groups whose top-scored trajectory is a reference best.
        public var topOneAccuracy: Bootstrap.Interval?
        public var topOneGroups: Int
    }

    /// Position bias and consistency, from several samples' scores and slots.
    public struct Position: Sendable {
        /// Mean sample score at each slot (0 = shown first).
        public var meanScoreBySlot: [Double]
        /// Fitted change in score from the first to the last position (least squares on the relative
        /// position; with several samples, within each trajectory, so quality cancels out).
        public var slope: Double
        /// Sample scores the fit used.
        public var observations: Int
    }

    /// Agreement with another ranking of the same trajectories.
    public struct Against: Sendable {
        /// One group's agreement.
        public struct GroupAgreement: Sendable {
            public var key: String
            public var agreement: Double
            public var kendallTauB: Double?
        }

        public var file: String
        public var matchedGroups: Int
        /// Groups of either file without a judged counterpart.
        public var unmatchedGroups: Int
        public var pairwiseAgreement: Bootstrap.Interval?
        public var kendallTauB: Bootstrap.Interval?
        /// Lowest agreement first.
        public var mostDisagreeing: [GroupAgreement]
    }

    public var files: [String]
    public var groups: Int
    public var judgedGroups: Int
    public var failedGroups: Int
    /// Judged groups of one trajectory: nothing to compare.
    public var singleGroups: Int
    public var trajectories: Int
    /// The most samples any judged group has.
    public var samples: Int
    /// The judge modes the groups were scored in (`gavel.answer`; empty for output older than modes).
    public var answers: [String]
    public var truth: Truth
    public var position: Position?
    /// Share of trajectory pairs whose order differs between samples of their group.
    public var flipRate: Double?
    /// Mean and largest population std of a trajectory's samples.
    public var spreadMean: Double?
    public var spreadWorst: Double?
    /// Share of judged groups whose scores are all equal (GRPO learns nothing from them).
    public var zeroVarianceShare: Double?
    public var meanDistinctScores: Double?
    public var against: Against?
    public var bootstrap: Bootstrap

    /// Measures the groups of `files`.
    public init(files: [String], groups: [RankedGroup], truthPath: String, truthMissing: Int, bootstrap: Bootstrap = Bootstrap()) {
        self.files = files
        self.bootstrap = bootstrap
        self.groups = groups.count
        let judged = groups.filter(\.isJudged)
        judgedGroups = judged.count
        failedGroups = groups.count - judged.count
        trajectories = groups.reduce(0) { $0 + $1.members.count }
        singleGroups = judged.filter { $0.members.count == 1 }.count
        samples = judged.map(\.sampleCount).max() ?? 0
        answers = Set(judged.compactMap(\.answer)).sorted()

        // Agreement with the reference, over the members that have one.
        var pairItems: [(Double, Double)] = [], taus: [Double] = [], tops: [Double] = []
        for g in judged {
            let known = g.members.filter { $0.truth != nil }
            let x = known.compactMap(\.score), y = known.compactMap(\.truth)
            guard x.count >= 2 else { continue }
            let p = RankAgreement.pairwise(x, y)
            if p.pairs > 0 { pairItems.append((p.agree, Double(p.pairs))) }
            if let tau = RankAgreement.kendallTauB(x, y) { taus.append(tau) }
            if let top = RankAgreement.topOne(x, y) { tops.append(top) }
        }
        truth = Truth(
            path: truthPath, missing: truthMissing, pairwiseAccuracy: bootstrap.ratio(pairItems),
            pairs: Int(pairItems.reduce(0) { $0 + $1.1 }), kendallTauB: bootstrap.mean(taus), tauGroups: taus.count,
            topOneAccuracy: bootstrap.mean(tops), topOneGroups: tops.count)

        position = Self.position(judged)
        (flipRate, spreadMean, spreadWorst) = Self.consistency(judged)
        let multi = judged.filter { $0.members.count > 1 }
        if !multi.isEmpty {
            let scores = multi.map { $0.members.compactMap(\.score) }
            zeroVarianceShare = Double(scores.filter { Set($0).count == 1 }.count) / Double(multi.count)
            meanDistinctScores = Double(scores.reduce(0) { $0 + Set($1).count }) / Double(multi.count)
        }
    }

    /// Mean score by slot and the fitted slope over relative position.
    static func position(_ groups: [RankedGroup]) -> Position? {
        var bySlot: [Int: (sum: Double, count: Int)] = [:]
        var points: [(x: Double, y: Double)] = []
        for g in groups where g.members.count > 1 {
            let k = g.sampleCount
            guard k > 0, g.members.allSatisfy({ $0.slots.count >= k }) else { continue }
            // The last slot each sample used (positions run 0...last; identical trajectories share one).
            let last = (0..<k).map { s in g.members.map { $0.slots[s] }.max() ?? 0 }
            for s in 0..<k where last[s] > 0 {
                for m in g.members {
                    bySlot[m.slots[s], default: (0, 0)].sum += m.samples[s]
                    bySlot[m.slots[s], default: (0, 0)].count += 1
                }
            }
            for m in g.members {
                // Relative positions and scores of this trajectory's samples; centred when there are several.
                let xs = (0..<k).map { s in Double(m.slots[s]) / Double(max(1, last[s])) }
                let ys = Array(m.samples.prefix(k))
                let mx = k > 1 ? xs.reduce(0, +) / Double(k) : 0, my = k > 1 ? ys.reduce(0, +) / Double(k) : 0
                for s in 0..<k { points.append((xs[s] - mx, ys[s] - my)) }
            }
        }
        guard !bySlot.isEmpty, points.count > 1 else { return nil }
        let mx = points.reduce(0) { $0 + $1.x } / Double(points.count), my = points.reduce(0) { $0 + $1.y } / Double(points.count)
        let sxx = points.reduce(0) { $0 + ($1.x - mx) * ($1.x - mx) }
        let sxy = points.reduce(0) { $0 + ($1.x - mx) * ($1.y - my) }
        let slots = (0...(bySlot.keys.max() ?? 0)).map { s in bySlot[s].map { $0.sum / Double($0.count) } ?? .nan }
        return Position(meanScoreBySlot: slots, slope: sxx > 0 ? sxy / sxx : 0, observations: points.count)
    }

    /// Flip rate and score spread over groups with several samples.
    static func consistency(_ groups: [RankedGroup]) -> (flip: Double?, spreadMean: Double?, spreadWorst: Double?) {
        var flips = 0, pairs = 0
        var spreads: [Double] = []
        for g in groups {
            let k = g.sampleCount
            guard k > 1 else { continue }
            let bySample = (0..<k).map { s in g.members.map { $0.samples[s] } }
            for i in g.members.indices {
                for j in (i + 1)..<g.members.count {
                    pairs += 1
                    if RankAgreement.flips(bySample, i, j) { flips += 1 }
                }
                let xs = g.members[i].samples.prefix(k)
                let mean = xs.reduce(0, +) / Double(k)
                spreads.append((xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k)).squareRoot())
            }
        }
        guard !spreads.isEmpty else { return (nil, nil, nil) }
        return (pairs > 0 ? Double(flips) / Double(pairs) : nil, spreads.reduce(0, +) / Double(spreads.count), spreads.max())
    }

    /// Adds the agreement with `other`, the same trajectories ranked again (groups matched by key,
    /// trajectories by their order in the group).
    public mutating func compare(with other: [RankedGroup], file: String, groups mine: [RankedGroup], show: Int = 5) {
        var theirs: [String: RankedGroup] = [:]
        for g in other where g.isJudged && theirs[g.key] == nil { theirs[g.key] = g }
        var items: [(Double, Double)] = [], taus: [Double] = [], perGroup: [Against.GroupAgreement] = []
        var matched = 0
        for g in mine where g.isJudged {
            guard let h = theirs[g.key], h.members.count == g.members.count else { continue }
            matched += 1
            let a = g.members.compactMap(\.score), b = h.members.compactMap(\.score)
            let p = RankAgreement.mutual(a, b)
            let tau = RankAgreement.kendallTauB(a, b)
            if let tau { taus.append(tau) }
            guard p.pairs > 0 else { continue }
            items.append((p.agree, Double(p.pairs)))
            perGroup.append(.init(key: g.key, agreement: p.agree / Double(p.pairs), kendallTauB: tau))
        }
        let judgedMine = mine.filter(\.isJudged).count
        against = Against(
            file: file, matchedGroups: matched, unmatchedGroups: (judgedMine - matched) + (theirs.count - matched),
            pairwiseAgreement: bootstrap.ratio(items), kendallTauB: bootstrap.mean(taus),
            mostDisagreeing: Array(perGroup.filter { $0.agreement < 1 }.sorted { $0.agreement < $1.agreement }.prefix(show)))
    }
}
