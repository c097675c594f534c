/// How per-trajectory advantages are computed from the group's scores.
public enum AdvantageMode: String, Sendable, CaseIterable {
    /// GRPO: (r − mean) / (std + 1e-6), population standard deviation (ART's definition).
    case grpo
    /// Dr. GRPO: r − mean.
    case mean
    /// RLOO: r − mean of the other trajectories.
    case rloo
    /// No advantage field.
    case none
}
