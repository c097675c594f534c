import Foundation
import GavelJSON
import GavelTesting
import Synchronization
import Testing

@testable import Gavel
@testable import GavelCore
@testable import GavelJudge

@Suite("Spending limit: calls reserve their estimate, refused past the limit, cached answers free")
struct SpendingLimitTests {
    /// A judge whose every answer reports 100,000 prompt tokens: $1 at $10 per million, far above
    /// any prompt's estimate (so how many calls fit depends on what was spent, not on the estimator).
    static func judge(cached: Bool = false) -> StubJudge {
        StubJudge(name: "stub/priced") { prompt in
            var v = JudgeVerdict(scores: prompt.ids.map { _ in 0.5 }, explanations: prompt.ids.map { _ in "" })
            v.usage = TokenUsage(prompt: 100_000, completion: 0)
            v.cached = cached
            return v
        }
    }

    static func prompt(_ text: String = "task") -> JudgePrompt {
        JudgePrompt(system: "judge", user: text, ids: ["a", "b"], members: [[0], [1]])
    }

    @Test("reserve and settle: the limit holds spent plus what is in flight")
    func reservations() {
        let limit = SpendingLimit(limit: 1.0)
        #expect(limit.reserve(0.6))
        #expect(!limit.reserve(0.5), "0.6 in flight + 0.5 passes 1.0")
        limit.settle(reserved: 0.6, cost: 0.2)
        #expect(limit.reserve(0.5) && limit.snapshot.spent == 0.2 && limit.snapshot.reserved == 0.5)
        #expect(limit.snapshot.refused == 1)
    }

    @Test("a judge on a budget answers until the next call's estimate would pass it, then refuses with a fatal cost-limit error")
    func refuses() async throws {
        let price = ModelMap.Price(input: 10, output: 0)  // $1 an answer; an estimate costs cents
        let limit = SpendingLimit(limit: 1.5)
        let judge = BudgetJudge(Self.judge(), price: price, limit: limit)
        _ = try await judge.judge(Self.prompt())
        _ = try await judge.judge(Self.prompt())
        #expect(limit.snapshot.spent == 2, "the second call's estimate fit under 1.5; its answer cost what it cost")
        do {
            _ = try await judge.judge(Self.prompt())
            Issue.record("a third call would pass the limit")
        } catch let error as JudgeError {
            #expect(error.isCostLimit && error.isFatal && !error.isAccessProblem && error.setting == .maxCost)
            #expect(error.description.contains("cost limit") && error.description.contains("$1.5000"), "\(error.description)")
        }
        #expect(limit.snapshot.spent == 2 && limit.snapshot.reserved == 0 && limit.snapshot.refused == 1)
    }

    @Test("a judge on a budget per window: refused at the limit, answering again once the window ends (injected clock)")
    func refusesUntilTheNextWindow() async throws {
        let clock = Mutex(0.0)
        let limit = SpendingLimit(limit: 1.5, window: 4, now: { clock.withLock { $0 } })
        let judge = BudgetJudge(Self.judge(), price: .init(input: 10, output: 0), limit: limit)
        _ = try await judge.judge(Self.prompt())
        _ = try await judge.judge(Self.prompt())
        await #expect(throws: JudgeError.self) { try await judge.judge(Self.prompt()) }
        #expect(limit.secondsLeftInWindow == 4)
        clock.withLock { $0 = 4 }
        _ = try await judge.judge(Self.prompt())
        #expect(limit.snapshot.spent == 1 && limit.snapshot.totalSpent == 3)
    }

    @Test("an answer the cache holds is never refused and costs nothing")
    func cachedIsFree() async throws {
        final class Cached: Judge {
            let inner = SpendingLimitTests.judge(cached: true)
            var name: String { "stub/cached" }
            var cacheIdentity: JSONValue { .null }
            func wouldAnswerFromCache(_ prompt: JudgePrompt) async throws -> Bool { true }
            func judge(_ prompt: JudgePrompt) async throws -> JudgeVerdict { try await inner.judge(prompt) }
        }
        let limit = SpendingLimit(limit: 0.000_001)
        let judge = BudgetJudge(Cached(), price: .init(input: 1000, output: 1000), limit: limit)
        for _ in 0..<3 { _ = try await judge.judge(Self.prompt()) }
        #expect(limit.snapshot.spent == 0 && limit.snapshot.refused == 0)
    }

    @Test("through the pipeline: the groups before the limit are ranked, the rest are written not judged; nothing is lost")
    func pipeline() async throws {
        let dir = try TempDir()
        let lines = (0..<6).flatMap { g in
            (0..<3).map { m in
                #"{"group_id":"g\#(g)","messages":[{"role":"user","content":"task \#(g)"},{"role":"assistant","content":"try \#(m)"}]}"#
            }
        }
        let input = try dir.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        let limit = SpendingLimit(limit: 2.5)
        let judge = BudgetJudge(Self.judge(), price: .init(input: 10, output: 0), limit: limit)
        let options = RankOptions(inputs: [input], output: dir.path("out.jsonl"), concurrency: 1, onError: .skip)
        let summary = try await RankPipeline(options: options, judge: judge).run()
        #expect(summary.judgedGroups == 3 && summary.unjudgedGroups == 3, "\(summary)")
        #expect(summary.fatalError?.isCostLimit == true && summary.exitStatus == .groupsFailed)
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 18)
        let errors = out.compactMap { ($0["gavel"] as? [String: Any])?["error"] as? String }
        #expect(errors.count == 9 && errors.allSatisfy { $0.contains("cost limit") }, "\(errors.first ?? "")")
    }
    @Test("per window: what was spent counts from zero when a window ends, in flight stays reserved; the clock is injected")
    func windows() {
        let clock = Mutex(100.0)
        let limit = SpendingLimit(limit: 1.0, window: 60, now: { clock.withLock { $0 } })
        #expect(limit.reserve(0.7))
        limit.settle(reserved: 0.7, cost: 0.7)
        #expect(limit.reserve(0.2))
        #expect(!limit.reserve(0.2), "0.7 spent + 0.2 in flight + 0.2 passes 1.0")
        #expect(limit.secondsLeftInWindow == 60)
        clock.withLock { $0 = 159.5 }
        #expect(!limit.fits(0.2) && limit.secondsLeftInWindow == 0.5)
        clock.withLock { $0 = 160 }
        // A new window: spent starts again, the call still in flight keeps its reservation.
        #expect(limit.fits(0.8) && !limit.fits(0.81))
        limit.settle(reserved: 0.2, cost: 0.25)
        let s = limit.snapshot
        #expect(s.spent == 0.25 && s.reserved == 0 && abs(s.totalSpent - 0.95) < 1e-12 && s.windowStart == 160)
        // Windows that passed with no call are skipped whole.
        clock.withLock { $0 = 400 }
        #expect(limit.snapshot.spent == 0 && limit.snapshot.windowStart == 400 && limit.secondsLeftInWindow == 60)
        // Without a window nothing is ever forgiven.
        let once = SpendingLimit(limit: 1.0, now: { clock.withLock { $0 } })
        once.settle(reserved: 0, cost: 0.9)
        clock.withLock { $0 = 1e9 }
        #expect(!once.fits(0.2) && once.secondsLeftInWindow == nil)
    }
}
