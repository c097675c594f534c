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
    @Option var samples = 3
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
        var lines: [ScoreStage.LineJob] = []
        lines.reserveCapacity(groups * groupSize)
        for g in 0..<groups {
            for m in 0..<groupSize {
                let record = #"{"reward":0.0,"metrics":{"duration":1.5},"metadata":{"group_id":"g\#(g)"},"messages_and_choices":[{"role":"user","content":"task \#(g): \#(filler)"},{"finish_reason":"stop","index":0,"message":{"role":"assistant","content":"answer \#(m) \#(filler)"}}],"logs":[]}"#
                var a = ScoreStage.Annotation(group: "g\(g)")
                a.explanation = "Trajectory \(m + 1) reached the goal with one detour."
                lines.append(ScoreStage.LineJob(bytes: Array(record.utf8), isGroupLine: false, annotations: [a]))
            }
        }
        let inputMB = Double(lines.reduce(0) { $0 + $1.bytes.count }) / 1e6
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
            let t0 = now()
            let combined = try await executor.combine(groupSamples, mode: .grpo)
            // Annotate with the combined results, then encode in batches with a few in flight (as the pipeline does).
            var outBytes = 0
            var pending: [Task<[UInt8], any Error>] = []
            let context = ScoreStage.EncodeContext(judgeName: "openai/bench", advantage: .grpo)
            for start in stride(from: 0, to: lines.count, by: batchLines) {
                var batch = Array(lines[start..<min(lines.count, start + batchLines)])
                for i in batch.indices {
                    let t = start + i, g = t / groupSize, m = t % groupSize
                    batch[i].annotations[0].score = combined[g].scores[m]
                    batch[i].annotations[0].spread = combined[g].spread[m]
                    batch[i].annotations[0].rank = combined[g].ranks[m]
                    batch[i].annotations[0].advantage = combined[g].advantages[m]
                    batch[i].annotations[0].samples = groupSamples[g].samples.map { $0[m] }
                }
                if executor.batchesInFlight <= 1 {
                    outBytes += try await executor.encode(batch, context: context).count
                    continue
                }
                let b = batch
                pending.append(Task { try await executor.encode(b, context: context) })
                if pending.count >= executor.batchesInFlight { outBytes += try await pending.removeFirst().value.count }
            }
            for p in pending { outBytes += try await p.value.count }
            let wall = now() - t0
            await executor.shutdown()
            let base = baseline ?? wall
            baseline = base
            print(String(format: "  %-8@ wall %6.2f s   %5.2f× inline   (%.0f MB out)", mode as NSString, wall, base / wall, Double(outBytes) / 1e6))
        }
    }
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
