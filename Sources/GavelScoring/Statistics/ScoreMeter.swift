import Synchronization

/// Counts the score stage's computations made in a task (and the tasks it starts), by kind.
///
/// Set through `ScoreMeter.$current.withValue(_:)`; a test of the coordinator uses it to prove that
/// with a process pool the coordinating process computes no mean, fit, rank or advantage.
public final class ScoreMeter: Sendable {
    /// What was computed.
    public enum Kind: Sendable, Hashable, CaseIterable {
        /// A group's answers turned into its results (`GroupVerdicts.scored`).
        case group
        /// A window's mean over its samples.
        case mean
        /// Samples combined into means and spreads (`ScoreStage.combine`).
        case combine
        /// Ranks and advantages (`GroupStatistics`).
        case ranks
        /// A Bradley–Terry fit's final scores.
        case fit
        /// A panel's per-member table.
        case panel
    }

    private let counts = Mutex<[Kind: Int]>([:])

    public init() {}

    /// Records one computation of `kind`.
    public func count(_ kind: Kind) { counts.withLock { $0[kind, default: 0] += 1 } }

    /// Computations of `kind` so far.
    public subscript(_ kind: Kind) -> Int { counts.withLock { $0[kind] ?? 0 } }

    /// Computations of every kind so far.
    public var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}

extension ScoreMeter {
    /// The meter of the current task, if a caller set one.
    @TaskLocal public static var current: ScoreMeter?
}
