import Foundation
import GavelSupport
import GavelTesting
import Synchronization
import Testing

@testable import Gavel
@testable import GavelCore
@testable import GavelJudge
@testable import GavelScoring

/// The coordinating process under a process pool: it judges and hands the judge's answers on; the
/// score stage (means, spreads, panel tables, fits, ranks, advantages) runs where the batches go.
@Suite("Score stage coordinator: the parent computes no score")
struct ScoreCoordinatorTests {
    /// A process pool without processes: each batch crosses as the pool's request frame and is
    /// answered by the worker's own handler, under the "worker's" meter.
    final class FrameExecutor: ScoreExecutor {
        let worker = ScoreMeter()
        let frames = Mutex<[[UInt8]]>([])
        var name: String { "process" }
        var batchesInFlight: Int { 3 }

        func encode(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) async throws -> ByteChunk {
            let request = ScorePoolMessages.encodeRequest(batch, context: context)
            frames.withLock { $0.append(request) }
            var reply: [UInt8] = []
            try ScoreMeter.$current.withValue(worker) {
                try ScorePoolMessages.handle(request, spans: SpanBuffer(), into: &reply)
            }
            return ByteChunk(reply)
        }
    }

    /// Five groups of five trajectories of known quality, as flat lines.
    static func input(_ dir: TempDir) throws -> String {
        var lines: [String] = []
        for g in 0..<5 {
            for m in 0..<5 {
                let q = Double((g * 7 + m * 3) % 19 + 1) / 20
                lines.append(
                    #"{"group_id":"g\#(g)","messages":[{"role":"user","content":"task \#(g)"},"#
                        + #"{"role":"assistant","content":"try \#(m) QUALITY=\#(q)"}]}"#)
            }
        }
        return try dir.write("in.jsonl", lines.joined(separator: "\n") + "\n")
    }

    enum Shape: String, CaseIterable {
        case samples, windows, panel, pairwise
    }

    static func options(_ shape: Shape, input: String, output: String) -> RankOptions {
        var o = RankOptions(inputs: [input], output: output, concurrency: 4, samples: shape == .samples ? 3 : 1, batchLines: 7)
        if shape == .windows { o.window = 3 }
        if shape == .pairwise { o.compare = .pairwise }
        return o
    }

    static func judge(_ shape: Shape) -> any Judge {
        guard shape == .panel else { return StubJudge.byText() }
        let skewed = StubJudge(name: "stub/skewed") { prompt in
            JudgeVerdict(scores: prompt.ids.indices.map { 1 - Double($0) / 10 }, explanations: prompt.ids.map { _ in "skewed" })
        }
        return PanelJudge(members: [StubJudge.byText(name: "stub/a"), skewed], combination: .median)
    }

    @Test(
        "with a process pool the parent computes no mean, fit, rank or advantage, and writes what inline writes", arguments: Shape.allCases)
    func parentComputesNothing(shape: Shape) async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        let executor = FrameExecutor()
        let parent = ScoreMeter()
        let pooled = RankPipeline(options: Self.options(shape, input: input, output: dir.path("pool.jsonl")), judge: Self.judge(shape)) {
            _ in executor
        }
        let summary = try await ScoreMeter.$current.withValue(parent) { try await pooled.run() }
        #expect(summary.judgedGroups == 5)

        // What the worker side computed: every group, once per batch its lines fall in.
        #expect(executor.worker[.group] >= 5 && executor.worker[.combine] == executor.worker[.group])
        #expect(executor.worker[.ranks] == executor.worker[.group])
        if shape == .windows || shape == .pairwise { #expect(executor.worker[.fit] == executor.worker[.group]) }
        if shape == .panel { #expect(executor.worker[.panel] == executor.worker[.group]) }
        // What the parent computed: nothing the output shows. A pairwise tournament alone averages each
        // pair's two orders and fits strengths to choose its next round (scheduling, not output).
        for kind in [ScoreMeter.Kind.group, .combine, .ranks, .fit, .panel] {
            #expect(parent[kind] == 0, "the parent computed \(kind) \(parent[kind]) times")
        }
        #expect(shape == .pairwise ? parent[.mean] > 0 : parent[.mean] == 0)
        // The frames carry the judge's answers, not scores: per group, its windows' samples.
        #expect(!executor.frames.withLock { $0 }.isEmpty)
        for frame in executor.frames.withLock({ $0 }) {
            let (batch, _) = try ScorePoolMessages.decodeRequest(frame)
            for case .success(let verdicts) in batch.groups.map(\.result) {
                #expect(verdicts.fused == (shape == .windows || shape == .pairwise))
                #expect(verdicts.answers.joined().count >= (shape == .samples ? 3 : 1))
            }
        }

        let inline = RankPipeline(options: Self.options(shape, input: input, output: dir.path("inline.jsonl")), judge: Self.judge(shape))
        _ = try await inline.run()
        #expect(try dir.read("pool.jsonl") == (try dir.read("inline.jsonl")))
    }

    @Test("--pool auto: the process pool from 128 MB of input, or from 32 MB when the stage fits windows")
    func autoThreshold() {
        func auto(_ mb: Int, fits: Bool) -> Bool {
            RankConfiguration.autoUsesProcessPool(.init(trajectories: 1, inputBytes: mb * 1_000_000, fitsWindows: fits))
        }
        #expect(!auto(64, fits: false) && !auto(127, fits: false) && auto(128, fits: false) && auto(1000, fits: false))
        #expect(!auto(16, fits: true) && auto(32, fits: true) && auto(128, fits: true))
    }

    @Test("scoring a group's answers: samples in member order, slots, first sample's explanations")
    func scoredSamples() {
        let verdicts = GroupVerdicts(
            count: 2, windows: [[0, 1]],
            answers: [
                [
                    GroupVerdicts.Answer(members: [[1], [0]], scores: [0.6, 0.2], explanations: ["b", "a"]),
                    GroupVerdicts.Answer(members: [[0], [1]], scores: [0.4, 0.8], explanations: ["later", "later"]),
                ]
            ], fused: false)
        let meter = ScoreMeter()
        let g = ScoreMeter.$current.withValue(meter) { verdicts.scored(advantage: .mean) }
        #expect(g.samples == [[0.2, 0.6], [0.4, 0.8]] && g.slots == [[1, 0], [0, 1]] && g.explanations == ["a", "b"])
        #expect(g.scores.ranks == [2, 1] && g.windows.isEmpty && g.panel.isEmpty)
        #expect(g.scores.advantages.map { ($0 * 1e9).rounded() / 1e9 } == [-0.2, 0.2])
        #expect(meter[.group] == 1 && meter[.combine] == 1 && meter[.ranks] == 1 && meter[.fit] == 0)
    }

    @Test("scoring windows: the fit fuses them, a panel's table averages each member over the prompts it answered")
    func scoredWindows() {
        let verdicts = GroupVerdicts(
            count: 3, windows: [[0, 1], [1, 2], [2, 0]],
            answers: [
                [GroupVerdicts.Answer(members: [[0], [1]], scores: [0.9, 0.1], explanations: ["x", "y"])],
                [
                    GroupVerdicts.Answer(
                        members: [[1], [0]], scores: [0.7, 0.3], explanations: ["z", "w"],
                        panel: [PanelScores(member: "openai/a", scores: [0.6, 0.4])])
                ],
                [GroupVerdicts.Answer(members: [[0], [1]], scores: [0.5, 0.5], panelMissing: ["openai/b"])],
            ], fused: true)
        let g = verdicts.scored(advantage: .grpo)
        #expect(g.windows == [2, 2, 2] && g.samples.count == 1 && g.slots.isEmpty)
        #expect(g.explanations == ["x", "y", "z"])
        #expect(g.scores.ranks[1] == 3 && g.scores.scores[1] < min(g.scores.scores[0], g.scores.scores[2]))
        #expect(g.panel.count == 1 && g.panel[0].scores[0].isNaN && g.panel[0].scores[1] == 0.4 && g.panel[0].scores[2] == 0.6)
        #expect(g.panelMissing == ["openai/b"])
    }
}
