import ArgumentParser
import Foundation
@_spi(Benchmarks) import Gavel
import GavelPool
import GavelScoring
import GavelSupport
import GavelTesting

/// The score stage (combine samples, advantages, encode and write output records) in each executor,
/// timed through `RankPipeline` itself with given verdicts instead of a judge, so it times the path production takes.
struct ScoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract:
            "The score stage on N trajectories in groups of 8 with 3 samples, through the production pipeline with given verdicts: "
            + "inline vs thread vs process.",
        discussion: """
            Examples:
              gavel-bench score --trajectories 1000000 --rounds 3
              gavel-bench score --sizes-mb 16,64,128,256,512 --modes inline,process      # where the pool pays
              gavel-bench score --trajectories 200000 --group-size 64 --window 16          # windows: a fit per group
            """
    )

    @Option var trajectories = 1_000_000
    @Option var groupSize = 8
    @Option(help: "Samples per group (3).") var samples = 3
    @Option var batchLines = 2048
    @Option(help: "Judge groups in windows of this size, fused by a Bradley–Terry fit in the score stage (0: whole groups).")
    var window = 0
    @Option(help: "A table over input sizes (MB of records, comma-separated) instead of one --trajectories run.")
    var sizesMb: String?
    @Option(help: "Workers (threads or processes); default: active cores.") var workers: Int?
    @Option(help: "Modes to run, comma-separated; the first is the baseline.") var modes = "inline,thread,process"
    @Option(help: "Rounds; each runs every mode once, and the summary compares median walls.") var rounds = 3
    @Option(help: "Another gavel binary (an older build): both rank the records file end to end from a warm cache, per mode, alternating.")
    var baselineGavel: String?

    func run() async throws {
        guard let sizesMb else { return _ = try await measure(trajectories: trajectories) }
        let sizes = sizesMb.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty else { throw BenchError("--sizes-mb wants sizes in MB, e.g. 16,64,256") }
        var table: [(Double, [String: (wall: Double, stage: Double)])] = []
        for mb in sizes {
            // A record is ~623 bytes (the 1,000,000-trajectory file is 623 MB).
            let n = max(groupSize, Int(mb * 1e6 / 623) / groupSize * groupSize)
            table.append((mb, try await measure(trajectories: n)))
            print()
        }
        let modeList = modes.split(separator: ",").map(String.init)
        print(
            "where the pool pays (\(groupSize) per group, \(samples) samples\(window > 0 ? ", windows of \(window)" : ""); "
                + "medians of \(max(1, rounds)) interleaved rounds; wall includes indexing):")
        print(
            "  input     " + modeList.map { "\($0.padding(toLength: 8, withPad: " ", startingAt: 0)) wall" }.joined(separator: "   ")
                + "   "
                + modeList.dropFirst().map { "\($0)/\(modeList[0])" }.joined(separator: "   "))
        for (mb, medians) in table {
            let base = medians[modeList[0]]?.wall ?? 1
            print(
                String(format: "  %5.0f MB ", mb) + modeList.map { String(format: "%8.2f s    ", medians[$0]?.wall ?? 0) }.joined()
                    + modeList.dropFirst().map { String(format: "%9.2f×     ", (medians[$0]?.wall ?? 0) / base) }.joined())
        }
    }

    /// Runs every mode on a file of `trajectories` records; each mode's median wall and stage.
    func measure(trajectories: Int) async throws -> [String: (wall: Double, stage: Double)] {
        let workers = self.workers ?? ProcessInfo.processInfo.activeProcessorCount
        let groupSize = self.groupSize, samples = self.samples, batchLines = self.batchLines, window = self.window
        let groups = trajectories / groupSize
        let filler = String(repeating: "lorem ipsum ", count: 16)
        // ~400-byte ART-like records in a file, as in a real run.
        let folder = ".build/bench"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/score-records-\(groups * groupSize).jsonl"
        let outPath = "\(folder)/score-out-\(getpid()).jsonl"
        var file: [UInt8] = []
        for g in 0..<groups {
            for m in 0..<groupSize {
                let record =
                    #"{"reward":0.0,"metrics":{"duration":1.5},"metadata":{"group_id":"g\#(g)"},"#
                    + #""messages_and_choices":[{"role":"user","content":"task \#(g): \#(filler)"},{"finish_reason":"stop","#
                    + #""index":0,"message":{"role":"assistant","content":"answer \#(m) \#(filler)"}}],"logs":[]}"#
                file.append(contentsOf: record.utf8)
                file.append(0x0A)
            }
        }
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: outPath)
        }
        let inputMB = Double(file.count) / 1e6
        file = []
        print(
            String(
                format: "score-stage benchmark: %d trajectories (%d groups × %d, %d samples, %.0f MB of records), %d workers",
                groups * groupSize, groups, groupSize, samples, inputMB, workers))
        print("  the production path: RankPipeline with given verdicts (no judge); stage = wall − input indexing")
        let modeList = modes.split(separator: ",").map(String.init)
        let explanations = (0..<groupSize).map { "Trajectory \($0 + 1) reached the goal with one detour." }
        let windows = window > 0 ? WindowPlan.windows(canonical: Array(0..<groupSize), size: window) : [Array(0..<groupSize)]

        /// One timed run of the pipeline with its score stage in `mode`.
        func time(_ mode: String) async throws -> Run {
            let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gavel").path
            let factory: RankPipeline.ExecutorFactory = { _ in
                switch mode {
                case "inline": return InlineScoreExecutor()
                case "thread": return ThreadScoreExecutor(threads: workers)
                case "process": return ProcessScoreExecutor(pool: try ProcessPool(configuration: .init(executable: exe, workers: workers)))
                default: throw BenchError("unknown mode \(mode)")
                }
            }
            let options = RankOptions(inputs: [path], output: outPath, concurrency: 256, samples: samples, batchLines: batchLines)
            let pipeline = RankPipeline(options: options, judge: StubJudge.byText(name: "openai/bench"), executor: factory)
            let t0 = now(), cpu0 = cpuSeconds(), children0 = childCPUSeconds()
            let summary = try await pipeline.run { key, members in
                // Deterministic answers per group, as a judge would have given them: per window, its
                // samples, each showing the window's members in order.
                var rng = SplitMix64(seed: key.utf8.reduce(UInt64(7)) { $0 &* 31 &+ UInt64($1) })
                let shown = members == groupSize ? windows : [Array(0..<members)]
                let answers = shown.map { window in
                    (0..<samples).map { k in
                        GroupVerdicts.Answer(
                            members: window.indices.map { [$0] }, scores: window.map { _ in Double(rng.next() % 1000) / 1000 },
                            explanations: k == 0 ? window.map { explanations[$0 % explanations.count] } : [])
                    }
                }
                return GroupVerdicts(count: members, windows: shown, answers: answers, fused: shown.count > 1)
            }
            let wall = now() - t0, cpu = cpuSeconds() - cpu0
            guard summary.isComplete else { throw BenchError("the \(mode) run did not judge every group") }
            let outBytes = (try? FileManager.default.attributesOfItem(atPath: outPath))?[.size] as? Int ?? 0
            return Run(wall: wall, index: summary.indexSeconds, cpu: cpu, workerCPU: childCPUSeconds() - children0, outBytes: outBytes)
        }

        // Rounds interleave the modes, so a slow spell of this shared machine hits every mode alike;
        // the summary compares medians.
        var runs: [String: [Run]] = [:]
        for round in 1...max(1, rounds) {
            for mode in modeList {
                let r = try await time(mode)
                runs[mode, default: []].append(r)
                let base = runs[modeList[0]]?[round - 1].stage ?? r.stage
                print(
                    String(
                        format:
                            "  round %d  %-8@ wall %6.2f s  stage %6.2f s  %5.2f× %@   index %5.2f s   CPU: this process %5.2f s, "
                            + "workers %5.2f s   (%.0f MB out)",
                        round, mode as NSString, r.wall, r.stage, base / r.stage, modeList[0] as NSString, r.index, r.cpu, r.workerCPU,
                        Double(r.outBytes) / 1e6))
            }
        }
        let medians = modeList.map { mode in median(runs[mode, default: []].map(\.stage)) }
        print("median stage wall over \(max(1, rounds)) round(s), speed-up against \(modeList[0]):")
        for (i, mode) in modeList.enumerated() {
            let stages = runs[mode, default: []].map(\.stage)
            print(
                String(
                    format: "  %-8@ %6.2f s  (%.2f–%.2f)   %5.2f× %@", mode as NSString, medians[i], stages.min() ?? 0, stages.max() ?? 0,
                    medians[0] / medians[i], modeList[0] as NSString))
        }
        if let t = modeList.firstIndex(of: "thread"), let p = modeList.firstIndex(of: "process") {
            print(String(format: "  process / thread stage wall: %.2f", medians[p] / medians[t]))
        }
        if let baselineGavel { try compare(with: baselineGavel, path: path, modes: modeList, workers: workers) }
        return Dictionary(
            uniqueKeysWithValues: modeList.map { mode in
                (mode, (wall: median(runs[mode, default: []].map(\.wall)), stage: median(runs[mode, default: []].map(\.stage))))
            })
    }

    /// This build's `gavel rank` against another build's on the records file, fully answered from a
    /// warm cache (so no judge time): index, cache reads, combining, the score stage and the output,
    /// as a user's rerun does them. Runs alternate between the builds.
    private func compare(with baseline: String, path: String, modes: [String], workers: Int) throws {
        let sim = try SimulatorProcess(arguments: ["--latency-ms", "0", "--threads", "2"])
        defer { sim.stop() }
        let cache = ".build/bench/score-cache-\(getpid())", out = ".build/bench/score-rank-out-\(getpid()).jsonl"
        defer {
            try? FileManager.default.removeItem(atPath: cache)
            try? FileManager.default.removeItem(atPath: out)
        }
        let common = [
            "rank", path, "-o", out, "--judge", "openai/bench", "--api-base", sim.baseURL, "--cache-dir", cache, "--workers",
            String(workers),
        ]
        let warm = try runChild("gavel", common + ["--concurrency", "64", "-q"])
        guard warm.status == 0 else { throw BenchError("warming the cache failed: \(warm.stderr.suffix(500))") }
        print("end to end from a warm cache, this build vs \(baseline) (median of \(max(1, rounds)) alternating runs each):")
        for mode in modes {
            var runs: [String: [ChildRun]] = [:]
            for _ in 0..<max(1, rounds) {
                for (name, binary) in [("baseline", baseline), ("this", "gavel")] {
                    let r = try runChild(binary, common + ["--pool", mode, "--progress-interval", "3600"])
                    guard r.status == 0, r.stderr.contains(" 0 misses") else {
                        throw BenchError("\(name) \(mode) run was not fully cached: \(r.stderr.suffix(500))")
                    }
                    runs[name, default: []].append(r)
                }
            }
            let w0 = median(runs["baseline", default: []].map(\.wall)), w1 = median(runs["this", default: []].map(\.wall))
            let c0 = median(runs["baseline", default: []].map(\.cpu)), c1 = median(runs["this", default: []].map(\.cpu))
            print(
                String(
                    format: "  %-8@ wall %6.2f s vs %6.2f s (%.3f×)   CPU %6.2f s vs %6.2f s (%.3f×)", mode as NSString, w1, w0, w1 / w0,
                    c1, c0, c1 / c0))
        }
    }
}

/// One timed run of one mode.
struct Run {
    var wall: Double
    /// Seconds spent indexing the input, before the stage starts.
    var index: Double
    var cpu: Double
    var workerCPU: Double
    var outBytes: Int
    /// The judge-and-score stage: the wall less indexing.
    var stage: Double { wall - index }
}

/// The median of `values` (the mean of the middle two for an even count).
func median(_ values: [Double]) -> Double {
    let v = values.sorted()
    guard !v.isEmpty else { return 0 }
    return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
}
