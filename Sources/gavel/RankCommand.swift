import ArgumentParser
import Foundation
import Gavel
import Logging

/// `gavel rank`: judge every group of the input files and write ranked JSONL.
struct RankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Score and rank groups of trajectories with an LLM judge; write ranked JSONL.",
        discussion: """
        Reads JSONL where each line is a trajectory (ART's "messages_and_choices" or plain "messages") \
        or a whole group ({"trajectories": [...]}). Trajectory lines are grouped by --group-by (default: \
        group_id, metadata.group_id or metadata.scenario_id) or in chunks of --group-size. Each group is \
        sent to the judge once; the output keeps every original field and adds reward, \
        metrics.ruler_score, metrics.independent_reward, a log line and a "gavel" object with score, \
        rank, advantage and explanation. Output order is input order.

        Exit status: 0 all groups judged; 1 some groups failed; 2 usage or input error; \
        3 judge unreachable or key refused; 130 interrupted.

        Examples:
          gavel rank trajectories.jsonl -o ranked.jsonl --judge openai/gpt-4o-mini
          cat runs.jsonl | gavel rank - --group-size 8 --judge openrouter/qwen/qwen3-32b > ranked.jsonl
          gavel rank runs.jsonl --judge vllm/Qwen3-8B --api-base http://gpu-box:8000/v1 --concurrency 128
        """
    )

    @Argument(help: ArgumentHelp("JSONL files to rank; - reads standard input.", valueName: "FILE"))
    var files: [String]

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write ranked JSONL here (atomically); default: standard output.", valueName: "OUT"))
    var output: String?

    @OptionGroup(title: "Judge") var judgeOptions: JudgeOptions

    @OptionGroup(title: "Cache") var cacheOptions: CacheOptions

    @OptionGroup(title: "Score stage") var poolOptions: PoolOptions

    @Option(help: ArgumentHelp("Judge each group K times, each in a different order; the score is the mean, gavel.score_spread the spread (default: the rubric's samples, else 1).", valueName: "K"))
    var samples: Int?

    @Option(help: ArgumentHelp("Group trajectory lines by this dotted JSON path (e.g. metadata.task_id).", valueName: "PATH"))
    var groupBy: String?

    @Option(help: ArgumentHelp("Group consecutive trajectory lines in chunks of N instead of by key.", valueName: "N"))
    var groupSize: Int?

    @Option(help: ArgumentHelp("What to do with an invalid input line: fail (stop with file:line) or skip (log it and go on).", valueName: "fail|skip"))
    var onInvalid: InvalidPolicy = .fail

    @Option(help: ArgumentHelp("What to do when a group cannot be judged: fail (stop, write what is done) or skip (mark it and go on).", valueName: "fail|skip"))
    var onError: RankOptions.OnError = .fail

    @Option(help: "Judge calls in flight at once.")
    var concurrency = 32

    @Option(help: ArgumentHelp("Advantage per trajectory: grpo ((r-mean)/(std+1e-6)), mean (r-mean), rloo, or none.", valueName: "MODE"))
    var advantage: AdvantageMode = .grpo

    @Option(help: ArgumentHelp("Longest input line accepted, in bytes.", valueName: "BYTES"))
    var maxLineBytes = 64 << 20

    @Option(help: ArgumentHelp("Rubric name (a file in ./Rubrics or a bundled one; see gavel rubric list) or path to a rubric file.", valueName: "NAME|PATH"))
    var rubric: String?

    @Option(help: ArgumentHelp("Rubric text for this run, instead of a rubric file.", valueName: "TEXT"))
    var rubricText: String?

    @Flag(help: "Parse, group and render every prompt; print calls, estimated tokens and cost; call no judge, write nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Print the exact messages the group with this key would send, and stop.", valueName: "GROUP"))
    var showPrompt: String?

    @Option(help: ArgumentHelp("Judge prices, JSON {\"model\": {\"input\": $, \"output\": $}} per million tokens, added to the bundled table.", valueName: "FILE"))
    var prices: String?

    @Option(help: .hidden) var progressInterval = 5.0

    @Flag(name: .shortAndLong, help: "Print only errors (no progress line, no summary).")
    var quiet = false

    @Flag(help: "Log each judge call's details (never headers or keys).")
    var debug = false

    enum InvalidPolicy: String, ExpressibleByArgument, CaseIterable { case fail, skip }

    func validate() throws {
        if let n = groupSize, n < 1 { throw ValidationError("--group-size must be at least 1") }
        if groupSize != nil, groupBy != nil { throw ValidationError("use either --group-by or --group-size, not both") }
        if concurrency < 1 || concurrency > 4096 { throw ValidationError("--concurrency must be between 1 and 4096") }
        if let k = samples, k < 1 || k > 32 { throw ValidationError("--samples must be between 1 and 32") }
        if rubric != nil, rubricText != nil { throw ValidationError("use either --rubric or --rubric-text, not both") }
        if maxLineBytes < 1024 { throw ValidationError("--max-line-bytes must be at least 1024") }
        if let text = rubricText, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--rubric-text is empty")
        }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        try judgeOptions.validate()
    }

    func run() async throws {
        CurlGlobal.initialize()
        let level: Logger.Level = debug ? .debug : (quiet ? .error : .info)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gavel")

        let endpoint: JudgeEndpoint
        let judgeSettings: JudgeSettings
        let chosenRubric: Rubric
        do {
            if let text = rubricText {
                chosenRubric = Rubric(name: "inline", text: text)
            } else if let name = rubric {
                let entry = try RubricLibrary().load(name)
                for warning in entry.warnings { logger.warning("\(warning)") }
                chosenRubric = entry.rubric
            } else {
                chosenRubric = .default
            }
            // A dry run or a prompt preview sends nothing, so it needs no key.
            endpoint = try judgeOptions.endpoint(rubric: chosenRubric, requireKey: !dryRun && showPrompt == nil)
            judgeSettings = try judgeOptions.settings(rubric: chosenRubric)
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
        let grouping: GroupingRule = groupSize.map { .size($0) } ?? groupBy.map { .keyPaths([$0]) } ?? .default
        var options = RankOptions(
            inputs: files, output: output, grouping: grouping, skipInvalid: onInvalid == .skip,
            concurrency: concurrency, advantage: advantage, onError: onError, maxLineBytes: maxLineBytes,
            rubric: chosenRubric, samples: samples ?? chosenRubric.samples ?? 1)

        var priceTable = PriceTable.bundled
        if let prices {
            do { priceTable = priceTable.merging(try PriceTable.load(path: prices)) } catch {
                printError("\(error)")
                throw ExitStatus.usage
            }
        }

        // Connections must fit the open-file limit: raise it as far as allowed, else call less at once.
        var concurrency = concurrency
        if let limit = DescriptorLimit.raiseSoftLimit() {
            let workers = poolOptions.pool == .inline ? 0 : poolOptions.workerCount
            let fitting = DescriptorLimit.fittingConcurrency(concurrency, limit: limit, workers: workers, files: files.count)
            if fitting < concurrency {
                logger.warning("--concurrency \(concurrency) does not fit the open-file limit of \(limit) (ulimit -n); using --concurrency \(fitting). Raise the limit with `ulimit -n` to call more at once.")
                concurrency = fitting
            }
        }
        options.concurrency = concurrency
        let transport = try CurlTransport(configuration: .init(maxConnectionsPerHost: max(256, concurrency), tls: judgeOptions.tlsTrust()))
        let chat = ChatJudge(endpoint: endpoint, settings: judgeSettings, transport: transport,
                             rateLimiter: judgeOptions.rateLimiter(), initialMode: judgeOptions.responseFormat, logger: logger)
        let judge: any Judge
        let cache: JudgeCache?
        do {
            cache = cacheOptions.cache == .off ? nil : try JudgeCache(directory: cacheOptions.directory, mode: cacheOptions.cache, logger: logger)
        } catch {
            printError("\(error) (use --cache-dir DIR or --cache off)")
            throw ExitStatus.usage
        }
        judge = cache.map { CachingJudge(chat, cache: $0, logger: logger) } ?? chat
        let table = priceTable
        let reporter = ProgressReporter(judge: chat.statistics, cache: cache, interval: .milliseconds(Int(progressInterval * 1000))) {
            table.cost($0, for: endpoint)
        }
        let pipeline = RankPipeline(options: options, judge: judge, executor: poolOptions.factory(logger: logger), logger: logger) {
            reporter.update(done: $0, total: $1)
        }

        if let group = showPrompt {
            try await showPrompts(pipeline, group: group)
            return
        }
        if dryRun {
            try await printPlan(pipeline, endpoint: endpoint, prices: table)
            return
        }

        if !quiet { reporter.begin() }
        let task = Task { try await pipeline.run() }
        let signals = SignalWatcher { task.cancel() }
        defer { signals.stop() }
        let summary: RankSummary
        do {
            defer { reporter.end() }
            summary = try await task.value
        } catch let error as InputError {
            printError("\(error)")
            throw ExitStatus.usage
        } catch let error as OutputError where error.isClosedByReader {
            // Like any Unix filter under `| head`: stop quietly. Answers received so far are cached.
            if !quiet { FileHandle.standardError.write(Data("gavel: \(error.description); stopped\n".utf8)) }
            throw ExitStatus.brokenPipe
        } catch let error as OutputError {
            printError("\(error)")
            throw ExitStatus.usage
        } catch let error as ProcessPool.PoolError {
            printError("\(error)")
            throw ExitStatus.groupsFailed
        }
        if let cache, let stats = summary.cache {
            CacheMaintenance(directory: cache.directory).recordRun(hits: stats.hits, misses: stats.misses)
        }
        if !quiet { printSummary(summary, cost: table.cost(summary.judge.usage, for: endpoint), connections: transport.statistics.connections) }
        if summary.interrupted { throw ExitStatus.interrupted }
        if let fatal = summary.fatalError {
            printError(fatal.description)
            throw fatal.isAccessProblem ? ExitStatus.judgeUnavailable : ExitStatus.groupsFailed
        }
        if !summary.isComplete {
            printError("\(summary.failedGroups) group(s) failed, \(summary.unjudgedGroups) not judged; they are written with gavel.error")
            throw ExitStatus.groupsFailed
        }
    }

    private func printSummary(_ s: RankSummary, cost: Double?, connections: Int) {
        var rows: [(String, String)] = [
            ("groups", "\(s.groups) (\(s.judgedGroups) judged, \(s.failedGroups) failed, \(s.unjudgedGroups) not judged)"),
            ("trajectories", "\(s.trajectories)"),
            ("judge calls", "\(s.judge.calls)" + (s.judge.calls > 0 ? " over \(connections) connection\(connections == 1 ? "" : "s")" : "")),
            ("retries", s.judge.totalRetries == 0 ? "0" : "\(s.judge.totalRetries) (" + s.judge.retries.keys.sorted().map { "\($0): \(s.judge.retries[$0] ?? 0)" }.joined(separator: ", ") + ")"),
            ("tokens", "\(s.judge.usage.prompt) in, \(s.judge.usage.completion) out" + (cost.map { String(format: " (~$%.4f)", $0) } ?? "")),
            ("score stage", s.scoreExecutor),
            ("wall time", String(format: "%.2f s", s.wallSeconds)),
        ]
        if s.skippedLines > 0 { rows.insert(("skipped lines", "\(s.skippedLines)"), at: 2) }
        if let c = s.cache {
            rows.insert(("cache", "\(c.hits) hits, \(c.misses) misses" + (c.corrupt > 0 ? ", \(c.corrupt) corrupt entries replaced" : "")), at: 3)
        }
        if s.judge.rescaledAnswers > 0 {
            let why = ScoreParser.Rescale.allCases.compactMap { r in s.judge.rescales[r].map { "\(r.rawValue): \($0)" } }
            rows.append(("rescaled answers", "\(s.judge.rescaledAnswers) (" + why.joined(separator: ", ") + ")"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        var text = "gavel rank summary\n"
        for (k, v) in rows { text += "  " + k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v + "\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension RankCommand {
    /// `--show-prompt`: the exact messages of one group, per sample.
    private func showPrompts(_ pipeline: RankPipeline, group: String) async throws {
        let prompts: [JudgePrompt]?
        do { prompts = try await pipeline.prompts(forGroupNamed: group) } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
        guard let prompts else {
            printError("no group \"\(group)\" in the input (group keys come from --group-by, or group_id / metadata.group_id / metadata.scenario_id)")
            throw ExitStatus.usage
        }
        for p in prompts {
            if prompts.count > 1 { print("##### sample \(p.sample)") }
            print("===== system =====")
            print(p.system)
            print("===== user =====")
            print(p.user)
        }
    }

    /// `--dry-run`: what the run would cost.
    private func printPlan(_ pipeline: RankPipeline, endpoint: JudgeEndpoint, prices: PriceTable) async throws {
        let plan: RankPlan
        do { plan = try await pipeline.plan() } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
        let cost = prices.cost(plan.usage, for: endpoint)
        let rows: [(String, String)] = [
            ("judge", endpoint.description),
            ("groups", "\(plan.groups)"),
            ("trajectories", "\(plan.trajectories)" + (plan.skippedLines > 0 ? " (\(plan.skippedLines) lines skipped)" : "")),
            ("judge calls", "\(plan.calls) (\(plan.cachedCalls) answered by the cache)"),
            ("input tokens", "~\(plan.usage.prompt)"),
            ("output tokens", "~\(plan.usage.completion)"),
            ("cost", cost.map { String(format: "~$%.4f", $0) } ?? "unknown: no price for \(endpoint.name) (pass --prices FILE)"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        print("gavel rank --dry-run (no judge was called)")
        for (k, v) in rows { print("  " + k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
    }
}

extension RankOptions.OnError: ExpressibleByArgument {}
extension AdvantageMode: ExpressibleByArgument {}

/// Writes `gavel: error: ...` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("gavel: error: \(message)\n".utf8))
}
