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
    private let judge: any Judge
    private let logger: Logger
    private let progress: (@Sendable (Int, Int) -> Void)?

    /// - Parameter progress: called with (groups finished, groups total) as groups finish.
    public init(options: RankOptions, judge: any Judge, logger: Logger = Logger(label: "gavel"),
                progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.options = options
        self.judge = judge
        self.logger = logger
        self.progress = progress
    }

    /// Runs the whole pipeline. Input and output problems throw; judge problems are in the summary.
    public func run() async throws -> RankSummary {
        let start = ContinuousClock.now
        let inputs = try InputSet(paths: options.inputs)
        let index = try InputIndex.scan(inputs, rule: options.grouping, skipInvalid: options.skipInvalid, maxLineBytes: options.maxLineBytes)
        for skipped in index.skipped { logger.warning("skipped \(skipped)") }
        guard !index.groups.isEmpty else { throw InputError.noTrajectories(path: inputs.names.joined(separator: ", ")) }
        // Open the output before judging, so a bad output path costs no judge calls.
        let sink = try OutputSink(path: options.output)

        var summary = RankSummary()
        summary.groups = index.groups.count
        summary.trajectories = index.trajectoryCount
        summary.skippedLines = index.skipped.count

        let outcomes = await judgeAll(index: index, inputs: inputs, summary: &summary)
        try write(index: index, inputs: inputs, outcomes: outcomes, to: sink)
        try sink.finish()

        let caching = judge as? CachingJudge
        if let stats = ((caching?.inner ?? judge) as? ChatJudge)?.statistics { summary.judge = stats.snapshot }
        summary.cache = caching.map { $0.cache.statistics }
        summary.cachedGroups = outcomes.reduce(0) { $0 + ($1?.cached == true ? 1 : 0) }
        summary.wallSeconds = (ContinuousClock.now - start).seconds
        return summary
    }

    // MARK: Judge

    private func judgeAll(index: InputIndex, inputs: InputSet, summary: inout RankSummary) async -> [GroupOutcome?] {
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
        for g in outcomes.indices where outcomes[g] == nil {
            outcomes[g] = .failed(reason)
            summary.unjudgedGroups += 1
        }
        return outcomes
    }

    private func judgeGroup(_ g: Int, index: InputIndex, inputs: InputSet) async -> (Int, GroupOutcome, JudgeError?) {
        do {
            let trajectories = try await offload { try index.loadGroup(g, from: inputs) }
            // Judge in content-hash order, so the same group in another file order hits the cache.
            let order = CanonicalOrder.order(hashes: trajectories.map(CanonicalOrder.hash))
            let prompt = PromptBuilder(rubric: options.rubric.text).build(trajectories, order: order)
            let verdict = try await judge.judge(prompt)
            var scores = [Double](repeating: 0, count: trajectories.count)
            var explanations = [String](repeating: "", count: trajectories.count)
            for (i, members) in prompt.members.enumerated() {
                for m in members {
                    scores[m] = verdict.scores[i]
                    explanations[m] = verdict.explanations[i]
                }
            }
            let stats = GroupStatistics(scores: scores, mode: options.advantage)
            return (g, GroupOutcome(scores: scores, explanations: explanations, statistics: stats, cached: verdict.cached), nil)
        } catch let error as JudgeError {
            return (g, .failed(error.isCancellation ? "not judged: the run was interrupted" : error.description), error)
        } catch is CancellationError {
            return (g, .failed("not judged: the run was interrupted"), JudgeError.cancelled("cancelled"))
        } catch {
            let e = JudgeError.gaveUp("\(error)")
            return (g, .failed("\(error)"), e)
        }
    }

    // MARK: Write

    private func write(index: InputIndex, inputs: InputSet, outcomes: [GroupOutcome?], to sink: OutputSink) throws {
        let annotator = RecordAnnotator(judgeName: judge.name, advantage: options.advantage)
        var cursor = 0
        for file in inputs.names.indices {
            let name = inputs.names[file]
            let reader = try inputs.lineReader(file: file, maxLineBytes: options.maxLineBytes)
            try reader.forEachLine { line in
                guard cursor < index.records.count else { return false }
                let record = index.records[cursor]
                guard record.file == Int32(file), record.line == Int32(line.number) else { return true }
                cursor += 1
                let g = Int(record.group)
                let outcome = outcomes[g] ?? .failed("not judged")
                let key = index.groups[g].key
                let decoded: JSONValue
                do {
                    decoded = try JSONParser.parse(line.bytes)
                } catch {
                    throw InputError.invalidLine(path: name, line: line.number, "the line changed while Gavel was running: \(error)")
                }
                guard case .object(var object) = decoded else {
                    throw InputError.invalidLine(path: name, line: line.number, "the line changed while Gavel was running")
                }
                if record.member >= 0 {
                    annotator.annotate(&object, group: key, outcome: outcome, member: Int(record.member))
                } else if case .array(var items)? = object["trajectories"] {
                    for i in items.indices {
                        guard case .object(var t) = items[i] else { continue }
                        annotator.annotate(&t, group: key, outcome: outcome, member: i)
                        items[i] = .object(t)
                    }
                    object["trajectories"] = .array(items)
                }
                var w = JSONWriter(reservingCapacity: line.bytes.count + 512)
                w.write(object)
                try sink.writeLine(w.bytes)
                return true
            }
        }
    }
}
