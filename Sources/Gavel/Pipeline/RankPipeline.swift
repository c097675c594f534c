import Foundation
import GavelCore
import GavelHTTP
import GavelIO
import GavelJSON
import GavelJudge
import GavelScoring
import GavelSupport
import Logging
import Synchronization

/// Read → group → judge → score → write, for JSONL trajectory files.
///
/// Inputs are scanned once into an `InputIndex` (offsets, no text); each group is re-read and
/// judged with at most `concurrency` calls in flight; the output is then streamed in input order
/// with every original field kept. Lines are never lost: a group that could not be judged is
/// written with `gavel.error`.
public final class RankPipeline: Sendable {
    public let options: RankOptions
    let judge: any Judge
    private let logger: Logger
    private let progress: (@Sendable (Int, Int) -> Void)?
    private let makeExecutor: ExecutorFactory
    private let gate: AsyncSemaphore
    /// The input, indexed on first use: a run, its plan and its prompts share one scan.
    private let indexed = Mutex<(InputSet, InputIndex)?>(nil)
    /// The judge's context as its server reported it, less room for the answer (see `promptLimit`).
    private let reportedPromptLimit = Mutex<Int?>(nil)

    /// The most tokens a prompt may have: `maxPromptTokens` (given, or from the model map), else
    /// what the judge's server reported (`useReportedPromptLimit`), else nil (no limit known).
    public var promptLimit: Int? { options.maxPromptTokens ?? reportedPromptLimit.withLock { $0 } }

    /// Takes the prompt limit from the judge's server (a run does this before its first call,
    /// when neither the configuration nor the model map gave one).
    public func useReportedPromptLimit(_ tokens: Int?) { reportedPromptLimit.withLock { $0 = tokens } }

    /// What the score stage will have to do, known once the input is indexed.
    public struct ScoreLoad: Sendable, Equatable {
        public var trajectories: Int
        /// Bytes of input records the stage re-reads and rewrites.
        public var inputBytes: Int
        /// Whether some group's windows (or pairs) are fused by a Bradley–Terry fit in the stage.
        public var fitsWindows: Bool

        public init(trajectories: Int, inputBytes: Int, fitsWindows: Bool) {
            self.trajectories = trajectories
            self.inputBytes = inputBytes
            self.fitsWindows = fitsWindows
        }
    }

    /// Chooses the score stage's executor once the input's size is known.
    public typealias ExecutorFactory = @Sendable (_ load: ScoreLoad) throws -> any ScoreExecutor

    /// - Parameters:
    ///   - executor: where the score stage runs (inline by default).
    ///   - progress: called with (groups finished, groups total) as groups finish.
    public init(
        options: RankOptions, judge: any Judge, executor: @escaping ExecutorFactory = { _ in InlineScoreExecutor() },
        logger: Logger = Logger(label: "gavel"), progress: (@Sendable (Int, Int) -> Void)? = nil
    ) {
        self.options = options
        self.judge = judge
        self.makeExecutor = executor
        self.logger = logger
        self.progress = progress
        self.gate = AsyncSemaphore(limit: options.concurrency)
    }

    /// Runs the whole pipeline. Input and output problems throw; judge problems are in the summary.
    public func run() async throws -> RankSummary {
        try await run(judgingBy: { pipeline, index, inputs, board, summary in
            await pipeline.judgeAll(index: index, inputs: inputs, board: board, summary: &summary)
        })
    }

    /// How a run's groups get their outcomes: judged (`judgeAll`), or given (a benchmark).
    typealias Judging = @Sendable (RankPipeline, InputIndex, InputSet, OutcomeBoard, inout RankSummary) async -> Void

    /// Ranks with the judge's answers given by `verdicts` instead of a judge: every other stage —
    /// indexing, the score stage's executor (combining, fits, ranks, advantages, encoding), the
    /// output — is the production path, so the score benchmark times exactly what a run does.
    @_spi(Benchmarks)
    public func run(
        givenVerdicts verdicts: @escaping @Sendable (_ key: String, _ members: Int) -> GroupVerdicts
    ) async throws -> RankSummary {
        try await run(judgingBy: { _, index, _, board, summary in
            for (g, group) in index.groups.enumerated() {
                board.post(g, GroupOutcome(verdicts: verdicts(group.key, group.count)))
            }
            summary.judgedGroups = index.groups.count
        })
    }

    private func run(judgingBy step: @escaping Judging) async throws -> RankSummary {
        let start = ContinuousClock.now
        var phase = start
        func lap(_ name: String) {
            let now = ContinuousClock.now
            logger.debug("phase \(name) took \(String(format: "%.3f", (now - phase).seconds)) s")
            phase = now
        }
        let (inputs, index) = try await indexedInput()
        let indexSeconds = (ContinuousClock.now - start).seconds
        lap("index")
        for skipped in index.skipped { logger.warning("skipped \(skipped)") }
        guard !index.groups.isEmpty || options.shard != nil else {
            throw InputError.noTrajectories(path: inputs.names.joined(separator: ", "))
        }
        progress?(0, index.groups.count)
        // Open the output before judging, so a bad output path costs no judge calls. Off the
        // cooperative pool: opening a FIFO waits for its reader.
        let (output, outputDirectory) = (options.output, options.outputDirectory)
        let codec = options.parquetCompression?.codec
        let router = try await offload {
            try OutputRouter(output: output, outputDirectory: outputDirectory, inputs: inputs, parquetCodec: codec)
        }

        var summary = RankSummary()
        summary.groups = index.groups.count
        summary.trajectories = index.trajectoryCount
        summary.skippedLines = index.skipped.count
        summary.indexSeconds = indexSeconds

        let executor = try makeExecutor(
            ScoreLoad(
                trajectories: summary.trajectories, inputBytes: index.records.reduce(0) { $0 + $1.length },
                fitsWindows: options.compare == .pairwise || index.groups.contains { $0.count > options.window }))
        summary.scoreExecutor = executor.name
        // Output streams in input order while later groups are still being judged: the writer
        // waits on the board for each line's group. It is not a child of this task, so an
        // interrupt stops the judging but never the writing; a writer that fails (the output's
        // reader went away, the disk is full) stops the judging, so no calls are paid for nothing.
        let board = OutcomeBoard(groups: index.groups.count)
        let initial = summary
        let judging = Task {
            var s = initial
            await step(self, index, inputs, board, &s)
            return s
        }
        let writer = Task {
            do {
                try await self.write(index: index, inputs: inputs, board: board, to: router, on: executor)
            } catch {
                judging.cancel()
                throw error
            }
        }
        summary = await withTaskCancellationHandler {
            await judging.value
        } onCancel: {
            judging.cancel()
        }
        lap("judge")
        do {
            try await writer.value
            lap("write (rest)")
            await executor.shutdown()
        } catch {
            await executor.shutdown()
            throw error
        }
        try await offload { try router.finish() }
        let outcomes = board.all

        if let stats = judge.callStatistics { summary.judge = stats.snapshot }
        summary.cachedGroups = outcomes.reduce(0) { $0 + ($1?.cached == true ? 1 : 0) }
        summary.wallSeconds = (ContinuousClock.now - start).seconds
        return summary
    }

    /// The input set and its index, scanned once (off the cooperative pool: it reads the whole input).
    func indexedInput() async throws -> (InputSet, InputIndex) {
        if let done = indexed.withLock({ $0 }) { return done }
        let options = self.options, logger = self.logger
        let result = try await offload { () throws -> (InputSet, InputIndex) in
            let inputs = try InputSet(paths: options.inputs)
            let index = try InputIndex.scan(
                inputs, rule: options.grouping, skipInvalid: options.skipInvalid, maxLineBytes: options.maxLineBytes,
                referencePath: options.reference)
            if let path = options.reference, !index.groups.isEmpty {
                let missing = index.hasReference.count { !$0 }
                if missing == index.groups.count {
                    throw ConfigurationError(
                        "no trajectory has a reference at \(path) (\(missing) groups looked at; the path is dotted, e.g. metadata.answer)",
                        setting: .reference)
                }
                if missing > 0 {
                    logger.warning("\(missing) of \(index.groups.count) groups have no reference at \(path); they are judged without one")
                }
            }
            guard let shard = options.shard else { return (inputs, index) }
            var part = index.restricted(to: shard)
            part.unshardedRecords = index.records.count
            return (inputs, part)
        }
        indexed.withLock { $0 = result }
        return result
    }

    // MARK: Judge

    /// Judges every group with bounded concurrency, posting each outcome (samples combined) as it finishes;
    /// groups never judged are posted as failed with why.
    private func judgeAll(index: InputIndex, inputs: InputSet, board: OutcomeBoard, summary: inout RankSummary) async {
        let total = index.groups.count
        let limit = max(1, options.concurrency)
        var finished = 0
        var stop = false
        await withTaskGroup(of: (Int, GroupOutcome, JudgeError?).self) { group in
            var next = 0
            func dispatch() {
                let g = next
                next += 1
                group.addTask { await self.judgeGroup(g, index: index, inputs: inputs) }
            }
            while next < min(limit, total) { dispatch() }
            while let (g, done, error) = await group.next() {
                var outcome = done
                // A call cancelled because a fatal error stopped the run was not interrupted by the user: say what stopped it.
                if outcome.failure == .interrupted, !Task.isCancelled, let fatal = summary.fatalError {
                    outcome.failure = .runStopped(fatal.description)
                }
                board.post(g, outcome)
                finished += 1
                progress?(finished, total)
                if let error {
                    if error.isCancellation {
                        // Either the run was interrupted, or this call was cancelled because the run is stopping.
                        if Task.isCancelled { summary.interrupted = true }
                        summary.unjudgedGroups += 1
                    } else if error.isFatal {
                        // Reported once, by whoever reads the summary. The group itself was not judged.
                        if summary.fatalError == nil { summary.fatalError = error }
                        summary.unjudgedGroups += 1
                    } else {
                        summary.failedGroups += 1
                        if summary.firstFailure == nil { summary.firstFailure = "group \(index.groups[g].key): \(error.description)" }
                        logger.error("group \(index.groups[g].key) failed: \(error.description)")
                        if options.onError == .fail { stop = true }
                    }
                } else if outcome.failure == nil {
                    summary.judgedGroups += 1
                    summary.answerUsage += outcome.answerUsage
                    summary.answerSeconds += outcome.answerSeconds
                }
                if Task.isCancelled { summary.interrupted = true }
                if summary.fatalError != nil || summary.interrupted { stop = true }
                if stop {
                    if summary.fatalError != nil || summary.interrupted { group.cancelAll() }
                    continue
                }
                if next < total { dispatch() }
            }
        }
        let reason: GroupFailure =
            summary.interrupted
            ? .interrupted
            : summary.fatalError.map { .runStopped($0.description) } ?? .stoppedAfterFailure
        for g in 0..<total where !board.isPosted(g) {
            summary.unjudgedGroups += 1
            board.post(g, .failed(reason))
        }
    }

    private func judgeGroup(_ g: Int, index: InputIndex, inputs: InputSet) async -> (Int, GroupOutcome, JudgeError?) {
        if options.compare == .pairwise {
            do {
                let (trajectories, references) = try await offload {
                    try index.loadGroup(g, from: inputs, referencePath: self.options.reference)
                }
                return (g, try await judgePairwise(trajectories, rubric: options.rubric, references: references), nil)
            } catch {
                let (outcome, failure) = Self.failed(error)
                return (g, outcome, failure)
            }
        }
        let (outcome, error) = await judgeShrinkingWindows(key: index.groups[g].key, members: index.groups[g].count) { window in
            try await offload { try self.calls(forGroup: g, index: index, inputs: inputs, window: window) }
        }
        return (g, outcome, error)
    }

    /// Judges one group with the calls `makeCalls` renders for a window size (nil: the run's choice);
    /// a judge that cannot read a window at once gets windows half the size it refused, down to 3.
    func judgeShrinkingWindows(
        key: String, members n: Int, makeCalls: @Sendable (Int?) async throws -> GroupCalls
    ) async -> (GroupOutcome, JudgeError?) {
        var window: Int?
        while true {
            do {
                return (try await judge(try await makeCalls(window), members: n), nil)
            } catch let error as JudgeError where error.isContextTooLong {
                let refused = window ?? n
                guard refused > 3 else { return (.failed(.judgeFailed(error.description)), error) }
                window = max(3, refused / 2)
                logger.warning("group \(key) is too long for the judge's context; judging it in windows of \(window ?? 3)")
            } catch {
                return Self.failed(error)
            }
        }
    }

    /// A group that could not be judged because of `error`, and the error as the run counts it.
    static func failed(_ error: any Error) -> (GroupOutcome, JudgeError) {
        switch error {
        case let error as JudgeError: return (.failed(error.isCancellation ? .interrupted : .judgeFailed(error.description)), error)
        case is CancellationError: return (.failed(.interrupted), JudgeError.cancelled("cancelled"))
        default: return (.failed(.judgeFailed("\(error)")), JudgeError.gaveUp("\(error)"))
        }
    }

    /// Makes a group's calls (at most `concurrency` in flight run-wide) and turns the verdicts into
    /// its outcome: per-sample scores for a group judged whole, Bradley–Terry scores for windows.
    func judge(_ calls: GroupCalls, members n: Int) async throws -> GroupOutcome {
        let started = ContinuousClock.now
        let verdicts = try await verdicts(calls)
        var outcome = Self.outcome(of: calls, verdicts, members: n, since: started)
        // A group judged in windows has them fused by a Bradley–Terry fit (in the score stage).
        outcome.verdicts.fused = calls.windows.count > 1
        return outcome
    }

    /// What every way of judging a group records of its answers: the time since `started`, whether
    /// all came from the cache, their tokens and judge seconds, and the answers themselves as the
    /// score stage takes them (windows fused or not is the caller's to say).
    static func outcome(
        of calls: GroupCalls, _ verdicts: [[JudgeVerdict]], members n: Int, since started: ContinuousClock.Instant
    )
        -> GroupOutcome
    {
        var outcome = GroupOutcome()
        outcome.judgeSeconds = (ContinuousClock.now - started).seconds
        outcome.cached = verdicts.allSatisfy { $0.allSatisfy(\.cached) }
        for v in verdicts.joined() {
            outcome.answerUsage += v.usage
            outcome.answerSeconds += v.seconds
        }
        outcome.verdicts = answers(of: calls, verdicts, members: n)
        return outcome
    }

    /// The answers to `calls` as the score stage takes them: per window and sample, the slot scores
    /// and which members each slot showed (explanations of each window's first sample only).
    static func answers(of calls: GroupCalls, _ verdicts: [[JudgeVerdict]], members n: Int, fused: Bool = false) -> GroupVerdicts {
        GroupVerdicts(
            count: n, windows: calls.windows,
            answers: verdicts.enumerated().map { w, samples in
                samples.enumerated().map { k, v in
                    GroupVerdicts.Answer(
                        members: calls.prompts[w][k].members, scores: v.scores, explanations: k == 0 ? v.explanations : [],
                        panel: v.panel, panelMissing: v.panelMissing)
                }
            }, fused: fused, elided: calls.elided)
    }

    /// Makes every call of `calls` (at most `concurrency` in flight run-wide): per window, its
    /// samples' verdicts in sample order.
    func verdicts(_ calls: GroupCalls) async throws -> [[JudgeVerdict]] {
        try await withThrowingTaskGroup(of: (Int, Int, JudgeVerdict).self) { group in
            for (w, prompts) in calls.prompts.enumerated() {
                for prompt in prompts {
                    group.addTask {
                        await self.gate.acquire()
                        do {
                            let verdict = try await self.judge.judge(prompt)
                            await self.gate.release()
                            return (w, prompt.sample, verdict)
                        } catch {
                            await self.gate.release()
                            throw error
                        }
                    }
                }
            }
            var all: [[JudgeVerdict?]] = calls.prompts.map { Array(repeating: nil, count: $0.count) }
            for try await (w, k, v) in group { all[w][k] = v }
            return all.map { $0.compactMap { $0 } }
        }
    }

    // MARK: Write

    /// Goes through the indexed records in input order, encoding batches of lines on the executor
    /// with a few batches in flight, and writes the results in input order.
    ///
    /// Batches carry byte ranges of the input files, not the lines: whoever encodes a batch (this
    /// process, a thread, a worker process) reads its span from the file in one read.
    private func write(
        index: InputIndex, inputs: InputSet, board: OutcomeBoard, to router: OutputRouter, on executor: any ScoreExecutor
    ) async throws {
        var sink = try router.sink(forFile: index.records.first.map { Int($0.file) } ?? 0)
        // A shard's output: a header line, and each line's input position (for gavel merge).
        var positions: [(file: Int32, line: Int32)] = []
        var written = 0
        if let shard = options.shard {
            var header = JSONObject()
            header["shard"] = .int(shard.index)
            header["shards"] = .int(shard.count)
            header["lines"] = .int(index.unshardedRecords ?? index.records.count)
            header["shard_lines"] = .int(index.records.count)
            header["inputs"] = .array(inputs.names.map(JSONValue.string))
            var line = JSONObject()
            line[Shard.headerField] = .object(header)
            try sink.write(chunk: JSONWriter.encode(.object(line)) + [UInt8(ascii: "\n")])
        }
        func put(_ chunk: ByteChunk) throws {
            guard options.shard != nil else { return try sink.write(chunk: chunk) }
            var out: [UInt8] = []
            out.reserveCapacity(chunk.count + chunk.count / 64)
            chunk.withUnsafeBytes { raw in
                var start = 0
                for i in 0..<raw.count where raw[i] == UInt8(ascii: "\n") {
                    // Each line is a JSON object: put the position in before its closing brace.
                    var end = i
                    while end > start, raw[end - 1] != UInt8(ascii: "}") { end -= 1 }
                    let p = written < positions.count ? positions[written] : (file: -1, line: -1)
                    written += 1
                    out.append(contentsOf: raw[start..<max(start, end - 1)])
                    out.append(contentsOf: ",\"\(Shard.positionField)\":[\(p.file),\(p.line)]}\n".utf8)
                    start = i + 1
                }
            }
            chunk.release()
            try sink.write(chunk: out)
        }
        let context = ScoreStage.EncodeContext(judgeName: judge.name, advantage: options.advantage, answer: options.modeDescription)
        let window = executor.batchesInFlight
        var pending: [Task<ByteChunk, any Error>] = []

        /// The batch being filled, and the slot of each group already in it.
        var batch = EncodeBatch()
        var slots: [Int: Int] = [:]

        func drainPending() async throws {
            while !pending.isEmpty { try put(try await pending.removeFirst().value) }
        }

        func submit() async throws {
            guard !batch.lines.isEmpty else { return }
            let full = batch
            var carriesBytes = false
            if case .bytes = full.source { carriesBytes = true }
            // The next batch reads the same file; a batch that carried its own bytes starts empty.
            batch = EncodeBatch(source: carriesBytes ? .bytes([]) : full.source)
            slots.removeAll(keepingCapacity: true)
            // start() hands batches to the executor in this order, which is the order chunks are taken in
            // (with a window of 1, each batch is written before the next is made).
            pending.append(executor.start(full, context: context))
            // A batch of Parquet groups was written as JSON here: let it encode while the next one is written.
            while pending.count >= (carriesBytes ? max(2, window) : window) {
                try put(try await pending.removeFirst().value)
            }
        }

        var next = 0
        for file in inputs.names.indices {
            // The records of one file are together, in input order.
            let first = next
            while next < index.records.count, Int(index.records[next].file) == file { next += 1 }
            let records = index.records[first..<next]
            if router.writesParquet(file: file), let input = inputs.parquet[file] {
                try await submit()
                try await drainPending()
                let writer = try router.parquetWriter(forFile: file)
                try await writeParquet(input, records: records, index: index, board: board, to: writer, context: context)
                continue
            }
            guard !records.isEmpty else { continue }
            // A batch never spans files: its lines are one file's byte ranges (or its Parquet groups' JSON).
            try await submit()
            batch.source = inputs.parquet[file] == nil ? .file(inputs.paths[file]) : .bytes([])
            // Under --output-dir, each input has its own output: write out the last one's lines first.
            if router.switches(toFile: file) {
                try await drainPending()
                sink = try router.sink(forFile: file)
            }
            for record in records {
                let g = Int(record.group)
                let slot: Int
                if let s = slots[g] {
                    slot = s  // the group is in this batch already, so it is judged
                } else {
                    let outcome: GroupOutcome
                    if let posted = board.posted(g) {
                        outcome = posted
                    } else {
                        // Write what is ready before waiting for a group still being judged, so output keeps flowing.
                        try await submit()
                        try await drainPending()
                        try sink.flush()
                        outcome = await board.outcome(g)
                    }
                    slot = batch.groups.count
                    slots[g] = slot
                    batch.groups.append(outcome.batchGroup(key: index.groups[g].key, count: index.groups[g].count))
                }
                if options.shard != nil { positions.append((record.file, record.line)) }
                if case .bytes = batch.source {
                    // A Parquet group: its rows written as ART's JSON, into the batch itself.
                    batch.appendLine(try inputs.lineBytes(record), slot: slot, member: Int(record.member))
                } else {
                    batch.lines.append(
                        EncodeBatch.Line(offset: record.offset, length: record.length, slot: slot, member: Int(record.member)))
                }
                let line = batch.lines[batch.lines.count - 1]
                if batch.lines.count >= options.batchLines || line.end - batch.lines[0].offset >= 8 << 20 {
                    try await submit()
                }
            }
        }
        try await submit()
        try await drainPending()
    }

    /// Writes a Parquet input's rows to a Parquet output in file order, each with its trajectory's
    /// annotation (rows of groups not ranked, as those skipped as invalid, unchanged).
    private func writeParquet(
        _ input: ParquetInput, records: ArraySlice<InputIndex.Record>, index: InputIndex, board: OutcomeBoard,
        to writer: ParquetRankedWriter, context: ScoreStage.EncodeContext
    ) async throws {
        // Group ordinal (or row) in the file → group of the run.
        let groupOf = Dictionary(records.map { ($0.offset, Int($0.group)) }, uniquingKeysWith: { a, _ in a })
        /// The groups with rows still to write: their results, scored once, and how many rows remain.
        var open: [Int: (group: EncodeBatch.Group, scored: ScoredGroup?, remaining: Int)] = [:]
        for rowGroup in 0..<input.rowGroupCount {
            let rows = try await offload { try input.rows(inRowGroup: rowGroup) }
            let start = input.rowGroupStarts[rowGroup]
            // The outcomes this row group needs, waited for in row order.
            var outcomes: [Int: GroupOutcome] = [:]
            for i in rows.indices {
                guard let g = groupOf[input.place(ofRow: start + i).group], open[g] == nil, outcomes[g] == nil else { continue }
                if let posted = board.posted(g) { outcomes[g] = posted } else { outcomes[g] = await board.outcome(g) }
            }
            open = try await offload { [open, outcomes] in
                var open = open
                for (g, outcome) in outcomes {
                    let group = outcome.batchGroup(key: index.groups[g].key, count: index.groups[g].count)
                    open[g] = (group, group.scored(advantage: context.advantage), index.groups[g].count)
                }
                for (i, value) in rows.enumerated() {
                    let (o, member) = input.place(ofRow: start + i)
                    var annotation: ScoreStage.Annotation?
                    if let g = groupOf[o], var entry = open[g] {
                        annotation = entry.group.annotation(member: member, scored: entry.scored)
                        entry.remaining -= 1
                        open[g] = entry.remaining > 0 ? entry : nil
                    }
                    try writer.write(value.fields ?? [], art: input.art, annotation: annotation, context: context)
                }
                return open
            }
        }
    }
}
