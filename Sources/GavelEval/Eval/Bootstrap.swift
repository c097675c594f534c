import GavelSupport

/// Percentile bootstrap confidence intervals over groups, seeded so a rerun prints the same interval.
public struct Bootstrap: Sendable {
    public var resamples: Int
    public var seed: UInt64

    public init(resamples: Int = 1000, seed: UInt64 = 1) {
        self.resamples = max(1, resamples)
        self.seed = seed
    }

    /// An estimate and its 95% interval.
    public struct Interval: Sendable, Equatable {
        public var estimate: Double
        public var low: Double
        public var high: Double
    }

    /// The ratio Σ numerator / Σ denominator over `items`, and its 95% interval from resampling the
    /// items with replacement; nil when the denominators sum to zero.
    public func ratio(_ items: [(numerator: Double, denominator: Double)]) -> Interval? {
        let total = items.reduce(0) { $0 + $1.denominator }
        guard total > 0 else { return nil }
        let estimate = items.reduce(0) { $0 + $1.numerator } / total
        var rng = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var n = 0.0, d = 0.0
            for _ in items.indices {
                let item = items[Int(rng.next() % UInt64(items.count))]
                n += item.numerator
                d += item.denominator
            }
            if d > 0 { values.append(n / d) }
        }
        return interval(estimate, values)
    }

    /// The mean of `values` and its 95% interval; nil for no values.
    public func mean(_ values: [Double]) -> Interval? {
        ratio(values.map { ($0, 1) })
    }

    private func interval(_ estimate: Double, _ values: [Double]) -> Interval {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return Interval(estimate: estimate, low: estimate, high: estimate) }
        func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count - 1)).rounded())))] }
        return Interval(estimate: estimate, low: quantile(0.025), high: quantile(0.975))
    }
}
