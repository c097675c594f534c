/// Agreement between two orderings of the same items, as pure functions: pairwise agreement and
/// Kendall's τ-b. Ties in the first ordering (the judge's) count half a pair.
public enum RankAgreement {
    /// Pairs the judge `x` orders as the reference `y` does, counting judge ties as half, over the
    /// pairs `y` separates: (agreeing, pairs).
    public static func pairwise(_ x: [Double], _ y: [Double]) -> (agree: Double, pairs: Int) {
        var agree = 0.0, pairs = 0
        for i in x.indices {
            for j in (i + 1)..<x.count where y[i] != y[j] {
                pairs += 1
                if x[i] == x[j] {
                    agree += 0.5
                } else if (x[i] > x[j]) == (y[i] > y[j]) {
                    agree += 1
                }
            }
        }
        return (agree, pairs)
    }

    /// Agreement between two rankings that are both judges: over the pairs at least one of them
    /// separates, 1 when both order the pair alike, ½ when one ties it, 0 when they disagree.
    public static func mutual(_ a: [Double], _ b: [Double]) -> (agree: Double, pairs: Int) {
        var agree = 0.0, pairs = 0
        for i in a.indices {
            for j in (i + 1)..<a.count where a[i] != a[j] || b[i] != b[j] {
                pairs += 1
                if a[i] == a[j] || b[i] == b[j] {
                    agree += 0.5
                } else if (a[i] > a[j]) == (b[i] > b[j]) {
                    agree += 1
                }
            }
        }
        return (agree, pairs)
    }

    /// Kendall's τ-b between `x` and `y`; nil when either is constant (τ-b is undefined).
    public static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double? {
        var concordant = 0, discordant = 0, tiesX = 0, tiesY = 0, pairs = 0
        for i in x.indices {
            for j in (i + 1)..<x.count {
                pairs += 1
                let dx = x[i] - x[j], dy = y[i] - y[j]
                if dx == 0 { tiesX += 1 }
                if dy == 0 { tiesY += 1 }
                if dx == 0 || dy == 0 { continue }
                if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let denominator = (Double(pairs - tiesX) * Double(pairs - tiesY)).squareRoot()
        guard denominator > 0 else { return nil }
        return Double(concordant - discordant) / denominator
    }

    /// Whether the judge's best is a reference best: the share of the judge's top-scored items
    /// (ties split the credit) that have the top reference value; nil when the reference is constant.
    public static func topOne(_ x: [Double], _ y: [Double]) -> Double? {
        guard let bestX = x.max(), let bestY = y.max(), y.contains(where: { $0 != bestY }) else { return nil }
        let top = x.indices.filter { x[$0] == bestX }
        return Double(top.filter { y[$0] == bestY }.count) / Double(top.count)
    }

    /// Whether samples order the pair (i, j) differently: its order (ties included) is not the same in every sample.
    static func flips(_ samples: [[Double]], _ i: Int, _ j: Int) -> Bool {
        func order(_ s: [Double]) -> Int { s[i] == s[j] ? 0 : (s[i] > s[j] ? 1 : -1) }
        guard let first = samples.first else { return false }
        return samples.dropFirst().contains { order($0) != order(first) }
    }
}
