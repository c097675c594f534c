import Foundation
import GavelJSON
import GavelTesting
import Synchronization
import Testing

@testable import Gavel
@testable import GavelCore

@Suite("Trajectory elision: long tool outputs shortened to a budget, the task and the answer kept")
struct TrajectoryElisionTests {
    /// Words that are not all alike, so an estimate is not fooled by repetition.
    static func filler(_ characters: Int, seed: Int) -> String {
        var text = "", i = seed
        // ASCII: the UTF-8 count is the character count, and costs nothing (`count` walks the string).
        while text.utf8.count < characters {
            text += "log\(i % 997) entry \(i * 7 % 1013) status ok; "
            i += 1
        }
        return String(text.prefix(characters))
    }

    static func trajectory(toolChars: [Int], answer: String = "The answer is 42.", seed: Int = 0) -> Trajectory {
        var messages: [JSONValue] = [
            .object(JSONObject(pairs: ["role": .string("system"), "content": .string("You answer with tools. " + filler(400, seed: 1))])),
            .object(JSONObject(pairs: ["role": .string("user"), "content": .string("What is the answer? " + filler(600, seed: 2))])),
        ]
        for (k, n) in toolChars.enumerated() {
            let call = JSONValue.object(
                JSONObject(pairs: [
                    "id": .string("c\(k)"), "type": .string("function"),
                    "function": .object(JSONObject(pairs: ["name": .string("read"), "arguments": .string(#"{"page": \#(k)}"#)])),
                ]))
            messages.append(.object(JSONObject(pairs: ["role": .string("assistant"), "content": .null, "tool_calls": .array([call])])))
            messages.append(
                .object(
                    JSONObject(pairs: [
                        "role": .string("tool"), "tool_call_id": .string("c\(k)"), "content": .string(filler(n, seed: seed + k)),
                    ])
                ))
        }
        messages.append(.object(JSONObject(pairs: ["role": .string("assistant"), "content": .string(answer)])))
        return Trajectory(messages: messages)
    }

    /// Ranks trajectory `lines` (one group) under a prompt limit with the stub judge: the summary,
    /// every prompt the judge was sent, and the output records.
    static func rank(_ lines: [String], limit: Int, in dir: TempDir) async throws -> (RankSummary, [JudgePrompt], [[String: Any]]) {
        let input = try dir.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        let prompts = Mutex<[JudgePrompt]>([])
        let stub = StubJudge.byText()
        let judge = StubJudge { prompt in
            prompts.withLock { $0.append(prompt) }
            return try await stub.judge(prompt)
        }
        var options = RankOptions(inputs: [input], output: dir.path("out.jsonl"), concurrency: 2)
        options.maxPromptTokens = limit
        let summary = try await RankPipeline(options: options, judge: judge).run()
        return (summary, prompts.withLock { $0 }, try parseJSONL(try dir.read("out.jsonl")))
    }

    @Test("a trajectory within its budget is left as it is")
    func fits() {
        let t = Self.trajectory(toolChars: [300, 200])
        let (same, cut) = TrajectoryElision.elide(t, budget: TrajectoryElision.tokens(t, from: 0) + 1)
        #expect(same == t && cut == nil)
    }

    @Test("over budget: the tool outputs lose their middles, marked; the task, the tool calls and the final answer stay whole")
    func elides() throws {
        let t = Self.trajectory(toolChars: [200_000, 50_000, 300], answer: "Final: the answer is 42, from page 2.")
        let budget = 2_000
        let (short, cut) = TrajectoryElision.elide(t, budget: budget)
        let c = try #require(cut)
        let after = TrajectoryElision.tokens(short, from: 0)
        #expect(after <= budget, "\(after) tokens over a budget of \(budget)")
        #expect(after >= budget / 2, "cut far deeper than needed: \(after) of \(budget)")
        #expect(c.texts == 2 && c.tokens == TrajectoryElision.tokens(t, from: 0) - after)
        // Unchanged: system, user, every tool call, the short output, the answer.
        for i in [0, 1, 2, 4, 6, 7] { #expect(short.messages[i] == t.messages[i], "message \(i) changed") }
        // The long outputs keep their start and end, and say how much went.
        var removed = 0, kept: [Int] = []
        for i in [3, 5] {
            let before = try #require(t.messages[i]["content"]?.stringValue), now = try #require(short.messages[i]["content"]?.stringValue)
            #expect(now.hasPrefix(String(before.prefix(60))) && now.hasSuffix(String(before.suffix(60))))
            let marker = try #require(now.firstMatch(of: /\[… ([0-9,]+) characters elided …\]/))
            let n = try #require(Int(marker.1.replacingOccurrences(of: ",", with: "")))
            #expect(now.count - marker.0.count - 2 + n == before.count, "the marker's count is what was cut")
            removed += n
            kept.append(now.count - marker.0.count - 2)
        }
        #expect(removed == c.characters)
        // Water-filling: both long outputs were cut to the same length.
        #expect(kept[0] == kept[1], "\(kept)")
        // The same input gives the same text (the cache key depends on it).
        #expect(TrajectoryElision.elide(t, budget: budget).0 == short)
    }

    @Test("the longest text is cut first: a long output and a short one, only the long one is touched")
    func longestFirst() throws {
        let t = Self.trajectory(toolChars: [40_000, 2_000])
        let (short, cut) = TrajectoryElision.elide(t, budget: TrajectoryElision.tokens(t, from: 0) / 2)
        #expect(try #require(cut).texts == 1)
        #expect(short.messages[5] == t.messages[5], "the short output was cut though the long one could give enough")
        #expect(short.messages[3] != t.messages[3])
    }

    @Test("messages before start (the group's shared context) and content parts: only parts' text after start is cut")
    func partsAndStart() throws {
        var t = Self.trajectory(toolChars: [30_000])
        // The tool output as a list of text parts.
        let text = t.messages[3]["content"]?.stringValue ?? ""
        t.messages[3] = .object(
            JSONObject(pairs: [
                "role": .string("tool"), "tool_call_id": .string("c0"),
                "content": .array([.object(JSONObject(pairs: ["type": .string("text"), "text": .string(text)]))]),
            ]))
        let (short, cut) = TrajectoryElision.elide(t, from: 2, budget: 1_000)
        #expect(cut != nil)
        let part = try #require(short.messages[3]["content"]?.arrayValue?.first?["text"]?.stringValue)
        #expect(part.contains("characters elided") && part.count < text.count)
        #expect(TrajectoryElision.tokens(short, from: 2) <= 1_000)
        // Nothing before start is ever cut, however far over budget.
        let (kept, none) = TrajectoryElision.elide(t, from: 4, budget: 10)
        #expect(kept == t && none == nil, "only the final answer is after message 4: nothing may be cut")
    }

    @Test("a budget below what the rules allow cuts as far as they allow, and no further")
    func floor() throws {
        let t = Self.trajectory(toolChars: [20_000, 20_000])
        let (short, cut) = TrajectoryElision.elide(t, budget: 10)
        #expect(cut != nil)
        for i in [3, 5] {
            let now = try #require(short.messages[i]["content"]?.stringValue)
            let marker = try #require(now.firstMatch(of: /\[… [0-9,]+ characters elided …\]/))
            #expect(now.count - marker.0.count - 2 == TrajectoryElision.minimumKept)
        }
    }

    @Test("a group's share: short trajectories keep all theirs, long ones split the rest; never below the minimum")
    func share() {
        #expect(TrajectoryElision.share([100, 100, 5_000, 9_000], room: 4_200) == 2_000)
        #expect(TrajectoryElision.share([1_000, 1_000], room: 10_000) == 1_000, "all fit: the largest is the budget")
        #expect(TrajectoryElision.share(Array(repeating: 9_000, count: 8), room: 1_000) == TrajectoryElision.minimumBudget)
        #expect(TrajectoryElision.grouped(18_204) == "18,204" && TrajectoryElision.grouped(999) == "999")
        #expect(TrajectoryElision.grouped(1_000_000) == "1,000,000")
    }

    @Test("in a run: a group of 8 with 50k-token tool outputs under a 3,072-token limit is one call, every prompt within it")
    func inRun() async throws {
        let dir = try TempDir()
        let lines = (0..<8).map { k -> String in
            let t = Self.trajectory(toolChars: [200_000], answer: "Answer \(k). QUALITY=\(Double(k) / 8)", seed: k * 31)
            var o = JSONObject()
            o["group_id"] = .string("g")
            o["messages"] = .array(t.messages)
            return JSONWriter.string(.object(o))
        }
        let (summary, sent, out) = try await Self.rank(lines, limit: 3_072, in: dir)
        #expect(summary.judgedGroups == 1)
        #expect(sent.count == 1 && sent[0].ids.count == 8, "\(sent.map(\.ids))")
        #expect(sent.allSatisfy { TokenEstimator.estimate($0).prompt <= 3_072 }, "\(sent.map { TokenEstimator.estimate($0).prompt })")
        #expect(out.count == 8)
        for record in out {
            let gavel = try #require(record["gavel"] as? [String: Any])
            let elided = try #require(gavel["elided"] as? [String: Any], "\(gavel)")
            #expect((elided["characters"] as? Int ?? 0) > 190_000 && (elided["texts"] as? Int) == 1)
            #expect(gavel["score"] as? Double != nil)
        }
        // The ranking survives the cut: the final answers carry the quality.
        let ranks = out.map { ($0["gavel"] as? [String: Any])?["rank"] as? Int ?? 0 }
        #expect(ranks == Array((1...8).reversed()), "\(ranks)")
    }

    @Test("--max-trajectory-tokens cuts without any prompt limit; the dry run counts what it cut")
    func explicitBudget() async throws {
        let dir = try TempDir()
        let lines = (0..<3).map { k -> String in
            let t = Self.trajectory(toolChars: [k == 0 ? 40_000 : 300], seed: k)
            return JSONWriter.string(.object(JSONObject(pairs: ["group_id": .string("g"), "messages": .array(t.messages)])))
        }
        let input = try dir.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        var options = RankOptions(inputs: [input], output: dir.path("out.jsonl"), concurrency: 2)
        options.maxTrajectoryTokens = 1_500
        let plan = try await RankPipeline(options: options, judge: StubJudge.byText()).plan()
        #expect(plan.elidedTrajectories == 1 && plan.elidedCharacters > 30_000 && plan.elidedTokens > 5_000, "\(plan)")
        #expect(plan.calls == 1)
    }
    @Test("a tool output every trajectory shares (the prompt's <context>) is cut once, the same for all, and stays shared")
    func sharedContext() async throws {
        let dir = try TempDir()
        let shared = Self.trajectory(toolChars: [200_000]).messages.dropLast()
        let lines = (0..<3).map { k -> String in
            let messages =
                Array(shared) + [
                    .object(JSONObject(pairs: ["role": .string("assistant"), "content": .string("Answer \(k). QUALITY=0.\(k + 2)")]))
                ]
            return JSONWriter.string(.object(JSONObject(pairs: ["group_id": .string("g"), "messages": .array(messages)])))
        }
        let (summary, sent, out) = try await Self.rank(lines, limit: 3_072, in: dir)
        #expect(summary.judgedGroups == 1)
        #expect(sent.count == 1)
        let first = try #require(sent.first)
        #expect(TokenEstimator.estimate(first).prompt <= 3_072)
        #expect(first.user.components(separatedBy: "characters elided").count == 2, "one cut, in the shared context")
        let context = try #require(first.user.components(separatedBy: "</context>").first)
        #expect(context.contains("characters elided"))
        let cuts = out.compactMap { ($0["gavel"] as? [String: Any])?["elided"] as? [String: Any] }
        #expect(cuts.count == 3 && cuts.allSatisfy { ($0["characters"] as? Int ?? 0) > 190_000 })
        let ranks = out.map { ($0["gavel"] as? [String: Any])?["rank"] as? Int ?? 0 }
        #expect(ranks == [3, 2, 1])
    }
}
