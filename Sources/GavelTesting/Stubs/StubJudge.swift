import GavelCore
import GavelJSON
import GavelJudge
import Synchronization

/// A judge without a network: answers each prompt with a closure, counting its calls. For unit
/// tests of the pipeline and for benchmarks of the stages around the judge.
public final class StubJudge: Judge {
    public let name: String
    private let answer: @Sendable (JudgePrompt) async throws -> JudgeVerdict
    private let calls = Mutex(0)

    /// A judge that answers with `answer` (throw a `JudgeError`-like error to fail a group).
    public init(name: String = "stub/judge", answer: @escaping @Sendable (JudgePrompt) async throws -> JudgeVerdict) {
        self.name = name
        self.answer = answer
    }

    /// A judge whose score for an id depends only on the trajectory text it stands for, by the
    /// simulator's rule (the last `QUALITY=<x>` marker, else a hash): the same group scores the
    /// same whatever order it is shown in, as a position-unbiased judge would.
    public static func byText(name: String = "stub/judge") -> StubJudge {
        StubJudge(name: name) { prompt in
            let texts = StubJudge.blocks(of: prompt.user)
            let scores = prompt.ids.indices.map { i in i < texts.count ? SimulatedJudge.score(block: texts[i]) : 0.5 }
            return JudgeVerdict(scores: scores, explanations: prompt.ids.map { "stub verdict for \($0)" })
        }
    }

    public var cacheIdentity: JSONValue { .object(JSONObject(pairs: ["stub": .string(name)])) }

    /// Calls answered so far.
    public var callCount: Int { calls.withLock { $0 } }

    public func judge(_ prompt: JudgePrompt) async throws -> JudgeVerdict {
        calls.withLock { $0 += 1 }
        return try await answer(prompt)
    }

    /// The text of each `<trajectory ...>` block of a prompt, in order.
    static func blocks(of user: String) -> [Substring] {
        user.components(separatedBy: "<trajectory id=").dropFirst().map { block in
            let body = block.components(separatedBy: "</trajectory>").first ?? ""
            // The text after the opening tag: the id itself must not change the score.
            return body.firstIndex(of: ">").map { body[body.index(after: $0)...] } ?? Substring(body)
        }
    }
}
