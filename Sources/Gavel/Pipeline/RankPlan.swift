import GavelJSON
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
    /// Pairwise tournaments: the calls are a lower bound (each group's ⌈log2 n⌉ rounds, the first
    /// round's pairs priced for every round); a judge that contradicts itself gets more rounds.
    public var pairwise = false
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
        plan.pairwise = options.compare == .pairwise
        for g in index.groups.indices {
            // A tournament's first round stands for each of its ⌈log2 n⌉ rounds.
            let rounds = plan.pairwise ? max(1, PairwiseSchedule(canonical: Array(0..<index.groups[g].count)).minRounds) : 1
            for prompt in try prompts(forGroup: g, index: index, inputs: inputs) {
                if try await judge.wouldAnswerFromCache(prompt) {
                    plan.cachedCalls += rounds
                    continue
                }
                plan.calls += rounds
                let usage = TokenEstimator.estimate(prompt)
                for _ in 0..<rounds { plan.usage += usage }
            }
        }
        return plan
    }

    /// Every prompt the run sends (every group's, window's and sample's), in input order.
    func allPrompts() async throws -> [JudgePrompt] {
        let (inputs, index) = try await indexedInput()
        guard !index.groups.isEmpty else { throw InputError.noTrajectories(path: inputs.names.joined(separator: ", ")) }
        var all: [JudgePrompt] = []
        for g in index.groups.indices { all += try prompts(forGroup: g, index: index, inputs: inputs) }
        return all
    }

    /// The prompts (one per sample) that the group named `key` would send; nil if there is no such group.
    public func prompts(forGroupNamed key: String) async throws -> [JudgePrompt]? {
        let (inputs, index) = try await indexedInput()
        guard let g = index.groups.firstIndex(where: { $0.key == key }) else { return nil }
        return try prompts(forGroup: g, index: index, inputs: inputs)
    }

    /// Every prompt group `g` sends (every window's, every sample's), exactly as `judgeGroup` renders them.
    func prompts(forGroup g: Int, index: InputIndex, inputs: InputSet) throws -> [JudgePrompt] {
        try calls(forGroup: g, index: index, inputs: inputs).prompts.flatMap { $0 }
    }

    /// How group `g` is put to the judge: whole, or in windows (`window`, else what `maxPromptTokens`
    /// allows), each window with one prompt per sample.
    /// Under `--compare pairwise`: the tournament's first round (its later rounds depend on answers).
    func calls(forGroup g: Int, index: InputIndex, inputs: InputSet, window: Int? = nil) throws -> GroupCalls {
        let (trajectories, references) = try index.loadGroup(g, from: inputs, referencePath: options.reference)
        if options.compare == .pairwise, trajectories.count >= 2 {
            let canonical = CanonicalOrder.order(hashes: trajectories.map(CanonicalOrder.hash))
            var schedule = PairwiseSchedule(canonical: canonical)
            return Self.pairCalls(
                schedule.nextRound(ranking: canonical, settled: false), trajectories: trajectories, canonical: canonical,
                builder: PromptBuilder(rubric: options.rubric.text, mode: options.mode), references: references, first: 0)
        }
        return calls(
            for: trajectories, rubric: options.rubric, samples: options.samples, window: window ?? options.window, fitting: window == nil,
            references: references)
    }

    /// How `trajectories` are put to the judge: whole, or in windows of `window` (smaller if `fitting`
    /// and the whole prompt would exceed `maxPromptTokens`), each window with one prompt per sample;
    /// every prompt shows the group's `references`.
    func calls(
        for trajectories: [Trajectory], rubric: Rubric, samples: Int, window: Int, fitting: Bool, references: [JSONValue] = []
    ) -> GroupCalls {
        let hashes = trajectories.map(CanonicalOrder.hash)
        let canonical = CanonicalOrder.order(hashes: hashes)
        let builder = PromptBuilder(rubric: rubric.text, mode: options.mode)
        var size = window
        if fitting, let limit = options.maxPromptTokens {
            let whole = builder.build(trajectories, order: canonical, references: references)
            let tokens = TokenEstimator.estimate(whole).prompt
            if tokens > limit { size = min(size, WindowPlan.size(forTokens: tokens, members: trajectories.count, maxTokens: limit)) }
        }
        let windows = WindowPlan.windows(canonical: canonical, size: size)
        var calls = GroupCalls(windows: windows, prompts: [])
        for members in windows {
            // Each window is its own small group: its own canonical order and sample orders, so the
            // same window in a reshuffled file renders (and caches) the same.
            let subset = members.map { trajectories[$0] }, subHashes = members.map { hashes[$0] }
            let subCanonical = CanonicalOrder.order(hashes: subHashes)
            let groupHash = CanonicalOrder.groupHash(hashes: subHashes)
            let orders = (0..<max(1, samples)).map {
                CanonicalOrder.permutation(canonical: subCanonical, groupHash: groupHash, sample: $0)
            }
            var prompts = builder.build(subset, orders: orders, references: references)
            for k in prompts.indices {
                prompts[k].sample = k
                prompts[k].window = calls.prompts.count
            }
            calls.prompts.append(prompts)
        }
        return calls
    }
}

/// The judge calls of one group: its windows (member indices; one window of every member for a
/// group judged whole) and, per window, one prompt per sample whose members index into the window.
struct GroupCalls: Sendable {
    var windows: [[Int]]
    var prompts: [[JudgePrompt]]
}
