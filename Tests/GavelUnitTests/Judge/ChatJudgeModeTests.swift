import Foundation
import GavelHTTP
import GavelJSON
import GavelTesting
import Testing

@testable import GavelCore
@testable import GavelJudge

/// ChatJudge's answer formats over an in-memory transport: no socket, no clock.
@Suite("Judge answer formats, logprob grades and the output-token cap")
struct ChatJudgeModeTests {
    static func judge(_ transport: StubTransport, settings: JudgeSettings = .init(maxRetries: 2)) throws -> ChatJudge {
        let endpoint = try JudgeEndpoint.resolve(
            judge: "vllm/local", apiBase: "http://judge.invalid/v1", environment: [:], requireKey: false)
        return ChatJudge(endpoint: endpoint, settings: settings, transport: transport)
    }

    static func prompt(_ mode: JudgeMode, ids: Int = 2) -> JudgePrompt {
        let builder = PromptBuilder(mode: mode)
        return JudgePrompt(
            system: builder.system, user: "two trajectories", ids: (1...ids).map(String.init), members: (0..<ids).map { [$0] }, mode: mode)
    }

    static func body(_ request: HTTPRequest) throws -> JSONValue { try JSONParser.parse(request.body) }

    /// Logprobs content for `1: d1\n2: d2` in Qwen's split, each grade token sure of itself but for `second`'s alternatives.
    static let logprobs =
        #"[{"token":"1","logprob":0,"top_logprobs":[]},{"token":":","logprob":0,"top_logprobs":[]},"#
        + #"{"token":" ","logprob":0,"top_logprobs":[]},{"token":"8","logprob":0,"top_logprobs":[{"token":"8","logprob":0}]},"#
        + #"{"token":"\n","logprob":0,"top_logprobs":[]},{"token":"2","logprob":0,"top_logprobs":[]},"#
        + #"{"token":":","logprob":0,"top_logprobs":[]},{"token":" ","logprob":0,"top_logprobs":[]},"#
        + #"{"token":"2","logprob":-0.6931471805599453,"top_logprobs":[{"token":"2","logprob":-0.6931471805599453},"#
        + #"{"token":"4","logprob":-0.6931471805599453}]}]"#

    @Test("scores+logprobs asks for logprobs in text, with a cap for the group, and weights the grades")
    func logprobRequest() async throws {
        let transport = StubTransport { _, _ in StubTransport.chatCompletion("1: 8\n2: 2", logprobs: Self.logprobs) }
        let judge = try Self.judge(transport)
        let mode = JudgeMode(answer: .scores, grade: .logprobs)
        let verdict = try await judge.judge(Self.prompt(mode))
        #expect(abs(verdict.scores[0] - 8.0 / 9) < 1e-12)
        #expect(abs(verdict.scores[1] - 3.0 / 9) < 1e-12, "2 and 4 at one half each: 3")
        let sent = try Self.body(try #require(transport.requests.first))
        #expect(sent["logprobs"] == .bool(true) && sent["top_logprobs"] == .int(10))
        #expect(sent["response_format"] == nil, "grades are lines of text, not JSON")
        #expect(sent["max_tokens"] == .int(mode.outputBudget(ids: 2)))
        #expect(judge.statistics.snapshot.gradesWeighted == 2 && judge.statistics.snapshot.gradesWritten == 0)
    }

    @Test("a server that sends no logprobs: the grades count as written, and the statistics say so")
    func noLogprobs() async throws {
        let transport = StubTransport { _, _ in StubTransport.chatCompletion("1: 9\n2: 0") }
        let judge = try Self.judge(transport)
        let verdict = try await judge.judge(Self.prompt(JudgeMode(answer: .scores, grade: .logprobs)))
        #expect(verdict.scores == [1, 0])
        #expect(judge.statistics.snapshot.gradesWritten == 2 && judge.statistics.snapshot.gradesWeighted == 0)
    }

    @Test("an answer cut off at Gavel's cap is asked again with twice the cap, counted, never parsed half")
    func truncatedRetry() async throws {
        let transport = StubTransport { _, n in
            n == 0
                ? StubTransport.chatCompletion(#"{"scores":[{"trajectory_id":"1","score":0.9},{"trajectory_id":"2","sc"#, finish: "length")
                : StubTransport.chatCompletion(#"{"scores":[{"trajectory_id":"1","score":0.9},{"trajectory_id":"2","score":0.1}]}"#)
        }
        let judge = try Self.judge(transport)
        let mode = JudgeMode(answer: .scores, grade: .number)
        let verdict = try await judge.judge(Self.prompt(mode))
        #expect(verdict.scores == [0.9, 0.1])
        #expect(verdict.calls == 2)
        let caps = try transport.requests.map { try Self.body($0)["max_tokens"] }
        #expect(caps == [.int(mode.outputBudget(ids: 2)), .int(2 * mode.outputBudget(ids: 2))])
        #expect(judge.statistics.snapshot.retries[.truncated] == 1)
    }

    @Test("a cap the user set is theirs: sent as given, and a cut-off answer is not retried with more")
    func userCap() async throws {
        let transport = StubTransport { _, _ in
            StubTransport.chatCompletion(
                #"{"scores":[{"trajectory_id":"1","score":0.5},{"trajectory_id":"2","score":0.4}]}"#, finish: "length")
        }
        let judge = try Self.judge(transport, settings: .init(maxTokens: 777, maxRetries: 0))
        let verdict = try await judge.judge(Self.prompt(JudgeMode(answer: .scores, grade: .number)))
        #expect(verdict.scores == [0.5, 0.4])
        #expect(try transport.requests.map { try Self.body($0)["max_tokens"] } == [.int(777)])
    }

    @Test("scores and brief ask for a schema without explanations; brief's summary becomes each explanation")
    func schemas() async throws {
        let transport = StubTransport { _, _ in
            StubTransport.chatCompletion(
                #"{"summary":"one beat two","scores":[{"trajectory_id":"1","score":0.9},{"trajectory_id":"2","score":0.1}]}"#)
        }
        let judge = try Self.judge(transport)
        let verdict = try await judge.judge(Self.prompt(JudgeMode(answer: .brief, grade: .number)))
        #expect(verdict.explanations == ["one beat two", "one beat two"])
        let request = try #require(transport.requests.first)
        let schema = try #require(try Self.body(request)["response_format"]?["json_schema"]?["schema"])
        #expect(schema["required"] == .array([.string("summary"), .string("scores")]))
        #expect(schema["properties"]?["scores"]?["items"]?["required"] == .array([.string("trajectory_id"), .string("score")]))
    }

    @Test("explained with number grades keeps RULER's prompt, byte for byte (its cache entries stay valid)")
    func legacyPrompt() {
        #expect(PromptBuilder().system.hasSuffix(PromptBuilder.answerFormat))
        #expect(PromptBuilder(mode: .explained).system == PromptBuilder(rubric: Rubric.defaultText).system)
        #expect(PromptBuilder(mode: JudgeMode(answer: .scores, grade: .logprobs)).system.contains("the grade as one digit"))
        for answer in JudgeMode.Answer.allCases {
            for grade in JudgeMode.Grade.allCases {
                let mode = JudgeMode(answer: answer, grade: grade)
                #expect(JudgeMode(mode.description) == mode)
            }
        }
        #expect(JudgeMode("scores+bits") == nil && JudgeMode("terse") == nil)
    }
}
