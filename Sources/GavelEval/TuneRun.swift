import Foundation
import Gavel
import GavelCore
import GavelIO
import GavelJSON
import GavelSupport
import Logging

/// `gavel tune`: ranks a sample of labelled groups once per candidate judge mode, through the
/// same `RankRun` as `gavel rank` (so every answer lands in the cache a later rank reads), and
/// measures each candidate's output with `gavel eval`'s code against the truth.
public final class TuneRun: Sendable {
    /// What to try, on what, within what budget.
    public struct Configuration: Sendable {
        /// The runs' settings (judge, rubric, cache, grouping, concurrency); inputs are the labelled files.
        public var rank: RankConfiguration
        /// Dotted path of the truth on each trajectory (higher is better).
        public var truthPath: String
        public var candidates: [TuneCandidate]
        /// Groups to try (a deterministic sample by key hash); nil for every group.
        public var groups: Int?
        /// Seed of the group sample.
        public var seed: UInt64 = 1
        /// Stop starting candidates once this many judge calls were made (nil: no limit).
        public var maxCalls: Int?
        /// Stop starting candidates once this many seconds have passed (nil: no limit).
        public var budgetSeconds: Double?
        /// Where each candidate's ranked output is kept (nil: a temporary folder, removed after).
        public var outputDirectory: String?
        public var bootstrap = Bootstrap()

        public init(rank: RankConfiguration, truthPath: String, candidates: [TuneCandidate]) {
            self.rank = rank
            self.truthPath = truthPath
            self.candidates = candidates
        }
    }

    /// A candidate's planned calls, tokens and price (`gavel tune --dry-run`).
    public struct Estimate: Sendable {
        public var candidate: TuneCandidate
        public var plan: RankPlan
        public var cost: Double?
    }

    public let configuration: Configuration
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger = Logger(label: "gavel")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs every candidate (until a budget is spent) and measures it; `starting` is told each
    /// candidate as it begins (index, total) and may return an observer for its run's progress.
    public func run(
        starting: @Sendable (Int, Int, TuneCandidate) -> (any RankObserver)? = { _, _, _ in nil }
    ) async throws(RankFailure) -> TuneResult {
        let work = try Workspace(configuration.outputDirectory)
        defer { work.remove() }
        let sample = try self.sample(into: work.path("groups.jsonl"))
        let start = ContinuousClock.now
        var rows: [TuneResult.Row] = []
        var calls = 0
        let total = configuration.candidates.count
        for (i, candidate) in configuration.candidates.enumerated() {
            var row = TuneResult.Row(candidate: candidate)
            if let limit = configuration.maxCalls, calls >= limit {
                row.skipped = "the call budget (\(limit)) was spent"
            } else if let limit = configuration.budgetSeconds, (ContinuousClock.now - start).seconds >= limit {
                row.skipped = "the time budget (\(Int(limit)) s) was spent"
            }
            if row.skipped != nil {
                rows.append(row)
                continue
            }
            let output = work.path(candidate.fileName + ".jsonl")
            let run = try RankRun(
                configuration: rankConfiguration(candidate, input: sample.path, output: output), observer: starting(i, total, candidate),
                logger: logger)
            let summary = try await run.run()
            if summary.interrupted || summary.fatalError != nil {
                // What was measured before stays; the candidate cut short is not measured.
                var result = TuneResult(
                    rows: rows, groups: sample.groups, files: configuration.rank.pipeline.inputs, truthPath: configuration.truthPath)
                result.interrupted = summary.interrupted
                result.fatalError = summary.fatalError
                return result
            }
            calls += summary.judge.calls
            row.calls = summary.judge.calls
            row.judgedGroups = summary.judgedGroups
            row.failedGroups = summary.failedGroups + summary.unjudgedGroups
            let groups = Double(max(1, summary.judgedGroups))
            if summary.judgedGroups > 0 {
                row.inputTokensPerGroup = Double(summary.answerUsage.prompt) / groups
                row.outputTokensPerGroup = Double(summary.answerUsage.completion) / groups
                row.secondsPerGroup = summary.answerSeconds / groups
                row.costPerGroup = run.cost(summary.answerUsage).map { $0 / groups }
            }
            do {
                let (read, missing) = try RankedFiles.read([output], truthPath: outputTruthPath)
                row.evaluation = JudgeEvaluation(
                    files: [output], groups: read, truthPath: configuration.truthPath, truthMissing: missing,
                    bootstrap: configuration.bootstrap)
            } catch {
                throw RankFailure(error)
            }
            rows.append(row)
        }
        return TuneResult(rows: rows, groups: sample.groups, files: configuration.rank.pipeline.inputs, truthPath: configuration.truthPath)
    }

    /// Each candidate's planned calls, tokens and price on the sample, calling no judge.
    public func estimates() async throws(RankFailure) -> [Estimate] {
        let work = try Workspace(nil)
        defer { work.remove() }
        let sample = try self.sample(into: work.path("groups.jsonl"))
        var out: [Estimate] = []
        for candidate in configuration.candidates {
            let run = try RankRun(
                configuration: rankConfiguration(candidate, input: sample.path, output: nil), callsJudge: false, logger: logger)
            let plan = try await run.plan()
            out.append(Estimate(candidate: candidate, plan: plan, cost: run.cost(plan.usage)))
        }
        return out
    }

    /// Where the truth is in the ranked output: where it was in the input, except `reward`, which
    /// ranking replaces by the judge's score and keeps in `metrics.independent_reward` (as ART does).
    var outputTruthPath: String { configuration.truthPath == "reward" ? "metrics.independent_reward" : configuration.truthPath }

    /// The rank configuration of one candidate: the user's, on the sample, in the candidate's mode.
    private func rankConfiguration(_ candidate: TuneCandidate, input: String, output: String?) -> RankConfiguration {
        var c = configuration.rank
        c.pipeline.inputs = [input]
        c.pipeline.output = output
        c.pipeline.outputDirectory = nil
        c.pipeline.shard = nil
        c.answer = candidate.mode.answer
        c.grade = candidate.mode.grade
        c.compare = candidate.compare
        c.samples = candidate.samples
        return c
    }

    /// Writes the sampled groups' lines to `path` (in input order; the same lines, so the same
    /// prompts and cache entries as ranking the files); checks the truth is there.
    private func sample(into path: String) throws(RankFailure) -> (path: String, groups: Int) {
        let rank = configuration.rank.pipeline
        do {
            let truth = configuration.truthPath
            if truth == "metrics.ruler_score" || truth == "gavel" || truth.hasPrefix("gavel.") {
                throw ConfigurationError(
                    "\(truth) is what gavel rank writes, not a known truth: name a label the input carries", setting: .truth)
            }
            let inputs = try InputSet(paths: rank.inputs)
            let index = try InputIndex.scan(inputs, rule: rank.grouping, skipInvalid: rank.skipInvalid, maxLineBytes: rank.maxLineBytes)
            guard !index.groups.isEmpty else { throw InputError.noTrajectories(path: inputs.names.joined(separator: ", ")) }
            var chosen = Array(index.groups.indices)
            if let n = configuration.groups, n < chosen.count {
                let seed = configuration.seed
                let ranked = chosen.sorted { Self.hash(index.groups[$0].key, seed) < Self.hash(index.groups[$1].key, seed) }
                chosen = Array(ranked.prefix(n)).sorted()
            }
            let keep = Set(chosen)
            var out: [UInt8] = []
            var withTruth = 0
            for record in index.records where keep.contains(Int(record.group)) {
                let bytes = try inputs.lineBytes(record)
                out += bytes
                out.append(0x0A)
                if case .object(let o) = try? JSONParser.parse(bytes) {
                    let members = o["trajectories"]?.arrayValue?.compactMap(\.objectValue) ?? [o]
                    withTruth += members.count { t in
                        JSONValue.object(t).value(atPath: configuration.truthPath).flatMap(RankedFiles.number) != nil
                    }
                }
            }
            guard withTruth > 0 else {
                throw ConfigurationError(
                    "no trajectory of the \(chosen.count) groups has a number at \(configuration.truthPath): gavel tune measures "
                        + "modes against a known truth (a dotted path on each trajectory, e.g. metadata.quality)",
                    setting: .truth)
            }
            guard FileManager.default.createFile(atPath: path, contents: Data(out)) else {
                throw OutputError("cannot write the sample of groups to \(path)")
            }
            return (path, chosen.count)
        } catch {
            throw RankFailure(error)
        }
    }

    /// FNV-1a over the key's bytes and the seed: a sample order that needs no randomness source.
    static func hash(_ key: String, _ seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in key.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }
}

/// The folder a tuning writes into: the user's, or a temporary one removed at the end.
private struct Workspace {
    let directory: String
    let temporary: Bool

    init(_ directory: String?) throws(RankFailure) {
        if let directory {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .configuration("cannot create the output folder \(directory): \(error.localizedDescription)", nil)
            }
            self.directory = directory
            temporary = false
        } else {
            let dir = NSTemporaryDirectory() + "/gavel-tune-\(UUID().uuidString)"
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw .configuration("cannot create a temporary folder: \(error.localizedDescription)", nil)
            }
            self.directory = dir
            temporary = true
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func remove() {
        if temporary { try? FileManager.default.removeItem(atPath: directory) }
    }
}
