import ArgumentParser
import Foundation
import Gavel

/// The score stage alone (combine samples, advantages, encode output records) in each executor.
struct ScoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "The score stage alone on N trajectories in groups of 8 with 3 samples, inline vs thread vs process; prints walls and speed-ups.",
        discussion: "Example: gavel-bench score --trajectories 1000000"
    )

    @Option var trajectories = 1_000_000
    @Option var groupSize = 8
    @Option(help: "Samples per group (3).") var samples = 3
    @Option var batchLines = 2048
    @Option(help: "Workers (threads or processes); default: active cores.") var workers: Int?
    @Option(help: "Modes to run, comma-separated.") var modes = "inline,thread,process"

    func run() async throws {
        let workers = self.workers ?? ProcessInfo.processInfo.activeProcessorCount
        let groups = trajectories / groupSize
        // Deterministic inputs: sample scores and ~400-byte ART-like records.
        var rng = SplitMix(seed: 99)
        let groupSamples = (0..<groups).map { _ in
            ScoreStage.GroupSamples(samples: (0..<samples).map { _ in (0..<groupSize).map { _ in Double(rng.next() % 1000) / 1000 } })
        }
        let filler = String(repeating: "lorem ipsum ", count: 16)
        var lines: [(bytes: [UInt8], location: ScoreStage.LineLocation?)] = []
        lines.reserveCapacity(groups * groupSize)
        for g in 0..<groups {
            for m in 0..<groupSize {
                let record = #"{"reward":0.0,"metrics":{"duration":1.5},"metadata":{"group_id":"g\#(g)"},"messages_and_choices":[{"role":"user","content":"task \#(g): \#(filler)"},{"finish_reason":"stop","index":0,"message":{"role":"assistant","content":"answer \#(m) \#(filler)"}}],"logs":[]}"#
                lines.append((Array(record.utf8), nil))
            }
        }
        // The records also go to a file, so worker processes can read their lines themselves, as in a real run.
        let folder = ".build/bench"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/score-records-\(lines.count).jsonl"
        var file: [UInt8] = []
        var offset = 0
        for i in lines.indices {
            lines[i].location = ScoreStage.LineLocation(path: path, offset: offset, length: lines[i].bytes.count)
            file.append(contentsOf: lines[i].bytes)
            file.append(0x0A)
            offset += lines[i].bytes.count + 1
        }
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let inputMB = Double(lines.reduce(0) { $0 + $1.bytes.count }) / 1e6
        let explanations = (0..<groupSize).map { "Trajectory \($0 + 1) reached the goal with one detour." }
        print(String(format: "score-stage benchmark: %d trajectories (%d groups × %d, %d samples, %.0f MB of records), %d workers",
                     lines.count, groups, groupSize, samples, inputMB, workers))
        var baseline: Double?
        for mode in modes.split(separator: ",").map(String.init) {
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
            // Annotate with the combined results, then encode in batches with a few in flight (as the pipeline does).
            var outBytes = 0
            var pending: [Task<ScoreChunk, any Error>] = []
            let context = ScoreStage.EncodeContext(judgeName: "openai/bench", advantage: .grpo)
            for start in stride(from: 0, to: lines.count, by: batchLines) {
                // A batch carries its groups' results once and each line's group slot and member
                // (as the pipeline builds them); the executor makes the annotations.
                let stop = min(lines.count, start + batchLines)
                let firstGroup = start / groupSize, lastGroup = (stop - 1) / groupSize
                var batch = EncodeBatch()
                for g in firstGroup...lastGroup {
                    batch.groups.append(EncodeBatch.Group(key: "g\(g)", scores: combined[g], explanations: explanations,
                                                          samples: groupSamples[g].samples, count: groupSize))
                }
                for t in start..<stop {
                    batch.lines.append(EncodeBatch.Line(bytes: lines[t].bytes, location: lines[t].location, slot: t / groupSize - firstGroup, member: t % groupSize))
                }
                if executor.batchesInFlight <= 1 {
                    outBytes += consume(try await executor.encode(batch, context: context))
                    continue
                }
                let b = batch
                pending.append(Task { try await executor.encode(b, context: context) })
                if pending.count >= executor.batchesInFlight { outBytes += consume(try await pending.removeFirst().value) }
            }
            for p in pending { outBytes += consume(try await p.value) }
            let wall = now() - t0, cpu = cpuSeconds() - cpu0
            let children0 = childCPUSeconds()
            await executor.shutdown()
            let workerCPU = childCPUSeconds() - children0
            let base = baseline ?? wall
            baseline = base
            print(String(format: "  %-8@ wall %6.2f s   %5.2f× inline   CPU: this process %5.2f s, workers %5.2f s   (%.0f MB out)",
                         mode as NSString, wall, base / wall, cpu, workerCPU, Double(outBytes) / 1e6))
        }
    }
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
