import ArgumentParser
import Foundation
import Gavel
import GavelCore
import GavelEval
import GavelIO
import GavelJudge
import GavelScoring
import GavelSupport
import Logging

/// `gavel rank`: judge every group of the input files and write ranked JSONL (or Parquet).
struct RankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Score and rank groups of trajectories with an LLM judge; write ranked JSONL or Parquet.",
        discussion: """
            Reads JSONL where each line is a trajectory (ART's "messages_and_choices" or plain "messages") \
            or a whole group ({"trajectories": [...]}), or ART's Parquet logs (one row per trajectory, grouped by \
            group_index; recognised by content, not name). A folder stands for its *.parquet and *.jsonl files in \
            name order. Trajectory lines are grouped by --group-by (default: \
            group_id, metadata.group_id or metadata.scenario_id) or in chunks of --group-size. Each group is \
            sent to the judge once per --samples; a group larger than --window goes in overlapping windows \
            fused by a Bradley–Terry fit, and a panel (--judge repeated) asks every member. The output keeps \
            every original field and adds reward, metrics.ruler_score, metrics.independent_reward, a log line \
            and a "gavel" object with score, rank, advantage and explanation. Output order is input order. \
            From Parquet input, -o FILE.parquet writes ART's schema back (reward, metrics, logs set as ART's \
            ruler_score_group sets them, plus a "gavel" JSON column); -o FILE.jsonl writes ART group lines.

            Exit status: 0 all groups judged; 1 some groups failed; 2 usage or input error; \
            3 judge unreachable or key refused; 130 interrupted; 141 the output's reader went away.

            Examples:
              gavel rank trajectories.jsonl -o ranked.jsonl --judge openai/gpt-4o-mini
              cat runs.jsonl | gavel rank - --group-size 8 --judge openrouter/qwen/qwen3-32b > ranked.jsonl
              gavel rank runs.jsonl --judge vllm/Qwen3-8B --api-base http://gpu-box:8000/v1 --concurrency 128
              gavel rank runs.jsonl -o ranked.jsonl --judge openai/gpt-4.1-mini --judge vllm/Qwen3-8B@http://gpu-a:8000/v1
              gavel rank runs.jsonl -o ranked.jsonl --samples 3 --report report.html && gavel eval ranked.jsonl
              gavel rank run/trajectories/train/0005.parquet -o ranked.parquet
              gavel rank run/trajectories/train --output-dir ranked/
              gavel rank runs.jsonl --shard 2/4 -o part-2.jsonl --cache-url postgres://gavel@db:5432/gavel
            """
    )

    @Argument(help: ArgumentHelp("JSONL or Parquet files, or folders of them, to rank; - reads standard input.", valueName: "FILE"))
    var files: [String]

    @Option(
        name: [.short, .customLong("output")],
        help: ArgumentHelp(
            "Write the ranking here (atomically): JSONL, or Parquet for a .parquet name; default: standard output.", valueName: "OUT"))
    var output: String?

    @Option(help: ArgumentHelp("Write one ranked file per input into this folder, under the input's name and format.", valueName: "DIR"))
    var outputDir: String?

    @Option(
        help: ArgumentHelp(
            "Compress Parquet output with zstd, snappy or none (default: as the input was, where Gavel writes that codec; else zstd).",
            valueName: "CODEC"))
    var parquetCompression: ParquetCompression?

    @Option(
        help: ArgumentHelp(
            "Judge and write only shard I of N (0-based; groups split by key hash), each line with its input position, for "
                + "gavel merge; auto reads JOB_COMPLETION_INDEX (with --shards N) or SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT.",
            valueName: "I/N|auto"))
    var shard: ShardArgument?

    @Option(help: ArgumentHelp("The number of shards, with --shard auto under a Kubernetes Indexed Job.", valueName: "N"))
    var shards: Int?

    @OptionGroup(title: "Judge") var judgeOptions: JudgeOptions

    @OptionGroup(title: "Scoring") var scoring: ScoringOptions

    @OptionGroup(title: "Cache") var cacheOptions: CacheOptions

    @OptionGroup(title: "Score stage") var poolOptions: PoolOptions

    @OptionGroup var grouping: GroupingOptions

    @Option(
        help: ArgumentHelp(
            "What to do with an invalid input line: fail (stop with file:line) or skip (log it and go on).", valueName: "fail|skip"))
    var onInvalid: InvalidPolicy = .fail

    @Option(
        help: ArgumentHelp(
            "What to do when a group cannot be judged: fail (stop, write what is done) or skip (mark it and go on).", valueName: "fail|skip"
        ))
    var onError: RankOptions.OnError = .fail

    @Option(help: ArgumentHelp("Longest input line accepted, in bytes.", valueName: "BYTES"))
    var maxLineBytes = 64 << 20

    @Option(help: ArgumentHelp("At the end, also write an HTML report of the output here (see gavel report); needs -o.", valueName: "HTML"))
    var report: String?

    @Flag(help: "Parse, group and render every prompt; print calls, estimated tokens and cost; call no judge, write nothing.")
    var dryRun = false

    @Flag(help: "With --dry-run: also price the calls through the batch APIs (gavel batch; the model map's batch prices).")
    var batch = false

    @Option(help: ArgumentHelp("Print the exact messages the group with this key would send, and stop.", valueName: "GROUP"))
    var showPrompt: String?

    @OptionGroup var pricing: PriceOptions

    @Option(
        help: ArgumentHelp(
            "Spend at most this many US dollars on judge calls: no call starts whose estimated price would pass it; groups not "
                + "judged are written with gavel.error, exit status 1. Needs the judge's price (LiteLLM's map, or --prices).",
            valueName: "USD"))
    var maxCost: Double?

    @Option(help: .hidden) var progressInterval = 5.0

    @Flag(name: .shortAndLong, help: "Print only errors (no progress line, no summary).")
    var quiet = false

    @Flag(help: "Log each judge call's details (never headers or keys).")
    var debug = false

    enum InvalidPolicy: String, ExpressibleByArgument, CaseIterable { case fail, skip }

    func validate() throws {
        if maxLineBytes < 1024 { throw ValidationError("--max-line-bytes must be at least 1024") }
        if let maxCost, !(maxCost > 0 && maxCost.isFinite) { throw ValidationError("--max-cost must be a positive number of US dollars") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        if batch, !dryRun { throw ValidationError("--batch prices a --dry-run; to judge through batch APIs, use gavel batch submit") }
        if output != nil, outputDir != nil { throw ValidationError("use either -o or --output-dir, not both") }
        if shard != nil, outputDir != nil || report != nil || output?.lowercased().hasSuffix(".parquet") == true {
            throw ValidationError(
                "a shard writes JSONL for gavel merge: --shard goes with -o FILE.jsonl, not --output-dir, --report or Parquet")
        }
        if shards != nil, shard != .auto { throw ValidationError("--shards goes with --shard auto") }
        if shard != nil { _ = try resolvedShard() }
        if report != nil, outputDir != nil {
            throw ValidationError("--report reads one output back: with --output-dir, run gavel report on the folder's files")
        }
        if report != nil, output == nil || output == "-" {
            throw ValidationError("--report reads the ranked output back: give it a file with -o")
        }
        try grouping.validate()
        try judgeOptions.validate()
        try scoring.validate()
    }

    /// The shard to run, from `--shard` (and the scheduler's environment for `auto`).
    func resolvedShard(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard? {
        try shard?.resolved(shards: shards, environment: environment)
    }

    /// The run's configuration, from the flags.
    func configuration() throws -> RankConfiguration {
        var c = RankConfiguration(inputs: files, environment: ProcessInfo.processInfo.environment)
        c.pipeline.output = output
        c.pipeline.outputDirectory = outputDir
        c.pipeline.parquetCompression = parquetCompression
        c.pipeline.shard = try resolvedShard()
        c.pipeline.grouping = grouping.rule
        c.pipeline.skipInvalid = onInvalid == .skip
        c.pipeline.onError = onError
        c.pipeline.maxLineBytes = maxLineBytes
        c.priceFile = pricing.prices
        c.maxCost = maxCost
        judgeOptions.apply(to: &c)
        scoring.apply(to: &c)
        cacheOptions.apply(to: &c)
        poolOptions.apply(to: &c)
        return c
    }

    func run() async throws {
        let level: Logger.Level = debug ? .debug : (quiet ? .error : .info)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gavel")
        let reporter = ProgressReporter(interval: .milliseconds(Int(progressInterval * 1000)))
        // Watching from the start: a SIGINT while the run is set up stops it as soon as it begins.
        let signals = SignalWatcher()
        defer { signals.stop() }
        do {
            // A dry run or a prompt preview sends nothing, so it needs no key.
            let run = try RankRun(
                configuration: try configuration(), callsJudge: !dryRun && showPrompt == nil,
                observer: reporter, logger: logger)
            if let group = showPrompt { return try await showPrompts(run, group: group) }
            if dryRun { return try await printPlan(run) }

            if !quiet { reporter.begin() }
            let task = Task { () async throws(RankFailure) -> RankSummary in try await run.run() }
            signals.then { task.cancel() }
            let summary: RankSummary
            do {
                defer { reporter.end() }
                summary = try await task.value
            }
            if !quiet {
                printSummary(
                    summary, cost: run.cost(summary.judge.usage), mode: run.mode, modeDescription: run.modeDescription,
                    spending: run.spending)
            }
            if let report, let output {
                let facts = HTMLReport.RunFacts(
                    rubricName: run.rubric.name, rubricHash: run.rubric.contentHash, cacheHits: summary.cache?.hits,
                    cacheMisses: summary.cache?.misses, promptTokens: summary.judge.usage.prompt,
                    completionTokens: summary.judge.usage.completion, cost: run.cost(summary.judge.usage))
                do {
                    try ReportCommand.write(files: [output], truth: "metrics.independent_reward", to: report, facts: facts)
                } catch {
                    printError("cannot write the report: \(error)")
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
            }
            if let fatal = summary.fatalError, !summary.interrupted {
                printError(fatal.description + (fatal.setting.map { " (see \(Self.flag(for: $0)))" } ?? ""))
            } else if !summary.isComplete, !summary.interrupted {
                printError(
                    "\(summary.failedGroups) group(s) failed, \(summary.unjudgedGroups) not judged; they are written with gavel.error")
            }
            if summary.exitStatus != .ok { throw ExitCode(summary.exitStatus.rawValue) }
        } catch let failure as RankFailure {
            if failure.isClosedByReader {
                // Like any Unix filter under `| head`: stop quietly. Answers received so far are cached.
                if !quiet { StandardError.write("gavel: \(failure.description); stopped\n") }
            } else {
                printError(failure.description + Self.hint(for: failure))
            }
            throw ExitCode(failure.exitStatus.rawValue)
        }
    }

    /// The flag to reach for, after a failure the library describes in its own terms.
    static func hint(for failure: RankFailure) -> String {
        if case .cache = failure { return " (use --cache-dir DIR or --cache off)" }
        return failure.setting.map { " (see \(flag(for: $0)))" } ?? ""
    }

    /// The command line's spelling of a setting.
    static func flag(for setting: Setting) -> String {
        switch setting {
        case .judge: return "--judge"
        case .apiBase: return "--api-base"
        case .apiKeyEnv: return "--api-key-env"
        case .maxLineBytes: return "--max-line-bytes"
        case .grouping: return "--group-by PATH or --group-size N"
        case .caCertificate: return "--ca-cert PATH"
        case .grade: return "--grade"
        case .reference: return "--reference PATH"
        case .truth: return "--truth PATH"
        case .compare: return "--compare"
        case .maxCost: return "--max-cost USD"
        case .prices: return "--prices FILE"
        }
    }

    private func printSummary(_ s: RankSummary, cost: Double?, mode: JudgeMode, modeDescription: String, spending: SpendingLimit?) {
        let retries = s.judge.retries.sorted { $0.key.description < $1.key.description }.map { "\($0.key): \($0.value)" }
        var rows: [(String, String)] = [
            ("groups", "\(s.groups) (\(s.judgedGroups) judged, \(s.failedGroups) failed, \(s.unjudgedGroups) not judged)"),
            ("trajectories", "\(s.trajectories)"),
            (
                "judge calls",
                "\(s.judge.calls)" + (s.judge.calls > 0 ? " over \(s.connections) connection\(s.connections == 1 ? "" : "s")" : "")
            ),
            ("retries", s.judge.totalRetries == 0 ? "0" : "\(s.judge.totalRetries) (" + retries.joined(separator: ", ") + ")"),
            (
                "tokens",
                "\(s.judge.usage.prompt) in, \(s.judge.usage.completion) out" + (cost.map { String(format: " (~$%.4f)", $0) } ?? "")
            ),
            ("score stage", s.scoreExecutor),
            ("wall time", String(format: "%.2f s", s.wallSeconds)),
        ]
        var answer = modeDescription
        if mode.grade == .logprobs, s.judge.gradesWeighted + s.judge.gradesWritten > 0 {
            answer += " (\(s.judge.gradesWeighted) grades weighted by logprobs, \(s.judge.gradesWritten) as written)"
        }
        rows.insert(("answer", answer), at: 3)
        if s.skippedLines > 0 { rows.insert(("skipped lines", "\(s.skippedLines)"), at: 2) }
        if let c = s.cache {
            rows.insert(
                (
                    "cache",
                    "\(c.hits) hits, \(c.misses) misses" + (c.corrupt > 0 ? ", \(c.corrupt) corrupt entries replaced" : "")
                        + (c.storeFailures > 0 ? ", \(c.storeFailures) answers not stored (they are in the output)" : "")
                ), at: 3)
        }
        if s.judge.rescaledAnswers > 0 {
            let why = ScoreParser.Rescale.allCases.compactMap { r in s.judge.rescales[r].map { "\(r.rawValue): \($0)" } }
            rows.append(("rescaled answers", "\(s.judge.rescaledAnswers) (" + why.joined(separator: ", ") + ")"))
        }
        if let spending {
            let state = spending.snapshot
            rows.append(
                (
                    "cost limit",
                    String(format: "$%.4f spent of $%.4f", state.spent, spending.limit)
                        + (state.refused > 0 ? " (stopped: the next call would have passed it)" : "")
                ))
        }
        StandardError.write("gavel rank summary\n" + KeyValueTable(rows).render())
    }
}

extension RankCommand {
    /// `--show-prompt`: the exact messages of one group, per sample.
    private func showPrompts(_ run: RankRun, group: String) async throws(RankFailure) {
        let prompts = try await run.prompts(forGroupNamed: group)
        let windowed = prompts.contains { $0.window > 0 }
        for p in prompts {
            if windowed {
                print("##### window \(p.window), sample \(p.sample)")
            } else if prompts.count > 1 {
                print("##### sample \(p.sample)")
            }
            print("===== system =====")
            print(p.system)
            print("===== user =====")
            print(p.user)
        }
    }

    /// `--dry-run`: what the run would cost.
    private func printPlan(_ run: RankRun) async throws(RankFailure) {
        let plan = try await run.plan()
        let cost = run.cost(plan.usage)
        let rows: [(String, String)] = [
            ("judge", run.endpoints.map(\.description).joined(separator: "; ")),
            ("answer", run.modeDescription),
            ("groups", "\(plan.groups)"),
            ("trajectories", "\(plan.trajectories)" + (plan.skippedLines > 0 ? " (\(plan.skippedLines) lines skipped)" : "")),
            (
                "judge calls",
                (plan.pairwise ? "at least " : "") + "\(plan.calls) (\(plan.cachedCalls) answered by the cache)"
                    + (plan.pairwise ? "; pairwise: ⌈log2 n⌉ rounds a group, more where the judge contradicts itself" : "")
            ),
            (
                "prompt limit",
                plan.promptLimit.map { "\($0) tokens" + (run.promptLimitSource.map { " (\($0))" } ?? "") }
                    ?? "none known (give --max-prompt-tokens, or a judge LiteLLM's map knows)"
            ),
            (
                "shortened",
                plan.elidedTrajectories == 0
                    ? "none"
                    : "\(plan.elidedTrajectories) trajectories: ~\(plan.elidedTokens) tokens (\(plan.elidedCharacters) characters) "
                        + "elided from their longest tool outputs and assistant texts"
            ),
            ("input tokens", "~\(plan.usage.prompt)"),
            ("output tokens", "~\(plan.usage.completion)"),
            (
                "cost",
                cost.map { String(format: "~$%.4f", $0) }
                    ?? (run.endpoints.count > 1
                        ? "unknown for a panel (its members' tokens are counted together)"
                        : "unknown: no price for \(run.endpoint.name) in LiteLLM's map (pass --prices FILE)")
            ),
        ]
        var all = rows
        if let maxCost {
            let fit: String
            switch cost {
            case nil: fit = "no estimate to check it against (a panel's tokens are counted together)"
            case let c? where c <= maxCost: fit = String(format: "the run fits (estimated ~$%.4f)", c)
            case let c?: fit = "the run does not fit: about \(Int((c - maxCost) / c * 100))% of its calls would not start"
            }
            all.append(("cost limit", String(format: "$%.4f: ", maxCost) + fit))
        }
        if batch {
            all.append(
                (
                    "batch cost",
                    run.cost(plan.usage, batch: true).map { String(format: "~$%.4f (the batch price: gavel batch submit)", $0) }
                        ?? "unknown: no batch price for \(run.endpoint.name) (pass --prices FILE with batch_input and batch_output)"
                ))
        }
        print("gavel rank --dry-run (no judge was called)")
        print(KeyValueTable(all).render(), terminator: "")
    }
}

extension RankOptions.OnError: ExpressibleByArgument {}
extension ParquetCompression: ExpressibleByArgument {}
extension AdvantageMode: ExpressibleByArgument {}

/// Writes `gavel: error: ...` to standard error.
func printError(_ message: String) {
    StandardError.write("gavel: error: \(message)\n")
}
