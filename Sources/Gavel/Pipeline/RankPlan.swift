import GavelSupport

/// What a run would do, without calling the judge: for `--dry-run` and `--show-prompt`.
public struct RankPlan: Sendable {
    public var groups = 0
    public var trajectories = 0
    public var skippedLines = 0
    /// Judge calls needed (groups × samples, less those the cache answers).
    public var calls = 0
    /// Calls the cache would answer.
    public var cachedCalls = 0
    /// Estimated tokens of the calls needed.
    public var usage = TokenUsage()
}

extension RankPipeline {
    /// Scans and groups the input and renders every prompt, but calls no judge and writes nothing.
    public func plan() async throws -> RankPlan {
        let (inputs, index) = try await indexedInput()
        guard !index.groups.isEmpty else { throw InputError.noTrajectories(path: inputs.names.joined(separator: ", ")) }
        var plan = RankPlan()
        plan.groups = index.groups.count
        plan.trajectories = index.trajectoryCount
        plan.skippedLines = index.skipped.count
        for g in index.groups.indices {
            for prompt in try prompts(forGroup: g, index: index, inputs: inputs) {
                if try await judge.wouldAnswerFromCache(prompt) {
                    plan.cachedCalls += 1
                    continue
                }
                plan.calls += 1
                plan.usage += TokenUsage(
                    prompt: TokenEstimator.estimate(prompt.system) + TokenEstimator.estimate(prompt.user),
                    completion: TokenEstimator.answerEstimate(ids: prompt.ids.count))
            }
        }
        return plan
    }

    /// The prompts (one per sample) that the group named `key` would send; nil if there is no such group.
    public func prompts(forGroupNamed key: String) async throws -> [JudgePrompt]? {
        let (inputs, index) = try await indexedInput()
        guard let g = index.groups.firstIndex(where: { $0.key == key }) else { return nil }
        return try prompts(forGroup: g, index: index, inputs: inputs)
    }

    /// Every sample's prompt for group `g`, exactly as `judgeGroup` renders them.
    func prompts(forGroup g: Int, index: InputIndex, inputs: InputSet) throws -> [JudgePrompt] {
        let trajectories = try index.loadGroup(g, from: inputs)
        let hashes = trajectories.map(CanonicalOrder.hash)
        let canonical = CanonicalOrder.order(hashes: hashes)
        let groupHash = CanonicalOrder.groupHash(hashes: hashes)
        let orders = (0..<max(1, options.samples)).map {
            CanonicalOrder.permutation(canonical: canonical, groupHash: groupHash, sample: $0)
        }
        var prompts = PromptBuilder(rubric: options.rubric.text).build(trajectories, orders: orders)
        for k in prompts.indices { prompts[k].sample = k }
        return prompts
    }
}
