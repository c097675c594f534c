import GavelCore
import GavelIO
import GavelJSON
import GavelScoring
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
    /// The most tokens a prompt may have, if known (see `RankPipeline.promptLimit`).
    public var promptLimit: Int?
    /// Trajectories shortened to fit the judge's context, and the estimated tokens and characters cut.
    public var elidedTrajectories = 0
    public var elidedTokens = 0
    public var elidedCharacters = 0
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
        plan.promptLimit = promptLimit
        for g in index.groups.indices {
            // A tournament's first round stands for each of its ⌈log2 n⌉ rounds.
            let rounds = plan.pairwise ? max(1, PairwiseSchedule(canonical: Array(0..<index.groups[g].count)).minRounds) : 1
            let calls = try calls(forGroup: g, index: index, inputs: inputs)
            for cut in calls.elided.compactMap({ $0 }) {
                plan.elidedTrajectories += 1
                plan.elidedTokens += cut.tokens
                plan.elidedCharacters += cut.characters
            }
            for prompt in calls.prompts.joined() {
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
    package func allPrompts() async throws -> [JudgePrompt] {
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
            let (short, canonical, builder) = pairwiseGroup(trajectories, rubric: options.rubric, references: references)
            var schedule = PairwiseSchedule(canonical: canonical)
            var calls = Self.pairCalls(
                schedule.nextRound(ranking: canonical, settled: false), trajectories: short.trajectories, canonical: canonical,
                builder: builder, references: references, first: 0)
            calls.elided = short.elided
            return calls
        }
        return calls(
            for: trajectories, rubric: options.rubric, samples: options.samples, window: window ?? options.window, fitting: window == nil,
            references: references)
    }

    /// How `trajectories` are put to the judge: whole, or in windows of `window` (smaller if `fitting`
    /// and the whole prompt would exceed the prompt limit), each window with one prompt per sample;
    /// every prompt shows the group's `references`. Trajectories too long for the limit (or for
    /// `maxTrajectoryTokens`) are shortened first (`TrajectoryElision`); windows split only what
    /// that cannot fit.
    func calls(
        for original: [Trajectory], rubric: Rubric, samples: Int, window: Int, fitting: Bool, references: [JSONValue] = []
    ) -> GroupCalls {
        let builder = PromptBuilder(rubric: rubric.text, mode: options.mode)
        // The common case, rendered once: a group within one window whose prompt fits the limit (or
        // no limit is known). A prompt's estimate never exceeds its UTF-8 bytes, so most need no count.
        if options.maxTrajectoryTokens == nil, original.count <= max(1, window) {
            let plain = render(
                original, hashes: original.map(CanonicalOrder.hash), size: window, samples: samples, builder: builder,
                references: references, elided: [])
            if plain.windows.count == 1, let first = plain.prompts.first?.first {
                let fits = promptLimit.map { limit in
                    first.system.utf8.count + first.user.utf8.count <= limit || TokenEstimator.estimate(first).prompt <= limit
                }
                if fits ?? true { return plain }
            }
        }
        let short = shortened(original, builder: builder, window: window, references: references)
        let trajectories = short.trajectories, hashes = short.hashes, canonical = CanonicalOrder.order(hashes: hashes)
        var size = window
        if fitting, let limit = promptLimit {
            let tokens =
                short.elided.isEmpty && short.wholeTokens != nil
                ? short.wholeTokens ?? 0
                : TokenEstimator.estimate(builder.build(trajectories, order: canonical, references: references)).prompt
            if tokens > limit { size = min(size, WindowPlan.size(forTokens: tokens, members: trajectories.count, maxTokens: limit)) }
        }
        return render(
            trajectories, hashes: hashes, size: size, samples: samples, builder: builder, references: references, elided: short.elided)
    }

    /// The calls for `trajectories` (with their canonical-order `hashes`) in windows of `size`, each
    /// window with one prompt per sample.
    func render(
        _ trajectories: [Trajectory], hashes: [String], size: Int, samples: Int, builder: PromptBuilder, references: [JSONValue],
        elided: [TrajectoryElision.Cut?]
    ) -> GroupCalls {
        let windows = WindowPlan.windows(canonical: CanonicalOrder.order(hashes: hashes), size: size)
        var calls = GroupCalls(windows: windows, prompts: [], elided: elided)
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

extension RankPipeline {
    /// A group as the judge is shown it: each trajectory shortened to the group's budget (see
    /// `trajectoryBudget`), with what was cut (empty when nothing was), the canonical-order hashes
    /// of what is shown, and the whole prompt's estimated tokens if they were counted and still hold.
    struct ShortenedGroup {
        var trajectories: [Trajectory]
        var elided: [TrajectoryElision.Cut?]
        var hashes: [String]
        var wholeTokens: Int?
    }

    func shortened(_ original: [Trajectory], builder: PromptBuilder, window: Int, references: [JSONValue]) -> ShortenedGroup {
        var group = ShortenedGroup(trajectories: original, elided: [], hashes: original.map(CanonicalOrder.hash), wholeTokens: nil)
        let canonical = CanonicalOrder.order(hashes: group.hashes)
        var (budget, whole) = trajectoryBudget(original, canonical: canonical, builder: builder, window: window, references: references)
        group.wholeTokens = whole
        guard budget != nil else { return group }
        let prefix = PromptBuilder.sharedPrefixLength(original.map(\.messages))
        var elided = [TrajectoryElision.Cut?](repeating: nil, count: original.count)
        var start = original
        // The shared context (shown once) gets at most a quarter of the prompt: a tool output every
        // trajectory saw is cut once, the same way for all, so it stays shared. The trajectories'
        // budget is then what is left.
        if prefix > 0, options.maxTrajectoryTokens == nil, let limit = promptLimit {
            let context = Trajectory(messages: Array(original[0].messages[..<prefix]))
            let (short, cut) = TrajectoryElision.elide(context, budget: limit / 4)
            if let cut {
                for i in start.indices { start[i].messages.replaceSubrange(..<prefix, with: short.messages) }
                elided = Array(repeating: cut, count: original.count)
                budget = trajectoryBudget(start, canonical: canonical, builder: builder, window: window, references: references).budget
            }
        }
        for i in original.indices {
            let (short, cut) = budget.map { TrajectoryElision.elide(start[i], from: prefix, budget: $0) } ?? (start[i], nil)
            group.trajectories[i] = short
            if let cut { elided[i] = elided[i].map { $0 + cut } ?? cut }
        }
        guard elided.contains(where: { $0 != nil }) else { return group }
        group.elided = elided
        group.hashes = group.trajectories.map(CanonicalOrder.hash)
        group.wholeTokens = nil
        return group
    }

    /// The token budget each of `trajectories` is shortened to, or nil when none needs shortening:
    /// `maxTrajectoryTokens` if given; else, when the group's prompt (or a window's, for a group
    /// larger than `window`) would exceed the prompt limit, the share of the limit that lets the
    /// trajectories fit together, the shorter ones kept whole (`TrajectoryElision.share`).
    func trajectoryBudget(
        _ trajectories: [Trajectory], canonical: [Int], builder: PromptBuilder, window: Int, references: [JSONValue]
    ) -> (budget: Int?, wholeTokens: Int?) {
        if let t = options.maxTrajectoryTokens { return (t, nil) }
        guard let limit = promptLimit, let first = trajectories.first else { return (nil, nil) }
        let whole = TokenEstimator.estimate(builder.build(trajectories, order: canonical, references: references)).prompt
        // An identical group is shown as one trajectory.
        let distinct = trajectories.allSatisfy { $0 == first } ? [first] : trajectories
        let shown = min(distinct.count, max(1, window))
        guard whole > limit || shown < distinct.count else { return (nil, whole) }
        let prefix = PromptBuilder.sharedPrefixLength(distinct.map(\.messages))
        let bodies = distinct.map { TrajectoryElision.tokens($0, from: prefix) }
        let room = limit - max(0, whole - bodies.reduce(0, +))
        if shown == distinct.count { return (TrajectoryElision.share(bodies, room: room), whole) }
        // In windows: each window's members share the room equally.
        let equal = max(TrajectoryElision.minimumBudget, room / shown)
        return (bodies.contains { $0 > equal } ? equal : nil, whole)
    }
}

/// The judge calls of one group: its windows (member indices; one window of every member for a
/// group judged whole) and, per window, one prompt per sample whose members index into the window.
struct GroupCalls: Sendable {
    var windows: [[Int]]
    var prompts: [[JudgePrompt]]
    /// What was cut from each member to fit the judge's context (empty when nothing was).
    var elided: [TrajectoryElision.Cut?] = []
}
