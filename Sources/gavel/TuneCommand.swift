import ArgumentParser
import Foundation
import Gavel
import GavelCore
import GavelEval
import GavelSupport
import Logging
import Synchronization

/// `gavel tune`: which way of asking the judge ranks best for what it costs, measured on labelled groups.
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Try judge modes on labelled groups; print each mode's accuracy and cost; write the best as a rubric.",
        discussion: """
            Ranks the groups of FILE (or a sample: --groups N) once per mode of the grid --answers × --grades × \
            --sample-counts, exactly as gavel rank would (same prompts, same cache: a later gavel rank of these \
            groups in the chosen mode is partly free), and measures each mode's output with gavel eval against \
            the truth at --truth: pairwise accuracy, Kendall τ-b and top-1 with 95% bootstrap intervals, the \
            share of zero-variance groups, input and output tokens, judge seconds and dollars per group (tokens \
            and seconds of cached answers included: the cache keeps them). Modes that no other mode beats in \
            accuracy for less (dollars where the judge's price is known, else judge seconds) are marked *. The \
            chosen mode is the most accurate (ties: fewer zero-variance groups, then cheaper); --write-rubric \
            writes the rubric with it as its defaults, for gavel rank --rubric.

            Examples:
              gavel tune labelled.jsonl --truth metadata.quality --judge vllm/Qwen3-8B --api-base http://gpu:8000/v1
              gavel tune labelled.jsonl --truth metadata.solved --groups 20 --answers scores --grades number,logprobs \\
                --sample-counts 1,3 --write-rubric Rubrics/tuned.md
              gavel tune labelled.jsonl --truth metadata.quality --dry-run
            """
    )

    @Argument(
        help: ArgumentHelp(
            "Labelled JSONL or Parquet files (or folders): groups whose trajectories carry a known truth.", valueName: "FILE"))
    var files: [String]

    @Option(help: ArgumentHelp("Dotted JSON path of the known truth on each trajectory (higher is better).", valueName: "PATH"))
    var truth: String

    @Option(help: ArgumentHelp("Answer formats to try, comma-separated: explained, brief, scores.", valueName: "LIST"))
    var answers = "explained,brief,scores"

    @Option(help: ArgumentHelp("Grades to try, comma-separated: number, logprobs.", valueName: "LIST"))
    var grades = "number,logprobs"

    @Option(help: ArgumentHelp("Comparisons to try, comma-separated: listwise, pairwise.", valueName: "LIST"))
    var compares = "listwise"

    @Option(help: ArgumentHelp("Judge samples per group to try, comma-separated (e.g. 1,3).", valueName: "LIST"))
    var sampleCounts = "1"

    @Option(
        help: ArgumentHelp(
            "Exactly these modes instead of the grid, comma-separated, each as gavel eval names it: explained, "
                + "scores+logprobs, brief+logprobs x3 (3 samples).",
            valueName: "LIST"))
    var modes: String?

    @Option(help: ArgumentHelp("Try this many groups (a fixed sample by key hash; default: every group).", valueName: "N"))
    var groups: Int?

    @Option(help: "Seed of the group sample.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Start no further mode once this many judge calls were made.", valueName: "N"))
    var maxCalls: Int?

    @Option(help: ArgumentHelp("Start no further mode once this many seconds have passed.", valueName: "SECONDS"))
    var budgetSeconds: Double?

    @Option(help: ArgumentHelp("Keep each mode's ranked output here (MODE.jsonl) and the sample (groups.jsonl).", valueName: "DIR"))
    var outputDir: String?

    @Option(help: ArgumentHelp("Write the rubric with the chosen mode as its defaults here.", valueName: "PATH"))
    var writeRubric: String?

    @Flag(help: "Print the table as one JSON object.")
    var json = false

    @Flag(help: "Print each mode's planned calls, tokens and price on the groups; call no judge.")
    var dryRun = false

    @OptionGroup(title: "Judge") var judgeOptions: JudgeOptions

    @OptionGroup(title: "Scoring") var scoring: ScoringOptions

    @OptionGroup(title: "Cache") var cacheOptions: CacheOptions

    @OptionGroup var grouping: GroupingOptions

    @OptionGroup var pricing: PriceOptions

    @Option(help: "Bootstrap resamples for the confidence intervals.")
    var resamples = 1000

    @Option(help: .hidden) var progressInterval = 5.0

    @Flag(name: .shortAndLong, help: "Print only errors and the table (no progress line).")
    var quiet = false

    /// The modes to try: `--modes`, else the grid.
    func candidates() throws -> [TuneCandidate] {
        if let modes {
            let items = modes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.isEmpty else { throw ValidationError("--modes is empty") }
            return try items.map { item in
                guard let c = TuneCandidate(item) else {
                    throw ValidationError(
                        "--modes: unknown \"\(item)\" (expected ANSWER or ANSWER+logprobs, ANSWER one of explained, brief, scores; "
                            + "then optionally \" pairwise\", or \" xK\" for K samples)")
                }
                return c
            }
        }
        let (a, g, c, s) = try axes()
        return TuneCandidate.grid(answers: a, grades: g, compares: c, samples: s)
    }

    /// The grid's axes, parsed.
    func axes() throws -> (answers: [JudgeMode.Answer], grades: [JudgeMode.Grade], compares: [CompareMode], samples: [Int]) {
        func list<T>(_ text: String, _ flag: String, _ parse: (String) -> T?, _ known: String) throws -> [T] {
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.isEmpty else { throw ValidationError("\(flag) is empty (expected \(known))") }
            return try items.map { item in
                guard let v = parse(item) else { throw ValidationError("\(flag): unknown \"\(item)\" (expected \(known))") }
                return v
            }
        }
        let a = try list(answers, "--answers", JudgeMode.Answer.init(rawValue:), "explained, brief or scores")
        let g = try list(grades, "--grades", JudgeMode.Grade.init(rawValue:), "number or logprobs")
        let c = try list(compares, "--compares", CompareMode.init(rawValue:), "listwise or pairwise")
        let s = try list(sampleCounts, "--sample-counts", { Int($0).flatMap { (1...32).contains($0) ? $0 : nil } }, "whole numbers 1-32")
        return (a, g, c, s)
    }

    func validate() throws {
        if truth.isEmpty { throw ValidationError("--truth is empty") }
        _ = try candidates()
        if judgeOptions.answer != nil || judgeOptions.grade != nil || judgeOptions.compare != nil {
            throw ValidationError(
                "gavel tune tries modes: give them as --answers, --grades and --compares lists, not --answer, --grade or --compare")
        }
        if scoring.samples != nil { throw ValidationError("gavel tune tries sample counts: give them as --sample-counts, not --samples") }
        if let n = groups, n < 1 { throw ValidationError("--groups must be at least 1") }
        if let n = maxCalls, n < 1 { throw ValidationError("--max-calls must be at least 1") }
        if let s = budgetSeconds, !(s > 0) { throw ValidationError("--budget-seconds must be positive") }
        if !(100...100_000).contains(resamples) { throw ValidationError("--resamples must be between 100 and 100000") }
        if files.contains("-") { throw ValidationError("gavel tune reads its files several times: give a file, not standard input") }
        if dryRun, writeRubric != nil { throw ValidationError("--dry-run measures nothing to write a rubric from") }
        try grouping.validate()
        try judgeOptions.validate()
        try scoring.validate()
    }

    func configuration() throws -> TuneRun.Configuration {
        var c = RankConfiguration(inputs: files, environment: ProcessInfo.processInfo.environment)
        c.pipeline.grouping = grouping.rule
        c.priceFile = pricing.prices
        c.scoreStage = .inline
        judgeOptions.apply(to: &c)
        scoring.apply(to: &c)
        cacheOptions.apply(to: &c)
        var t = TuneRun.Configuration(rank: c, truthPath: truth, candidates: try candidates())
        t.groups = groups
        t.seed = seed
        t.maxCalls = maxCalls
        t.budgetSeconds = budgetSeconds
        t.outputDirectory = outputDir
        t.bootstrap = Bootstrap(resamples: resamples)
        return t
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = quiet ? .error : .info
            return handler
        }
        let logger = Logger(label: "gavel")
        do {
            let tuning = TuneRun(configuration: try configuration(), logger: logger)
            if dryRun { return try await printEstimates(tuning) }
            let current = Mutex<ProgressReporter?>(nil)
            let (quiet, interval) = (self.quiet, Duration.milliseconds(Int(progressInterval * 1000)))
            let task = Task { () async throws(RankFailure) -> TuneResult in
                try await tuning.run { i, n, candidate in
                    current.withLock { $0?.end() }
                    guard !quiet else { return nil }
                    let reporter = ProgressReporter(interval: interval, label: "tune \(i + 1)/\(n) \(candidate)")
                    reporter.begin()
                    current.withLock { $0 = reporter }
                    return reporter
                }
            }
            let signals = SignalWatcher { task.cancel() }
            defer { signals.stop() }
            let result: TuneResult
            do {
                defer { current.withLock { $0?.end() } }
                result = try await task.value
            }
            if json { print(result.jsonText) } else { print(Self.table(result, judge: judgeName), terminator: "") }
            if let fatal = result.fatalError, !result.interrupted {
                printError(
                    "the judge stopped the tuning: " + fatal.description
                        + (fatal.setting.map { " (see \(RankCommand.flag(for: $0)))" } ?? ""))
                throw ExitCode(fatal.isAccessProblem ? ExitStatus.judgeUnavailable.rawValue : ExitStatus.groupsFailed.rawValue)
            }
            if result.interrupted { throw ExitCode(ExitStatus.interrupted.rawValue) }
            if let path = writeRubric {
                let run = try RankRun(configuration: try configuration().rank, callsJudge: false, logger: logger)
                guard let tuned = result.tunedRubric(from: run.rubric, judge: run.judgeName) else {
                    printError("no mode scored every group: no rubric written")
                    throw ExitCode(ExitStatus.groupsFailed.rawValue)
                }
                do {
                    try RubricFile.render(tuned).write(toFile: path, atomically: true, encoding: .utf8)
                } catch {
                    printError("cannot write the rubric \(path): \(error.localizedDescription)")
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
                if !json {
                    print("wrote \(path): gavel rank FILE --rubric \(path) ranks in \(result.chosen.map { "\($0.candidate)" } ?? "")")
                }
            }
            if result.rows.contains(where: { $0.failedGroups > 0 }) {
                printError("some modes did not score every group (see the failed column); they were not chosen")
                throw ExitCode(ExitStatus.groupsFailed.rawValue)
            }
        } catch let failure as RankFailure {
            printError(failure.description + RankCommand.hint(for: failure))
            throw ExitCode(failure.exitStatus.rawValue)
        }
    }

    /// The judge as named on the command line (for the table's heading).
    private var judgeName: String {
        let members = judgeOptions.judge + (judgeOptions.panel.map { [$0] } ?? [])
        return members.isEmpty ? "the rubric's or default judge" : members.joined(separator: ", ")
    }

    /// The measured table.
    static func table(_ r: TuneResult, judge: String) -> String {
        func f(_ d: Double?, _ digits: Int = 3) -> String { d.map { String(format: "%.\(digits)f", $0) } ?? "-" }
        var out = "gavel tune: \(r.groups) groups of \(r.files.joined(separator: ", ")), truth \(r.truthPath), judge \(judge)\n"
        let header = [
            "mode", "pairwise (95% CI)", "tau-b", "top-1", "zero-var", "in tok/grp", "out tok/grp", "judge s/grp", "$/grp", "failed",
        ]
        var rows: [[String]] = [header]
        for row in r.rows {
            let mark = row.bestForCost ? "* " : "  "
            guard row.skipped == nil, let e = row.evaluation else {
                rows.append([mark + row.candidate.description, "not run: " + (row.skipped ?? "no output")])
                continue
            }
            let p = e.truth.pairwiseAccuracy
            rows.append([
                mark + row.candidate.description,
                p.map { "\(f($0.estimate)) (\(f($0.low))-\(f($0.high)))" } ?? "-",
                f(e.truth.kendallTauB?.estimate), f(e.truth.topOneAccuracy?.estimate),
                e.zeroVarianceShare.map { String(format: "%.1f%%", $0 * 100) } ?? "-",
                f(row.inputTokensPerGroup, 0), f(row.outputTokensPerGroup, 0), f(row.secondsPerGroup, 2),
                row.costPerGroup.map { String(format: "%.5f", $0) } ?? "-", "\(row.failedGroups)",
            ])
        }
        if let first = rows.first { rows[0] = ["  " + first[0]] + first.dropFirst() }
        let widths = header.indices.map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { c, text in
                c == 0 || c == 1
                    ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: max(0, widths[c] - text.count)) + text
            }
            out += cells.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        if let best = r.chosen {
            out +=
                "chosen: \(best.candidate) (answer: \(best.candidate.mode.answer.rawValue), grade: \(best.candidate.mode.grade.rawValue), "
                + "compare: \(best.candidate.compare.rawValue), "
                + "samples: \(best.candidate.samples))\n"
        }
        out += "* no other mode is as accurate for less (dollars where priced, else judge seconds)\n"
        return out
    }

    /// `--dry-run`: each mode's planned calls, tokens and price.
    private func printEstimates(_ tuning: TuneRun) async throws(RankFailure) {
        let estimates = try await tuning.estimates()
        print("gavel tune --dry-run (no judge was called)")
        var rows: [(String, String)] = []
        for e in estimates {
            let cost = e.cost.map { String(format: "~$%.4f", $0) } ?? "price unknown (--prices FILE)"
            rows.append(
                (
                    e.candidate.description,
                    "\(e.plan.calls) calls (\(e.plan.cachedCalls) cached), ~\(e.plan.usage.prompt) input and ~\(e.plan.usage.completion) "
                        + "output tokens, \(cost)"
                ))
        }
        print(KeyValueTable(rows).render(), terminator: "")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
