/// Ranks and advantages of one group's final scores.
public struct GroupStatistics: Sendable, Equatable {
    /// 1 = best; ties share the better rank (1, 2, 2, 4).
    public var ranks: [Int]
    /// One per trajectory; empty for `AdvantageMode.none`.
    public var advantages: [Double]
    /// Whether every score in the group is the same (no learning signal).
    public var zeroVariance: Bool

    /// Computes ranks and advantages of `scores`.
    public init(scores: [Double], mode: AdvantageMode) {
        ScoreMeter.current?.count(.ranks)
        ranks = scores.map { s in 1 + scores.reduce(0) { $0 + ($1 > s ? 1 : 0) } }
        let n = Double(scores.count)
        let mean = scores.isEmpty ? 0 : scores.reduce(0, +) / n
        let variance = scores.isEmpty ? 0 : scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let std = variance.squareRoot()
        zeroVariance = scores.allSatisfy { $0 == scores.first }
        switch mode {
        case .grpo: advantages = scores.map { ($0 - mean) / (std + 1e-6) }
        case .mean: advantages = scores.map { $0 - mean }
        case .rloo:
            let total = scores.reduce(0, +)
            advantages = scores.count < 2 ? scores.map { _ in 0 } : scores.map { $0 - (total - $0) / (n - 1) }
        case .none: advantages = []
        }
        // Equal scores carry no signal: exactly zero, not rounding noise around the mean.
        if zeroVariance { advantages = advantages.map { _ in 0 } }
    }
}
