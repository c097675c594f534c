import Foundation
import GavelCache
import GavelCore
import GavelCurl
import GavelHTTP
import GavelJSON
import GavelJudge
import GavelPool
import GavelScoring
import GavelSupport
import Logging
import Synchronization

/// One ranking run, built from a `RankConfiguration`: resolves the rubric, the judge endpoint and
/// its key, the TLS trust, the descriptor budget, the transport, the cache and the score stage,
/// and runs the pipeline over them. Executables stay thin: parse → configuration → run → exit status.
public final class RankRun: Sendable {
    public let configuration: RankConfiguration
    /// The judge endpoint, or a panel's first member (its key never appears in a description).
    public var endpoint: JudgeEndpoint { endpoints[0] }
    /// Every judge's endpoint: one, or a panel's members.
    public let endpoints: [JudgeEndpoint]
    public let rubric: Rubric
    public let prices: ModelMap
    /// The spending limit (`--max-cost`), if one was set: what the run spent and reserved.
    public let spending: SpendingLimit?
    /// Judge calls in flight at once, after fitting the open-file limit.
    public let concurrency: Int
    package let pipeline: RankPipeline
    /// How judge calls travel: libcurl, or a test's in-memory transport.
    package let transport: any HTTPTransport
    /// The libcurl transport, when that is the one (its connection counts go to the summary).
    private let curl: CurlTransport?
    private let statistics: JudgeStatistics
    package let cache: (any JudgeCacheStore)?
    /// The judge's name as outputs carry it (`gavel.judge`): PROVIDER/MODEL, or a panel's.
    public var judgeName: String { pipeline.judge.name }
    /// Where each group's reference answer is read from (`--reference`), if anywhere.
    public var referencePath: String? { pipeline.options.reference }
    /// Whole groups or pairwise tournaments.
    public var compare: CompareMode { pipeline.options.compare }
    /// The mode as outputs name it (`scores+logprobs`, `explained pairwise`).
    public var modeDescription: String { pipeline.options.modeDescription }
    /// How the judge is asked to answer in this run.
    public var mode: JudgeMode { pipeline.options.mode }
    /// Judge calls, retries by cause and tokens so far, over every judge of the run.
    public var judgeStatistics: JudgeStatistics.Snapshot { statistics.snapshot }
    /// The cache's hits and misses so far (nil without a cache).
    public var cacheStatistics: JudgeCache.Statistics? { cache?.statistics }
    /// Each judge's (or panel member's) own chat client, in `endpoints` order.
    package let chats: [ChatJudge]
    /// Rubrics requests named, by name.
    private let requestRubrics = Mutex<[String: Rubric]>([:])
    /// Where the prompt limit came from (nil: none known yet, or none asked of the server yet).
    private let promptLimitState: Mutex<String?>
    /// The answer's token budget (`--max-tokens`), for a limit derived from a context window.
    private let answerTokens: Int?
    /// Whether the judge's server has been asked for its context.
    private let probed = Mutex(false)

    /// Where the prompt limit came from: given, LiteLLM's map, or the judge's server; nil if none is known.
    public var promptLimitSource: String? { promptLimitState.withLock { $0 } }

    /// The most tokens a prompt may have for a judge with `context` tokens of context: the
    /// context less room for the answer (`maxTokens`, at most a quarter of the context).
    static func promptLimit(context: Int, maxTokens: Int?) -> Int { context - min(maxTokens ?? 4096, context / 4) }

    /// Builds the run. `callsJudge` false (a dry run, a prompt preview) needs no API key.
    /// The judge mode: the flags', else the rubric's, else the default — digit grades only where
    /// every judge's API can return logprobs (Anthropic's cannot: asked for explicitly, that is an error).
    static func mode(_ configuration: RankConfiguration, rubric: Rubric, endpoints: [JudgeEndpoint]) throws(RankFailure) -> JudgeMode {
        let anthropic = endpoints.first { $0.style == .anthropic }
        let fallback = RankConfiguration.defaultMode(anthropic: anthropic != nil)
        let asked = configuration.grade ?? rubric.grade
        if asked == .logprobs, let anthropic {
            throw .configuration(
                "grade logprobs needs token logprobs, which \(anthropic.name) (Anthropic's API) does not return; use grade number", .grade)
        }
        return JudgeMode(answer: configuration.answer ?? rubric.answer ?? fallback.answer, grade: asked ?? fallback.grade)
    }

    /// Sets up the run: judges, cache, score stage. `transport` replaces libcurl for judge calls (a
    /// test's in-memory transport); nil starts libcurl.
    public init(
        configuration: RankConfiguration, callsJudge: Bool = true, observer: (any RankObserver)? = nil,
        logger: Logger = Logger(label: "gavel"), onJudgeExchange: (@Sendable (Duration) -> Void)? = nil,
        transport injected: (any HTTPTransport)? = nil
    ) throws(RankFailure) {
        self.configuration = configuration
        let env = configuration.environment
        do {
            switch configuration.rubric {
            case .standard: rubric = .default
            case .text(let text): rubric = Rubric(name: "inline", text: text)
            case .named(let name):
                let entry = try RubricLibrary(searchPath: configuration.rubricSearchPath).load(name)
                for warning in entry.warnings { logger.warning("\(warning)") }
                rubric = entry.rubric
            }
            let specs =
                !configuration.panel.isEmpty
                ? configuration.panel
                : configuration.judge == nil && !rubric.panel.isEmpty
                    ? rubric.panel
                    : [configuration.judge ?? rubric.judge ?? RankConfiguration.defaultJudge]
            endpoints = try specs.map { spec in
                // PROVIDER/MODEL@BASE_URL gives a panel member its own server.
                let at = spec.range(of: "@http", options: .backwards)
                return try JudgeEndpoint.resolve(
                    judge: at.map { String(spec[..<$0.lowerBound]) } ?? spec,
                    apiBase: at.map { String(spec[spec.index(after: $0.lowerBound)...]) } ?? configuration.apiBase,
                    apiKeyEnv: configuration.apiKeyEnv, environment: env, requireKey: callsJudge)
            }
            // LiteLLM's map as bundled, then the user's LiteLLM map (GAVEL_MODEL_MAP), then --prices.
            var table = ModelMap.bundled
            if let file = env["GAVEL_MODEL_MAP"], !file.isEmpty { table = table.merging(try ModelMap.load(path: file)) }
            if let file = configuration.priceFile { table = table.merging(try ModelMap.load(path: file)) }
            prices = table
        } catch let error as ConfigurationError {
            throw .configuration(error.description, error.setting)
        } catch {
            // A rubric or price file that does not parse.
            throw .configuration("\(error)", nil)
        }
        var settings = configuration.judgeSettings
        if settings.temperature == nil { settings.temperature = rubric.temperature }
        var options = configuration.pipeline
        options.rubric = rubric
        options.mode = try Self.mode(configuration, rubric: rubric, endpoints: endpoints)
        // Digit grades take their spread from the logprobs, not from sampling: decode greedily
        // unless told otherwise, so the grade lines come out the same way every time.
        if settings.temperature == nil, options.mode.grade == .logprobs { settings.temperature = 0 }
        options.samples = configuration.samples ?? rubric.samples ?? 1
        options.reference = configuration.reference ?? rubric.reference
        options.compare = configuration.compare ?? rubric.compare ?? .listwise
        if options.compare == .pairwise, options.samples > 1 {
            throw .configuration(
                "a pairwise tournament shows every pair in both orders already; samples do not apply (use samples 1)", .compare)
        }
        options.window = configuration.window ?? rubric.window ?? options.window
        // The judge's context window (the smallest of a panel's, where the map knows them all) bounds
        // a prompt, less room for the answer; a maximum prompt size given in the configuration still wins.
        let map = prices
        let windows = endpoints.map { map.contextWindow(for: $0) }
        var limitSource: String? = options.maxPromptTokens == nil ? nil : "given"
        if options.maxPromptTokens == nil, !windows.isEmpty, let context = windows.compactMap({ $0 }).min(), !windows.contains(nil) {
            options.maxPromptTokens = Self.promptLimit(context: context, maxTokens: settings.maxTokens)
            limitSource = "LiteLLM's map: a \(context)-token context, less room for the answer"
        }
        promptLimitState = Mutex(limitSource)
        answerTokens = settings.maxTokens

        // Connections must fit the open-file limit: raise it as far as allowed, else call less at once.
        let workers = configuration.workers ?? ProcessInfo.processInfo.activeProcessorCount
        var concurrency = options.concurrency
        if let limit = DescriptorLimit.raiseSoftLimit() {
            let poolWorkers = configuration.scoreStage == .inline ? 0 : workers
            let fitting = DescriptorLimit.fittingConcurrency(concurrency, limit: limit, workers: poolWorkers, files: options.inputs.count)
            if fitting < concurrency {
                let message =
                    "concurrency \(concurrency) does not fit the open-file limit of \(limit) (ulimit -n); using \(fitting). "
                    + "Raise the limit with `ulimit -n` to call more at once."
                logger.warning("\(message)")
                concurrency = fitting
            }
        }
        options.concurrency = concurrency
        self.concurrency = concurrency

        let tls = TLSTrust.resolve(
            caFile: configuration.caFile, clientCertificate: configuration.clientCertificate,
            clientKey: configuration.clientKey, environment: env)
        if let injected {
            transport = injected
            curl = nil
        } else {
            do {
                CurlGlobal.initialize()
                let curl = try CurlTransport(configuration: .init(maxConnectionsPerHost: max(256, concurrency), tls: tls))
                transport = curl
                self.curl = curl
            } catch {
                throw .configuration("cannot start the HTTP transport: \(error)", nil)
            }
        }
        // Each judge has its own rate limits; all count into one set of statistics.
        let shared = JudgeStatistics(onExchange: onJudgeExchange)
        let transport = self.transport, endpoints = self.endpoints
        let chats = endpoints.map { member in
            ChatJudge(
                endpoint: member, settings: settings, transport: transport, statistics: shared,
                rateLimiter: configuration.requestsPerMinute == nil && configuration.tokensPerMinute == nil
                    ? nil : RateLimiter(requestsPerMinute: configuration.requestsPerMinute, tokensPerMinute: configuration.tokensPerMinute),
                initialMode: configuration.responseFormat, logger: logger)
        }
        statistics = shared
        self.chats = chats
        if configuration.cacheMode == .off {
            cache = nil
        } else {
            do {
                if let url = configuration.cacheURL {
                    guard let open = configuration.cacheDatabase else {
                        throw CacheError(
                            "--cache-url needs a database store, and this program was built without one "
                                + "(link GavelPostgres and set RankConfiguration.cacheDatabase to PostgresCacheStore.opener)")
                    }
                    cache = try open(url, configuration.cacheMode, env, logger)
                } else {
                    cache = try JudgeCache(directory: configuration.cacheDirectory, mode: configuration.cacheMode, logger: logger)
                }
            } catch {
                throw .cache("\(error)")
            }
        }
        let diskCache = self.cache
        let members: [any Judge] = chats.map { chat -> any Judge in
            if let diskCache { return CachingJudge(chat, cache: diskCache, logger: logger) }
            return chat
        }
        var judge: any Judge
        if members.count == 1 {
            judge = members[0]
        } else {
            var explainer = 0
            if let name = configuration.explainWith {
                guard let i = endpoints.firstIndex(where: { $0.name == name }) else {
                    throw .configuration(
                        "the explaining judge \(name) is not on the panel (\(endpoints.map(\.name).joined(separator: ", ")))", .judge)
                }
                explainer = i
            }
            judge = PanelJudge(members: members, combination: configuration.panelCombination, explainWith: explainer)
        }
        // A spending limit wraps the whole judge, caches included: a cached answer costs nothing and is
        // never refused; a panel's price is its members' together (each reads every prompt).
        if let maxCost = configuration.maxCost {
            var total = ModelMap.Price(input: 0, output: 0)
            for member in endpoints {
                guard let p = prices.price(for: member) else {
                    throw .configuration(
                        "a spending limit needs a price for \(member.name), and the model map has none",
                        .prices)
                }
                total.input += p.input
                total.output += p.output
            }
            let limit = SpendingLimit(limit: maxCost, window: configuration.maxCostWindow)
            spending = limit
            judge = BudgetJudge(judge, price: total, limit: limit)
        } else {
            spending = nil
        }

        // Priced like `cost(_:)`: a panel's tokens are counted together, so a panel has no price.
        // Resolved once: progress reports come once per finished group.
        let stats = statistics, store = cache, price = endpoints.count == 1 ? prices.price(for: endpoints[0]) : nil
        var report: (@Sendable (Int, Int) -> Void)?
        if let observer {
            report = { @Sendable done, total in
                let snapshot = stats.snapshot
                observer.progress(
                    RankProgress(
                        done: done, total: total, judge: snapshot, cacheHits: store?.statistics.hits,
                        cost: price?.cost(snapshot.usage)))
            }
        }
        pipeline = RankPipeline(
            options: options, judge: judge, executor: Self.executorFactory(configuration, workers: workers, logger: logger),
            logger: logger, progress: report)
    }

    /// Runs the pipeline. Judge failures are in the summary (see `RankSummary.exitStatus`).
    public func run() async throws(RankFailure) -> RankSummary {
        try await start()
        var summary: RankSummary
        do { summary = try await pipeline.run() } catch { throw RankFailure(error) }
        summary.cache = cache?.statistics
        await finish()
        summary.connections = curl?.statistics.connections ?? 0
        return summary
    }

    /// Judges and scores one group given in memory, sharing this run's judge, cache, concurrency
    /// and rate limits with every other call (a service ranks all its requests through one run).
    ///
    /// - Parameters:
    ///   - rubric: a rubric name (a file in the search path or a bundled one; never a path), else the run's.
    ///   - samples: judge samples (1–32), else the run's `--samples`, else the rubric's, else 1.
    ///   - advantage: the advantage mode, else the run's.
    ///   - references: the group's reference answers (see `referencePath`), shown to the judge.
    public func rankGroup(
        _ trajectories: [Trajectory], rubric name: String? = nil, samples: Int? = nil, advantage: AdvantageMode? = nil,
        references: [JSONValue] = []
    ) async throws(GroupRankFailure) -> GroupRanking {
        var rubric = self.rubric
        if let name { rubric = try requestRubric(named: name) }
        if let samples, !(1...32).contains(samples) { throw .setting("samples must be between 1 and 32, got \(samples)") }
        // The request's own setting, else the service's flag, else the rubric's (the request's rubric
        // if it named one), else the default: as `gavel rank --rubric NAME` would choose.
        let options = pipeline.options
        let named = name != nil
        let settings = RankPipeline.GroupSettings(
            rubric: rubric,
            samples: samples ?? configuration.samples ?? (named ? rubric.samples ?? 1 : options.samples),
            window: configuration.window ?? (named ? rubric.window ?? RankOptions(inputs: []).window : options.window),
            advantage: advantage ?? options.advantage, references: references)
        do {
            return try await pipeline.rank(trajectories, settings: settings)
        } catch {
            throw .judge(error)
        }
    }

    /// A rubric a request names: by name only (a request never reads a file by path), loaded once.
    private func requestRubric(named name: String) throws(GroupRankFailure) -> Rubric {
        if name == rubric.name { return rubric }
        if let known = requestRubrics.withLock({ $0[name] }) { return known }
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), name.utf8.count <= 200 else {
            throw .rubric("rubric must be a rubric's name (see gavel rubric list), not a path: \(name)")
        }
        let entry: RubricLibrary.Entry
        do {
            entry = try RubricLibrary(searchPath: configuration.rubricSearchPath).load(name)
        } catch {
            throw .rubric("\(error)")
        }
        requestRubrics.withLock { $0[name] = entry.rubric }
        return entry.rubric
    }

    /// Readies the run: connects and migrates a database cache, so an unreachable one stops a run,
    /// a plan or a service before any judge call.
    public func start() async throws(RankFailure) {
        do { try await cache?.prepare() } catch { throw RankFailure(error) }
        await askContext()
    }

    /// With no prompt limit known (none given, none in the model map), asks each self-hosted judge's
    /// server for its context (`ContextProbe`) once; the smallest of a panel's, if all answer.
    func askContext() async {
        guard pipeline.promptLimit == nil else { return }
        let firstAsk = probed.withLock { asked in
            defer { asked = true }
            return !asked
        }
        guard firstAsk else { return }
        var reports: [ContextProbe.Report] = []
        for member in endpoints {
            guard let report = await ContextProbe.contextWindow(of: member, transport: transport) else { return }
            reports.append(report)
        }
        guard let smallest = reports.min(by: { $0.tokens < $1.tokens }) else { return }
        pipeline.useReportedPromptLimit(Self.promptLimit(context: smallest.tokens, maxTokens: answerTokens))
        promptLimitState.withLock { $0 = "\(smallest.source): a \(smallest.tokens)-token context, less room for the answer" }
    }

    /// Ends the run: records its cache hits and misses in the cache's run log and shuts the cache
    /// store down (a database's connections). `run()` calls it; a service calls it when it stops.
    public func finish() async {
        guard let cache else { return }
        let stats = cache.statistics
        await cache.recordRun(hits: stats.hits, misses: stats.misses)
        await cache.shutdown()
    }

    /// What the run would do, calling no judge and writing nothing.
    public func plan() async throws(RankFailure) -> RankPlan {
        try await start()
        do { return try await pipeline.plan() } catch { throw RankFailure(error) }
    }

    /// The exact prompts (one per sample) the group with this key would send.
    public func prompts(forGroupNamed key: String) async throws(RankFailure) -> [JudgePrompt] {
        let prompts: [JudgePrompt]?
        await askContext()
        do { prompts = try await pipeline.prompts(forGroupNamed: key) } catch { throw RankFailure(error) }
        guard let prompts else { throw .noSuchGroup(key) }
        return prompts
    }

    /// The estimated price of `usage` with this run's judge, if its price is known.
    /// (Not for a panel: its members' tokens are counted together, so they cannot be priced apart.)
    /// Through the provider's batch API with `batch` (its batch price, where the model map has one).
    public func cost(_ usage: TokenUsage, batch: Bool = false) -> Double? {
        endpoints.count == 1 ? prices.cost(usage, for: endpoints[0], batch: batch) : nil
    }

    /// Chooses the score stage's executor once the input's size is known.
    static func executorFactory(_ configuration: RankConfiguration, workers: Int, logger: Logger) -> RankPipeline.ExecutorFactory {
        let mode = configuration.scoreStage, crash = configuration.crashFirstWorkerAtJob
        let executable = configuration.workerExecutable ?? Self.runningExecutable
        return { load in
            let chosen = mode == .auto ? (RankConfiguration.autoUsesProcessPool(load) ? .process : .inline) : mode
            switch chosen {
            case .inline, .auto: return InlineScoreExecutor()
            case .thread: return ThreadScoreExecutor(threads: workers)
            case .process:
                let pool = try ProcessPool(
                    configuration: .init(executable: executable, workers: workers, crashFirstWorkerAtJob: crash), logger: logger)
                return ProcessScoreExecutor(pool: pool)
            }
        }
    }

    /// The running executable (pool workers are the same binary).
    static var runningExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
