import GavelCore
import GavelJSON
import GavelJudge
import GavelScoring
import Synchronization

extension RankPipeline {
    /// How one group given in memory is judged: the run's prompt, cache, concurrency gate and rate
    /// limits, with a rubric, samples and advantage of its own.
    public struct GroupSettings: Sendable {
        public var rubric: Rubric
        public var samples: Int
        public var window: Int
        public var advantage: AdvantageMode
        /// The group's reference answers, shown to the judge.
        public var references: [JSONValue]

        public init(rubric: Rubric, samples: Int, window: Int, advantage: AdvantageMode, references: [JSONValue] = []) {
            self.references = references
            self.rubric = rubric
            self.samples = samples
            self.window = window
            self.advantage = advantage
        }
    }

    /// Judges `trajectories` as one group, exactly as a run judges a group read from a file
    /// (same prompts, so the same cache entries), and scores it.
    public func rank(_ trajectories: [Trajectory], settings: GroupSettings) async throws(JudgeError) -> GroupRanking {
        let calls = Mutex(0)
        let (outcome, error): (GroupOutcome, JudgeError?)
        if options.compare == .pairwise {
            do {
                let judged = try await judgePairwise(trajectories, rubric: settings.rubric, references: settings.references)
                (outcome, error) = (judged, nil)
                calls.withLock { $0 = judged.verdicts.answers.reduce(0) { $0 + $1.count } }  // two calls a pair: both orders
            } catch let failure {
                (outcome, error) = Self.failed(failure)
            }
        } else {
            (outcome, error) = await judgeShrinkingWindows(key: "request", members: trajectories.count) { window in
                let made = self.calls(
                    for: trajectories, rubric: settings.rubric, samples: settings.samples, window: window ?? settings.window,
                    fitting: window == nil, references: settings.references)
                calls.withLock { $0 = made.prompts.reduce(0) { $0 + $1.count } }
                return made
            }
        }
        if let error { throw error }
        let scored = outcome.verdicts.scored(advantage: settings.advantage)
        let scores = scored.scores
        return GroupRanking(
            scores: scores.scores, spread: scores.spread, ranks: scores.ranks, advantages: scores.advantages,
            advantageMode: settings.advantage,
            explanations: scored.explanations, zeroVariance: scores.zeroVariance, cached: outcome.cached,
            samples: scored.samples.count, judgeSeconds: outcome.judgeSeconds, calls: calls.withLock { $0 })
    }
}
