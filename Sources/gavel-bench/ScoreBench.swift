import ArgumentParser
import Foundation
import Gavel

/// The score stage alone (combine samples, advantages, encode output records) in each executor.
struct ScoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "The score stage alone on N trajectories in groups of 8 with 3 samples, inline vs thread vs process; prints walls and speed-ups.",
        discussion: "Example: gavel-bench score --trajectories 1000000 --rounds 3"
    )

    @Option var trajectories = 1_000_000
    @Option var groupSize = 8
    @Option(help: "Samples per group (3).") var samples = 3
    @Option var batchLines = 2048
    @Option(help: "Workers (threads or processes); default: active cores.") var workers: Int?
    @Option(help: "Modes to run, comma-separated; the first is the baseline.") var modes = "inline,thread,process"
    @Option(help: "Rounds; each runs every mode once, and the summary compares median walls.") var rounds = 3

    func run() async throws {
        let workers = self.workers ?? ProcessInfo.processInfo.activeProcessorCount
        // Plain locals: the timed loops must not pay for reading argument-parser property wrappers.
        let groupSize = self.groupSize, samples = self.samples, batchLines = self.batchLines
        let groups = trajectories / groupSize
        // Deterministic inputs: sample scores and ~400-byte ART-like records.
        var rng = SplitMix(seed: 99)
        let groupSamples = (0..<groups).map { _ in
            ScoreStage.GroupSamples(samples: (0..<samples).map { _ in (0..<groupSize).map { _ in Double(rng.next() % 1000) / 1000 } })
        }
        let filler = String(repeating: "lorem ipsum ", count: 16)
        // The records go to a file, as in a real run: every executor reads its batches' spans from it
        // (the pipeline hands executors byte ranges, not lines).
        let folder = ".build/bench"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/score-records-\(groups * groupSize).jsonl"
        var file: [UInt8] = []
        var lines: [(offset: Int, length: Int)] = []
        lines.reserveCapacity(groups * groupSize)
        for g in 0..<groups {
            for m in 0..<groupSize {
                let record = #"{"reward":0.0,"metrics":{"duration":1.5},"metadata":{"group_id":"g\#(g)"},"messages_and_choices":[{"role":"user","content":"task \#(g): \#(filler)"},{"finish_reason":"stop","index":0,"message":{"role":"assistant","content":"answer \#(m) \#(filler)"}}],"logs":[]}"#
                lines.append((file.count, record.utf8.count))
                file.append(contentsOf: record.utf8)
                file.append(0x0A)
            }
        }
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let inputMB = Double(file.count - lines.count) / 1e6
        file = []
        let explanations = (0..<groupSize).map { "Trajectory \($0 + 1) reached the goal with one detour." }
        print(String(format: "score-stage benchmark: %d trajectories (%d groups × %d, %d samples, %.0f MB of records), %d workers",
                     lines.count, groups, groupSize, samples, inputMB, workers))
        let modeList = modes.split(separator: ",").map(String.init)
        let context = ScoreStage.EncodeContext(judgeName: "openai/bench", advantage: .grpo)

        /// One timed run of the score stage in `mode`.
        func measure(_ mode: String) async throws -> Run {
            let executor: any ScoreExecutor
            switch mode {
            case "inline": executor = InlineScoreExecutor()
            case "thread": executor = ThreadScoreExecutor(threads: workers)
            case "process":
                let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gavel").path
                executor = ProcessScoreExecutor(pool: try ProcessPool(configuration: .init(executable: exe, workers: workers)))
            default: throw BenchError("unknown mode \(mode)")
            }
            let t0 = now(), cpu0 = cpuSeconds()
            let combined = try await executor.combine(groupSamples, mode: .grpo)
            let combineWall = now() - t0
            // Annotate with the combined results, then encode in batches with a few in flight (as the pipeline does).
            var outBytes = 0
            var pending: [Task<ScoreChunk, any Error>] = []
            for start in stride(from: 0, to: lines.count, by: batchLines) {
                // A batch carries its groups' results once and each line's byte range, group slot and
                // member (as the pipeline builds them); the executor reads the lines and annotates them.
                let stop = min(lines.count, start + batchLines)
                let firstGroup = start / groupSize, lastGroup = (stop - 1) / groupSize
                var batch = EncodeBatch(source: .file(path))
                for g in firstGroup...lastGroup {
                    batch.groups.append(EncodeBatch.Group(key: "g\(g)", scores: combined[g], explanations: explanations,
                                                          samples: groupSamples[g].samples, count: groupSize))
                }
                for t in start..<stop {
                    batch.lines.append(EncodeBatch.Line(offset: lines[t].offset, length: lines[t].length, slot: t / groupSize - firstGroup, member: t % groupSize))
                }
                pending.append(executor.start(batch, context: context))
                if pending.count >= executor.batchesInFlight { outBytes += consume(try await pending.removeFirst().value) }
            }
            for p in pending { outBytes += consume(try await p.value) }
            let wall = now() - t0, cpu = cpuSeconds() - cpu0
            let children0 = childCPUSeconds()
            await executor.shutdown()
            return Run(wall: wall, combine: combineWall, cpu: cpu, workerCPU: childCPUSeconds() - children0, outBytes: outBytes)
        }

        // Rounds interleave the modes, so a slow spell of this shared machine hits every mode alike;
        // the summary compares medians.
        var runs: [String: [Run]] = [:]
        for round in 1...max(1, rounds) {
            for mode in modeList {
                let r = try await measure(mode)
                runs[mode, default: []].append(r)
                let base = runs[modeList[0]]?[round - 1].wall ?? r.wall
                print(String(format: "  round %d  %-8@ wall %6.2f s  %5.2f× %@   combine %5.2f s   CPU: this process %5.2f s, workers %5.2f s   (%.0f MB out)",
                             round, mode as NSString, r.wall, base / r.wall, modeList[0] as NSString, r.combine, r.cpu, r.workerCPU, Double(r.outBytes) / 1e6))
            }
        }
        let medians = modeList.map { mode in median(runs[mode, default: []].map(\.wall)) }
        print("median wall over \(max(1, rounds)) round(s), speed-up against \(modeList[0]):")
        for (i, mode) in modeList.enumerated() {
            let walls = runs[mode, default: []].map(\.wall)
            print(String(format: "  %-8@ %6.2f s  (%.2f–%.2f)   %5.2f× %@", mode as NSString, medians[i], walls.min() ?? 0, walls.max() ?? 0,
                         medians[0] / medians[i], modeList[0] as NSString))
        }
        if let t = modeList.firstIndex(of: "thread"), let p = modeList.firstIndex(of: "process") {
            print(String(format: "  process / thread wall: %.2f", medians[p] / medians[t]))
        }
    }
}

/// One timed run of one mode.
struct Run {
    var wall: Double
    var combine: Double
    var cpu: Double
    var workerCPU: Double
    var outBytes: Int
}

/// The median of `values` (the mean of the middle two for an even count).
func median(_ values: [Double]) -> Double {
    let v = values.sorted()
    guard !v.isEmpty else { return 0 }
    return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
}

/// Takes a chunk as an output sink would (its size), then releases it.
func consume(_ chunk: ScoreChunk) -> Int {
    defer { chunk.release() }
    return chunk.withUnsafeBytes { $0.count }
}

/// A small deterministic generator.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
