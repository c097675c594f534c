/// How a group's members are put to the judge.
public enum CompareMode: String, Sendable, CaseIterable {
    /// The whole group in one prompt (in windows when large): RULER's way.
    case listwise
    /// Pairs, each in both orders, scheduled like a Swiss tournament and fused by Bradley–Terry
    /// (see `PairwiseSchedule`): a small judge compares two answers more reliably than it ranks many.
    case pairwise
}
