import Foundation
import GavelTesting
import Testing

@testable import Gavel

@Suite("gavel rank pipeline against the simulator")
struct RankPipelineTests {
    /// Checks one output trajectory against its known quality, and that the original fields are intact.
    static func checkTrajectory(_ out: [String: Any], original: [String: Any], quality: Double, group: [Double]) {
        let gavel = out["gavel"] as? [String: Any] ?? [:]
        #expect(gavel["score"] as? Double == quality)
        #expect(out["reward"] as? Double == quality)
        let metrics = out["metrics"] as? [String: Any] ?? [:]
        #expect(metrics["ruler_score"] as? Double == quality)
        #expect(metrics["independent_reward"] as? Double == original["reward"] as? Double)
        let expectedRank = 1 + group.filter { $0 > quality }.count
        #expect(gavel["rank"] as? Int == expectedRank)
        let mean = group.reduce(0, +) / Double(group.count)
        let std = (group.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(group.count)).squareRoot()
        let advantage = gavel["advantage"] as? Double ?? .nan
        #expect(abs(advantage - (quality - mean) / (std + 1e-6)) < 1e-9)
        #expect(gavel["judge"] as? String == "openai/sim-judge")
        #expect((gavel["explanation"] as? String)?.isEmpty == false)
        // Every original field is intact once the added ones are taken away.
        var restored = out
        restored["gavel"] = nil
        restored["reward"] = original["reward"]
        var m = metrics
        m["ruler_score"] = nil
        m["independent_reward"] = nil
        restored["metrics"] = m
        var logs = out["logs"] as? [Any] ?? []
        #expect((logs.last as? String)?.hasPrefix("RULER explanation: ") == true)
        logs.removeLast()
        restored["logs"] = logs
        #expect(NSDictionary(dictionary: restored).isEqual(to: original))
    }

    /// Ranks `input` against a fresh simulator and checks that every group was judged with one call.
    static func rankAll(_ input: String, into output: String, groups: Int, trajectories: Int) async throws {
        try await withSimulator { sim in
            let options = RankOptions(inputs: [input], output: output, concurrency: 16)
            let summary = try await RankPipeline(options: options, judge: try simulatorJudge(sim)).run()
            #expect(summary.isComplete)
            #expect(summary.groups == groups && summary.trajectories == trajectories)
            #expect(sim.stats.snapshot.requests == groups)
        }
    }

    @Test("200 groups as ART group lines: exact simulator scores, ranks, advantages, fields intact")
    func groupLines() async throws {
        let data = SyntheticTrajectories(groups: 200, groupSize: 6, toolTurns: 2, toolResultChars: 120)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.groupLines())
        try await Self.rankAll(input, into: dir.path("out.jsonl"), groups: 200, trajectories: 1200)
        let inLines = try parseJSONL(try dir.read("in.jsonl"))
        let outLines = try parseJSONL(try dir.read("out.jsonl"))
        #expect(outLines.count == 200)
        let truth = data.items()
        for (g, (inLine, outLine)) in zip(inLines, outLines).enumerated() {
            let ins = inLine["trajectories"] as? [[String: Any]] ?? []
            let outs = outLine["trajectories"] as? [[String: Any]] ?? []
            #expect(outs.count == ins.count)
            #expect((outLine["exceptions"] as? [Any])?.isEmpty == true)
            let qualities = truth[g].map(\.quality)
            for (k, (i, o)) in zip(ins, outs).enumerated() {
                Self.checkTrajectory(o, original: i, quality: qualities[k], group: qualities)
            }
        }
    }

    @Test("the same data as shuffled flat trajectory lines: same scores, input order kept")
    func shuffledTrajectoryLines() async throws {
        let data = SyntheticTrajectories(groups: 200, groupSize: 6, toolTurns: 2, toolResultChars: 120)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines(shuffled: true))
        try await Self.rankAll(input, into: dir.path("out.jsonl"), groups: 200, trajectories: 1200)
        let inLines = try parseJSONL(try dir.read("in.jsonl"))
        let outLines = try parseJSONL(try dir.read("out.jsonl"))
        #expect(outLines.count == 1200)
        var groupQualities: [String: [Double]] = [:]
        var qualityOf: [String: Double] = [:]
        for group in data.items() {
            groupQualities[group[0].group] = group.map(\.quality)
            for item in group { qualityOf[item.json] = item.quality }
        }
        let rawIn = try dir.read("in.jsonl").split(separator: "\n").map(String.init)
        for (n, (i, o)) in zip(inLines, outLines).enumerated() {
            let groupID = (i["metadata"] as? [String: Any])?["group_id"] as? String ?? ""
            let quality = qualityOf[rawIn[n]] ?? -1
            Self.checkTrajectory(o, original: i, quality: quality, group: groupQualities[groupID] ?? [])
            #expect((o["gavel"] as? [String: Any])?["group"] as? String == groupID)
        }
    }

    @Test("an identical group is judged once and every member gets the same score")
    func identicalGroup() async throws {
        let line = #"{"group_id":"same","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello QUALITY=0.625"}]}"#
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", [line, line, line].joined(separator: "\n"))
        try await withSimulator { sim in
            let summary = try await RankPipeline(
                options: RankOptions(inputs: [input], output: dir.path("out.jsonl")), judge: try simulatorJudge(sim)
            ).run()
            #expect(summary.isComplete)
            let body = sim.stats.snapshot.recentBodies.last ?? ""
            #expect(body.components(separatedBy: "trajectory id=").count - 1 == 1)
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.map { ($0["gavel"] as? [String: Any])?["score"] as? Double } == [0.625, 0.625, 0.625])
        #expect(out.map { ($0["gavel"] as? [String: Any])?["zero_variance"] as? Bool } == [true, true, true])
        #expect(out.map { ($0["gavel"] as? [String: Any])?["rank"] as? Int } == [1, 1, 1])
    }

    @Test("--group-size chunks consecutive lines; --group-by picks the key path")
    func grouping() async throws {
        let lines = (0..<6).map { i in
            #"{"task":{"id":"t\#(i % 2)"},"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a\#(i) "#
                + #"QUALITY=0.\#(i + 1)"}]}"#
        }
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        try await withSimulator { sim in
            let bySize = try await RankPipeline(
                options: RankOptions(inputs: [input], output: dir.path("a.jsonl"), grouping: .size(4)), judge: try simulatorJudge(sim)
            ).run()
            #expect(bySize.groups == 2)
            #expect(bySize.trajectories == 6)
            let byKey = try await RankPipeline(
                options: RankOptions(inputs: [input], output: dir.path("b.jsonl"), grouping: .keyPaths(["task.id"])),
                judge: try simulatorJudge(sim)
            ).run()
            #expect(byKey.groups == 2)
        }
        let a = try parseJSONL(try dir.read("a.jsonl")).map { ($0["gavel"] as? [String: Any])?["group"] as? String ?? "" }
        #expect(a == ["chunk-1", "chunk-1", "chunk-1", "chunk-1", "chunk-2", "chunk-2"])
        let b = try parseJSONL(try dir.read("b.jsonl")).map { ($0["gavel"] as? [String: Any])?["rank"] as? Int ?? 0 }
        // Group t0 holds lines 0, 2, 4 (qualities .1 .3 .5); t1 holds 1, 3, 5.
        #expect(b == [3, 3, 2, 2, 1, 1])
    }

    @Test("several input files rank as one run, output in input order")
    func severalFiles() async throws {
        let data = SyntheticTrajectories(groups: 4, groupSize: 3, toolTurns: 1, toolResultChars: 10)
        let lines = data.trajectoryLines().split(separator: "\n").map(String.init)
        let dir = try TempDir()
        let a = try dir.write("a.jsonl", lines[..<5].joined(separator: "\n"))
        let b = try dir.write("b.jsonl", lines[5...].joined(separator: "\n") + "\n")
        try await withSimulator { sim in
            let s = try await RankPipeline(
                options: RankOptions(inputs: [a, b], output: dir.path("out.jsonl")), judge: try simulatorJudge(sim)
            ).run()
            #expect(s.groups == 4)
            #expect(s.isComplete)
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 12)
        let truth = data.items().flatMap { $0 }.map(\.quality)
        #expect(out.map { ($0["gavel"] as? [String: Any])?["score"] as? Double ?? -1 } == truth)
    }
}
