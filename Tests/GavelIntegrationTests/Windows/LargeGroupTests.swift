import Foundation
import GavelSupport
import GavelTesting
import Testing

@testable import Gavel
@testable import GavelCache

/// Large groups against the simulator: windows, the fit, the cache, and judges with a small context.
@Suite("Large groups against the simulator")
struct LargeGroupTests {
    /// Groups of `size` with distinct QUALITY values, written to `name`.
    static func input(_ dir: TempDir, _ name: String, groups: Int, size: Int, filler: Int = 0, shuffled: Bool = false) throws -> String {
        try dir.write(name, QualityGroups.lines(groups: groups, size: size, filler: filler, shuffled: shuffled))
    }

    static func spearmanByGroup(_ path: String) throws -> [String: Double] {
        var byGroup: [String: [(Double, Double)]] = [:]
        for o in try parseJSONL(try String(contentsOfFile: path, encoding: .utf8)) {
            let g = o["gavel"] as? [String: Any] ?? [:]
            let truth = (o["metrics"] as? [String: Any])?["independent_reward"] as? Double ?? -1
            byGroup[g["group"] as? String ?? "", default: []].append((g["score"] as? Double ?? -1, truth))
        }
        return byGroup.mapValues { spearman($0.map(\.0), $0.map(\.1)) }
    }

    @Test("groups of 64 and 256 at window 16: Spearman ≥ 0.98, every trajectory in ≥ 2 windows, ≤ 3n/16 calls; a reshuffle costs 0 calls")
    func largeGroups() async throws {
        let dir = try TempDir()
        let cache = try JudgeCache(directory: dir.path("cache"))
        for size in [64, 256] {
            let input = try Self.input(dir, "in-\(size).jsonl", groups: 2, size: size)
            try await withSimulator { sim in
                let judge = CachingJudge(try simulatorJudge(sim), cache: cache)
                let options = RankOptions(inputs: [input], output: dir.path("out-\(size).jsonl"), concurrency: 16, window: 16)
                let summary = try await RankPipeline(options: options, judge: judge).run()
                #expect(summary.isComplete)
                #expect(sim.stats.snapshot.requests <= 2 * 3 * size / 16, "\(sim.stats.snapshot.requests) calls for 2 groups of \(size)")
                for (g, rho) in try Self.spearmanByGroup(dir.path("out-\(size).jsonl")) {
                    #expect(rho >= 0.98, "group \(g) of \(size): Spearman \(rho)")
                }
                let windows = try parseJSONL(try dir.read("out-\(size).jsonl")).map {
                    ($0["gavel"] as? [String: Any])?["windows"] as? Int ?? 0
                }
                #expect(windows.allSatisfy { $0 >= 2 })

                sim.stats.reset()
                let shuffled = try Self.input(dir, "shuffled-\(size).jsonl", groups: 2, size: size, shuffled: true)
                var again = options
                again.inputs = [shuffled]
                again.output = dir.path("again-\(size).jsonl")
                let rerun = try await RankPipeline(options: again, judge: judge).run()
                #expect(rerun.isComplete)
                #expect(sim.stats.snapshot.requests == 0, "a reshuffled file called the judge again")
            }
        }
    }

    @Test("a group whose prompt exceeds --max-prompt-tokens is judged in windows, though smaller than --window")
    func tokenBudget() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir, "long.jsonl", groups: 1, size: 12, filler: 120)
        try await withSimulator { sim in
            let options = RankOptions(inputs: [input], output: dir.path("out.jsonl"), window: 16, maxPromptTokens: 2500)
            let summary = try await RankPipeline(options: options, judge: try simulatorJudge(sim)).run()
            #expect(summary.isComplete)
            #expect(sim.stats.snapshot.requests > 1, "the group went out whole")
            #expect(sim.stats.snapshot.recentBodies.allSatisfy { $0.utf8.count / 4 < 2500 + 500 })
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.allSatisfy { (($0["gavel"] as? [String: Any])?["windows"] as? Int ?? 0) >= 2 })
        // A group of 256 under a window of 256 (so the size alone would not split it): the token budget does.
        let big = try Self.input(dir, "big.jsonl", groups: 1, size: 256)
        try await withSimulator { sim in
            let options = RankOptions(inputs: [big], output: dir.path("big-out.jsonl"), concurrency: 16, window: 256, maxPromptTokens: 4000)
            let summary = try await RankPipeline(options: options, judge: try simulatorJudge(sim)).run()
            #expect(summary.isComplete)
            #expect(sim.stats.snapshot.requests > 2, "the group of 256 went out whole")
            #expect(sim.stats.snapshot.recentBodies.allSatisfy { $0.utf8.count / 4 < 4000 + 500 })
        }
        for (_, rho) in try Self.spearmanByGroup(dir.path("big-out.jsonl")) { #expect(rho >= 0.98) }
    }

    @Test("a judge that refuses the group as longer than its context: re-judged in smaller windows, not failed")
    func contextRefusal() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir, "long.jsonl", groups: 2, size: 8, filler: 100)
        try await withSimulator(.init(contextTokens: 2500)) { sim in
            let options = RankOptions(inputs: [input], output: dir.path("out.jsonl"), window: 16)
            let summary = try await RankPipeline(options: options, judge: try simulatorJudge(sim)).run()
            #expect(summary.isComplete, "\(summary.firstFailure ?? "")")
            #expect((sim.stats.snapshot.faults["context_exceeded"] ?? 0) >= 2)
        }
        for (g, rho) in try Self.spearmanByGroup(dir.path("out.jsonl")) { #expect(rho >= 0.9, "group \(g): \(rho)") }
    }
}
