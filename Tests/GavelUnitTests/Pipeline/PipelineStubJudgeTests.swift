import Foundation
import GavelTesting
import Synchronization
import Testing

@testable import Gavel
@testable import GavelCore
@testable import GavelJudge
@testable import GavelScoring

/// The pipeline's bookkeeping with a stub judge: no sockets, no subprocesses.
@Suite("Pipeline with a stub judge: order, failures, samples, exit statuses")
struct PipelineStubJudgeTests {
    /// Four groups of three flat trajectory lines, interleaved, with known qualities.
    static func input(_ dir: TempDir) throws -> String {
        var lines: [String] = []
        for m in 0..<3 {
            for g in 0..<4 {
                let q = Double(g * 3 + m + 1) / 20
                lines.append(
                    #"{"group_id":"g\#(g)","reward":\#(m),"messages":[{"role":"user","content":"task \#(g)"},{"role":"assistant","#
                        + #""content":"try \#(m) QUALITY=\#(q)"}]}"#
                )
            }
        }
        return try dir.write("in.jsonl", lines.joined(separator: "\n") + "\n")
    }

    static func run(
        _ dir: TempDir, judge: any Judge, onError: RankOptions.OnError = .skip, samples: Int = 1
    ) async throws -> (RankSummary, [[String: Any]]) {
        let options = RankOptions(
            inputs: [try input(dir)], output: dir.path("out.jsonl"), concurrency: 2, onError: onError, samples: samples)
        let summary = try await RankPipeline(options: options, judge: judge).run()
        return (summary, try parseJSONL(try dir.read("out.jsonl")))
    }

    static func gavel(_ record: [String: Any]) -> [String: Any] { record["gavel"] as? [String: Any] ?? [:] }

    @Test("every line comes back in input order with the judge's scores, ranks and the original reward kept")
    func orderAndScores() async throws {
        let dir = try TempDir()
        let (summary, out) = try await Self.run(dir, judge: StubJudge.byText())
        #expect(summary.isComplete && summary.exitStatus == .ok)
        #expect(summary.groups == 4 && summary.trajectories == 12 && summary.judgedGroups == 4)
        #expect(out.map { Self.gavel($0)["group"] as? String } == (0..<3).flatMap { _ in (0..<4).map { "g\($0)" } })
        var qualities: [Double] = [], originals: [Int] = []
        for m in 0..<3 {
            for g in 0..<4 {
                qualities.append(Double(g * 3 + m + 1) / 20)
                originals.append(m)
            }
        }
        let rewards: [Double?] = out.map { $0["reward"] as? Double }
        #expect(rewards == qualities)
        let kept: [Int?] = out.map { ($0["metrics"] as? [String: Any])?["independent_reward"] as? Int }
        #expect(kept == originals)
        // Within each group the last try is best.
        #expect(out.suffix(4).allSatisfy { Self.gavel($0)["rank"] as? Int == 1 })
        #expect(out.prefix(4).allSatisfy { Self.gavel($0)["rank"] as? Int == 3 })
    }

    @Test("a group the judge fails is written with its reason; the others are scored (on-error skip)")
    func skippedFailure() async throws {
        let dir = try TempDir()
        let judge = StubJudge { prompt in
            if prompt.user.contains("task 2") { throw JudgeError.gaveUp("gave up after 7 attempts; last problem: 5xx") }
            return JudgeVerdict(scores: prompt.ids.map { _ in 0.5 }, explanations: prompt.ids.map { _ in "" })
        }
        let (summary, out) = try await Self.run(dir, judge: judge)
        #expect(summary.failedGroups == 1 && summary.judgedGroups == 3 && summary.exitStatus == .groupsFailed)
        let failed = out.filter { Self.gavel($0)["group"] as? String == "g2" }
        #expect(failed.count == 3)
        #expect(failed.allSatisfy { Self.gavel($0)["error"] as? String == "gave up after 7 attempts; last problem: 5xx" })
        #expect(failed.allSatisfy { $0["reward"] as? Int != nil }, "a failed group's reward must stay as it was")
        #expect(out.filter { Self.gavel($0)["score"] != nil }.count == 9)
    }

    @Test("on-error fail stops dispatching; groups never judged say why")
    func stopAfterFailure() async throws {
        let dir = try TempDir()
        let judge = StubJudge { _ in throw JudgeError.gaveUp("boom") }
        let options = RankOptions(inputs: [try Self.input(dir)], output: dir.path("out.jsonl"), concurrency: 1, onError: .fail)
        let summary = try await RankPipeline(options: options, judge: judge).run()
        #expect(judge.callCount == 1)
        #expect(summary.failedGroups == 1 && summary.unjudgedGroups == 3 && summary.exitStatus == .groupsFailed)
        let errors = Set(try parseJSONL(try dir.read("out.jsonl")).compactMap { Self.gavel($0)["error"] as? String })
        #expect(errors == ["boom", GroupFailure.stoppedAfterFailure.description])
    }

    @Test("a refused key stops the run with the judge-unavailable status; calls in flight say what stopped them")
    func fatal() async throws {
        let dir = try TempDir()
        let judge = StubJudge { prompt in
            if prompt.user.contains("task 0") { throw JudgeError.unauthorized("HTTP 401") }
            // The other call in flight waits until the run cancels it (bounded, should that never come).
            try await Task.sleep(for: .seconds(30))
            return JudgeVerdict(scores: prompt.ids.map { _ in 0.5 }, explanations: prompt.ids.map { _ in "" })
        }
        let (summary, out) = try await Self.run(dir, judge: judge)
        #expect(summary.fatalError != nil && summary.exitStatus == .judgeUnavailable && !summary.interrupted)
        #expect(out.count == 12)
        let errors = Set(out.compactMap { Self.gavel($0)["error"] as? String })
        #expect(errors == ["HTTP 401", GroupFailure.runStopped("HTTP 401").description], "\(errors)")
    }

    @Test("--samples 3 asks three times per group in three orders, and the mean is the score")
    func samples() async throws {
        let dir = try TempDir()
        let orders = Mutex<[String: Set<[String]>]>([:])
        let byText = StubJudge.byText()
        let judge = StubJudge { prompt in
            let key = prompt.user.contains("task 0") ? "g0" : "other"
            let shown = prompt.user.components(separatedBy: "QUALITY=").dropFirst().map { String($0.prefix(4)) }
            orders.withLock { _ = $0[key, default: []].insert(shown) }
            return try await byText.judge(prompt)
        }
        let (summary, out) = try await Self.run(dir, judge: judge, samples: 3)
        #expect(summary.isComplete)
        #expect(judge.callCount == 12)
        #expect(orders.withLock { $0["g0"]?.count } == 3, "the three samples of a group used the same order")
        let g0 = out.filter { Self.gavel($0)["group"] as? String == "g0" }
        #expect(g0.allSatisfy { (Self.gavel($0)["samples"] as? [Double])?.count == 3 && Self.gavel($0)["score_spread"] as? Double == 0 })
        // gavel.slots: where each sample showed each trajectory; per sample, the group's slots are 0..<3.
        let slots = g0.map { Self.gavel($0)["slots"] as? [Int] ?? [] }
        #expect(slots.allSatisfy { $0.count == 3 })
        for k in 0..<3 { #expect(Set(slots.map { $0.count > k ? $0[k] : -1 }) == [0, 1, 2], "sample \(k): \(slots)") }
        #expect(Set(slots.map { $0 }).count == 3, "three members, three different slot histories")
    }

    @Test("a dry-run plan renders every prompt and counts calls without judging")
    func plan() async throws {
        let dir = try TempDir()
        let judge = StubJudge.byText()
        let options = RankOptions(inputs: [try Self.input(dir)], output: dir.path("out.jsonl"), samples: 2)
        let plan = try await RankPipeline(options: options, judge: judge).plan()
        #expect(plan.groups == 4 && plan.trajectories == 12 && plan.calls == 8 && plan.cachedCalls == 0)
        #expect(plan.usage.prompt > 0)
        #expect(judge.callCount == 0)
        #expect(!FileManager.default.fileExists(atPath: dir.path("out.jsonl")))
    }
}
