import Foundation

/// Fuses the judge's scores from overlapping windows into one strength per member: a Bradley–Terry
/// model fitted by minorization–maximization (Hunter, "MM algorithms for generalized Bradley–Terry
/// models", Annals of Statistics 32, 2004).
///
/// Each window gives every pair of its members a fractional result from their score difference
/// (`0.5 + (a − b)/2`, so a tie is half a win each). A weak prior — every member plays
/// `priorGames` drawn games against a reference of strength 1 — keeps unanimous or disconnected
/// cases finite. Strengths are then mapped onto the range of the members' mean window scores.
public struct BradleyTerry: Sendable {
    /// Results between pairs of members.
    public struct Comparisons: Sendable {
        public let members: Int
        /// Pair (i, j) with i < j, the games they played and i's share of the wins.
        var pairs: [Int: (games: Double, winsOfFirst: Double)] = [:]
        /// Per member: the sum and count of its window scores.
        var scoreSum: [Double]
        var scoreCount: [Int]

        public init(members: Int) {
            self.members = members
            scoreSum = Array(repeating: 0, count: members)
            scoreCount = Array(repeating: 0, count: members)
        }

        /// Adds one window: `scores[k]` is member `window[k]`'s score (0–1) in it.
        public mutating func add(window: [Int], scores: [Double]) {
            for a in window.indices {
                scoreSum[window[a]] += scores[a]
                scoreCount[window[a]] += 1
                for b in (a + 1)..<window.count {
                    let i = window[a], j = window[b]
                    guard i != j else { continue }
                    let win = min(1, max(0, 0.5 + (scores[a] - scores[b]) / 2))
                    let key = i < j ? i * members + j : j * members + i
                    pairs[key, default: (0, 0)].games += 1
                    pairs[key, default: (0, 0)].winsOfFirst += i < j ? win : 1 - win
                }
            }
        }
    }

    public var priorGames = 0.1
    public var maxIterations = 1000
    /// Stop when no strength moves by more than this fraction in an iteration (ranks settle long before).
    public var tolerance = 1e-5

    public init() {}

    /// Strengths (geometric mean 1), one per member.
    public func strengths(_ c: Comparisons) -> [Double] {
        let n = c.members
        var wins = [Double](repeating: priorGames, count: n)
        var edges: [(i: Int, j: Int, games: Double)] = []
        edges.reserveCapacity(c.pairs.count)
        // In key order, not the dictionary's: its order changes with each process's hash seed, and so
        // would the sums' last bits (two runs of the same input must write the same bytes).
        for key in c.pairs.keys.sorted() {
            guard let p = c.pairs[key] else { continue }
            let i = key / n, j = key % n
            wins[i] += p.winsOfFirst
            wins[j] += p.games - p.winsOfFirst
            edges.append((i, j, p.games))
        }
        // Start near the answer: with results 0.5 + d/2, log-strength differences are about 2d, so
        // twice the mean window score is a close first guess (the fit then needs few iterations).
        let means = (0..<n).map { c.scoreCount[$0] > 0 ? c.scoreSum[$0] / Double(c.scoreCount[$0]) : 0.5 }
        let centre = means.reduce(0, +) / Double(max(1, n))
        var pi = means.map { Foundation.exp(2 * ($0 - centre)) }
        var denominator = [Double](repeating: 0, count: n)
        var next = [Double](repeating: 1, count: n)
        for _ in 0..<maxIterations {
            for i in 0..<n { denominator[i] = 2 * priorGames / (pi[i] + 1) }
            for e in edges {
                let d = e.games / (pi[e.i] + pi[e.j])
                denominator[e.i] += d
                denominator[e.j] += d
            }
            var change = 0.0, logSum = 0.0
            for i in 0..<n {
                next[i] = wins[i] / denominator[i]
                logSum += Foundation.log(next[i])
            }
            let scale = Foundation.exp(-logSum / Double(max(1, n)))
            for i in 0..<n {
                next[i] *= scale
                change = max(change, abs(next[i] - pi[i]) / pi[i])
            }
            swap(&pi, &next)
            if change < tolerance { break }
        }
        return pi
    }

    /// Scores in 0–1: the log-strengths mapped linearly onto the range of the members' mean window
    /// scores, so a fused group reads on the judge's own scale (equal strengths give the mean score).
    public func scores(_ c: Comparisons) -> [Double] {
        ScoreMeter.current?.count(.fit)
        let logs = strengths(c).map { Foundation.log($0) }
        let means = (0..<c.members).map { c.scoreCount[$0] > 0 ? c.scoreSum[$0] / Double(c.scoreCount[$0]) : 0.5 }
        guard let lo = logs.min(), let hi = logs.max(), let low = means.min(), let high = means.max(), hi - lo > 1e-9 else {
            let mean = means.reduce(0, +) / Double(max(1, means.count))
            return means.map { _ in mean }
        }
        return logs.map { min(1, max(0, low + (high - low) * ($0 - lo) / (hi - lo))) }
    }
}
