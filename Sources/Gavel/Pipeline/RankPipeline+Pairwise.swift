import GavelCore
import GavelJSON
import GavelScoring

extension RankPipeline {
    /// Judges a group as a pairwise tournament (`--compare pairwise`): rounds of pairs chosen by
    /// `PairwiseSchedule`, each pair shown in both orders (so a judge's preference for a slot
    /// cancels out), every result fused by the Bradley–Terry fit windows use. Pairs render as small
    /// groups of two (in canonical order, then reversed), so each pair is its own cache entry and a
    /// reshuffled file asks the same pairs; a rerun makes no calls.
    func judgePairwise(_ trajectories: [Trajectory], rubric: Rubric, references: [JSONValue]) async throws -> GroupOutcome {
        let n = trajectories.count
        guard n >= 2 else {
            return try await judge(
                calls(for: trajectories, rubric: rubric, samples: 1, window: 2, fitting: false, references: references), members: n)
        }
        let started = ContinuousClock.now
        let (short, canonical, builder) = pairwiseGroup(trajectories, rubric: rubric, references: references)
        let trajectories = short.trajectories
        var schedule = PairwiseSchedule(canonical: canonical)
        var comparisons = BradleyTerry.Comparisons(members: n)
        var made = GroupCalls(windows: [], prompts: [], elided: short.elided)
        var verdicts: [[JudgeVerdict]] = []
        var strengths = [Double](repeating: 1, count: n)
        var settled = false
        while true {
            let pairs = schedule.nextRound(ranking: schedule.ranking(strengths: strengths), settled: settled)
            if pairs.isEmpty { break }
            let round = Self.pairCalls(
                pairs, trajectories: trajectories, canonical: canonical, builder: builder, references: references, first: made.windows.count
            )
            let answers = try await self.verdicts(round)
            // Choosing the next round needs this one's results: each pair's mean over its two orders,
            // and the strengths fitted so far. The output's scores are fitted in the score stage.
            let results = Self.answers(of: round, answers, members: n, fused: true)
            settled = true
            for (w, pair) in round.windows.enumerated() {
                let scores = results.windowMeans(w)
                comparisons.add(window: pair, scores: scores)
                if PairwiseSchedule.isUpset(strengths: strengths, pair: (pair[0], pair[1]), scores: (scores[0], scores[1])) {
                    settled = false
                }
            }
            made.windows += round.windows
            made.prompts += round.prompts
            verdicts += answers
            strengths = BradleyTerry().strengths(comparisons)
        }
        var outcome = Self.outcome(of: made, verdicts, members: n, since: started)
        outcome.verdicts.fused = true
        return outcome
    }

    /// A tournament's group as its pairs show it: shortened once, for every pair, to fit a prompt of
    /// two (see `shortened`), with its canonical order and the prompt builder.
    func pairwiseGroup(
        _ trajectories: [Trajectory], rubric: Rubric, references: [JSONValue]
    ) -> (ShortenedGroup, canonical: [Int], PromptBuilder) {
        let builder = PromptBuilder(rubric: rubric.text, mode: options.mode)
        let short = shortened(trajectories, builder: builder, window: 2, references: references)
        return (short, CanonicalOrder.order(hashes: short.hashes), builder)
    }

    /// One round's calls: each pair as a group of two in canonical order, then reversed.
    static func pairCalls(
        _ pairs: [PairwiseSchedule.Pair], trajectories: [Trajectory], canonical: [Int], builder: PromptBuilder,
        references: [JSONValue], first: Int
    ) -> GroupCalls {
        let place = Dictionary(uniqueKeysWithValues: canonical.enumerated().map { ($1, $0) })
        var calls = GroupCalls(windows: [], prompts: [])
        for pair in pairs {
            let (x, y) = (place[pair.a] ?? 0) < (place[pair.b] ?? 0) ? (pair.a, pair.b) : (pair.b, pair.a)
            var prompts = builder.build([trajectories[x], trajectories[y]], orders: [[0, 1], [1, 0]], references: references)
            for k in prompts.indices {
                prompts[k].sample = k
                prompts[k].window = first + calls.windows.count
            }
            calls.windows.append([x, y])
            calls.prompts.append(prompts)
        }
        return calls
    }
}
