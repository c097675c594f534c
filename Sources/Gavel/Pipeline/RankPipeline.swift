import Foundation
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

    /// Chooses the score stage's executor once the input's size is known: (trajectories, input bytes).
    public typealias ExecutorFactory = @Sendable (_ trajectories: Int, _ inputBytes: Int) throws -> any ScoreExecutor

    /// - Parameters:
    ///   - executor: where the score stage runs (inline by default).
    ///   - progress: called with (groups finished, groups total) as groups finish.
    public init(options: RankOptions, judge: any Judge, executor: @escaping ExecutorFactory = { _, _ in InlineScoreExecutor() },
                logger: Logger = Logger(label: "gavel"), progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.options = options
        self.judge = judge
        self.makeExecutor = executor
        self.logger = logger
        self.progress = progress
        self.gate = AsyncSemaphore(limit: options.concurrency)
    }

    /// Runs the whole pipeline. Input and output problems throw; judge problems are in the summary.
    public func run() async throws -> RankSummary {
        let start = ContinuousClock.now
        var phase = start
        func lap(_ name: String) {
            let now = ContinuousClock.now
            logger.debug("phase \(name) took \(String(format: "%.3f", (now - phase).seconds)) s")
            phase = now
        }
        let inputs = try InputSet(paths: options.inputs)
        let options = self.options
        // Indexing reads the whole input: off the cooperative pool.
        let index = try await offload { try InputIndex.scan(inputs, rule: options.grouping, skipInvalid: options.skipInvalid, maxLineBytes: options.maxLineBytes) }
        lap("index")
        for skipped in index.skipped { logger.warning("skipped \(skipped)") }
        guard !index.groups.isEmpty else { throw InputError.noTrajectories(path: inputs.names.joined(separator: ", ")) }
        // Open the output before judging, so a bad output path costs no judge calls.
        let sink = try OutputSink(path: options.output)

        var summary = RankSummary()
        summary.groups = index.groups.count
        summary.trajectories = index.trajectoryCount
        summary.skippedLines = index.skipped.count

        var outcomes = await judgeAll(index: index, inputs: inputs, summary: &summary)
        lap("judge")
        let executor = try makeExecutor(summary.trajectories, index.records.reduce(0) { $0 + $1.length })
        summary.scoreExecutor = executor.name
        do {
            try await combine(&outcomes, on: executor)
            lap("combine")
            try await write(index: index, inputs: inputs, outcomes: outcomes, to: sink, on: executor)
            lap("write")
            await executor.shutdown()
        } catch {
            await executor.shutdown()
            throw error
        }
        try sink.finish()

        let caching = judge as? CachingJudge
        if let stats = ((caching?.inner ?? judge) as? ChatJudge)?.statistics { summary.judge = stats.snapshot }
        summary.cache = caching.map { $0.cache.statistics }
        summary.cachedGroups = outcomes.reduce(0) { $0 + ($1.cached ? 1 : 0) }
        summary.wallSeconds = (ContinuousClock.now - start).seconds
        return summary
    }

    // MARK: Judge

    private func judgeAll(index: InputIndex, inputs: InputSet, summary: inout RankSummary) async -> [GroupOutcome] {
        let total = index.groups.count
        let limit = max(1, options.concurrency)
        var outcomes = [GroupOutcome?](repeating: nil, count: total)
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
            while let (g, outcome, error) = await group.next() {
                outcomes[g] = outcome
                finished += 1
                progress?(finished, total)
                if let error {
                    if error.isCancellation {
                        // Either the run was interrupted, or this call was cancelled because the run is stopping.
                        if Task.isCancelled { summary.interrupted = true }
                    } else if error.isFatal {
                        // Reported once, by whoever reads the summary.
                        if summary.fatalError == nil { summary.fatalError = error }
                    } else {
                        summary.failedGroups += 1
                        if summary.firstFailure == nil { summary.firstFailure = "group \(index.groups[g].key): \(error.description)" }
                        logger.error("group \(index.groups[g].key) failed: \(error.description)")
                        if options.onError == .fail { stop = true }
                    }
                } else if outcome.error == nil {
                    summary.judgedGroups += 1
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
        let reason = summary.interrupted ? "not judged: the run was interrupted"
            : summary.fatalError.map { "not judged: the run stopped: \($0.description)" }
            ?? "not judged: the run stopped after a failed group (--on-error fail)"
        for g in outcomes.indices where outcomes[g] == nil { summary.unjudgedGroups += 1 }
        return outcomes.map { $0 ?? .failed(reason) }
    }

    private func judgeGroup(_ g: Int, index: InputIndex, inputs: InputSet) async -> (Int, GroupOutcome, JudgeError?) {
        do {
            let prompts = try await offload { try self.prompts(forGroup: g, index: index, inputs: inputs) }
            let n = index.groups[g].count
            let verdicts = try await withThrowingTaskGroup(of: (Int, JudgePrompt, JudgeVerdict).self) { group in
                for prompt in prompts {
                    group.addTask {
                        await self.gate.acquire()
                        do {
                            let verdict = try await self.judge.judge(prompt)
                            await self.gate.release()
                            return (prompt.sample, prompt, verdict)
                        } catch {
                            await self.gate.release()
                            throw error
                        }
                    }
                }
                var all: [(Int, JudgePrompt, JudgeVerdict)] = []
                for try await v in group { all.append(v) }
                return all.sorted { $0.0 < $1.0 }
            }
            var outcome = GroupOutcome()
            outcome.cached = verdicts.allSatisfy { $0.2.cached }
            for (k, prompt, verdict) in verdicts {
                var scores = [Double](repeating: 0, count: n)
                var explanations = [String](repeating: "", count: n)
                for (i, members) in prompt.members.enumerated() {
                    for m in members {
                        scores[m] = verdict.scores[i]
                        explanations[m] = verdict.explanations[i]
                    }
                }
                outcome.samples.append(scores)
                if k == 0 { outcome.explanations = explanations }
            }
            return (g, outcome, nil)
        } catch let error as JudgeError {
            return (g, .failed(error.isCancellation ? "not judged: the run was interrupted" : error.description), error)
        } catch is CancellationError {
            return (g, .failed("not judged: the run was interrupted"), JudgeError.cancelled("cancelled"))
        } catch {
            let e = JudgeError.gaveUp("\(error)")
            return (g, .failed("\(error)"), e)
        }
    }

    // MARK: Score

    /// Combines every judged group's samples into scores, ranks and advantages on the executor.
    private func combine(_ outcomes: inout [GroupOutcome], on executor: any ScoreExecutor) async throws {
        let judged = outcomes.indices.filter { outcomes[$0].error == nil }
        let combined = try await executor.combine(judged.map { ScoreStage.GroupSamples(samples: outcomes[$0].samples) }, mode: options.advantage)
        for (g, scores) in zip(judged, combined) { outcomes[g].scores = scores }
    }

    // MARK: Write

    /// Streams the inputs again in order, encoding batches of lines on the executor with a few
    /// batches in flight, and writes the results in input order.
    private func write(index: InputIndex, inputs: InputSet, outcomes: [GroupOutcome], to sink: OutputSink, on executor: any ScoreExecutor) async throws {
        let context = ScoreStage.EncodeContext(judgeName: judge.name, advantage: options.advantage)
        let window = executor.batchesInFlight
        var pending: [Task<ScoreChunk, any Error>] = []
        var cursor = 0

        /// The batch being filled, and the slot of each group already in it.
        var batch = EncodeBatch()
        var slots: [Int: Int] = [:]
        var batchBytes = 0

        /// Adds an input line to the batch; false for a line that is not a record (blank, skipped).
        func add(_ line: LineReader.Line, file: Int) -> Bool {
            guard cursor < index.records.count else { return false }
            let record = index.records[cursor]
            guard record.file == Int32(file), record.line == Int32(line.number) else { return false }
            cursor += 1
            let g = Int(record.group)
            let slot: Int
            if let s = slots[g] {
                slot = s
            } else {
                slot = batch.groups.count
                slots[g] = slot
                batch.groups.append(outcomes[g].batchGroup(key: index.groups[g].key, count: index.groups[g].count))
            }
            let location = ScoreStage.LineLocation(path: inputs.paths[file], offset: record.offset, length: record.length)
            batch.lines.append(EncodeBatch.Line(bytes: Array(line.bytes), location: location, slot: slot, member: Int(record.member)))
            batchBytes += line.bytes.count
            return true
        }

        func takeBatch() -> EncodeBatch {
            defer {
                batch = EncodeBatch()
                slots.removeAll(keepingCapacity: true)
                batchBytes = 0
            }
            return batch
        }

        func submit(_ batch: EncodeBatch) async throws {
            guard window > 1 else {
                try sink.write(chunk: try await executor.encode(batch, context: context))
                return
            }
            pending.append(Task { try await executor.encode(batch, context: context) })
            while pending.count >= window {
                try sink.write(chunk: try await pending.removeFirst().value)
            }
        }

        for file in inputs.names.indices {
            let reader = try inputs.lineReader(file: file, maxLineBytes: options.maxLineBytes)
            while true {
                // Read synchronously until a batch is full, then hand it off and read on.
                var full: EncodeBatch?
                var sawLine = false
                try reader.forEachLine { line in
                    sawLine = true
                    guard add(line, file: file), batch.lines.count >= options.batchLines || batchBytes >= 8 << 20 else { return true }
                    full = takeBatch()
                    return false
                }
                if let full { try await submit(full) }
                if !sawLine || full == nil { break }
            }
            // A batch never spans files: the worker reads one file's span.
            if !batch.lines.isEmpty { try await submit(takeBatch()) }
        }
        for task in pending {
            try sink.write(chunk: try await task.value)
        }
    }
}
