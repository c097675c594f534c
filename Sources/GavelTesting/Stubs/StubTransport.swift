import GavelHTTP
import Synchronization

/// An HTTP transport without a network: each request is answered by a closure, and every request
/// is kept, so a unit test can drive `ChatJudge` (retries, formats, fallbacks) with no socket and
/// no clock. Package.swift's diagram names it.
public final class StubTransport: HTTPTransport {
    private let answer: @Sendable (HTTPRequest, Int) throws -> HTTPResponse
    private let sent = Mutex<[HTTPRequest]>([])

    /// A transport whose `n`-th request (0 first) is answered by `answer(request, n)`.
    public init(answer: @escaping @Sendable (HTTPRequest, Int) throws -> HTTPResponse) { self.answer = answer }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let n = sent.withLock { list -> Int in
            list.append(request)
            return list.count - 1
        }
        return try answer(request, n)
    }

    /// The requests sent so far, in order.
    public var requests: [HTTPRequest] { sent.withLock { $0 } }

    /// An OpenAI-style chat completion answer with `content`, `finish_reason` and, if given, a
    /// `logprobs` content list (raw JSON).
    public static func chatCompletion(
        _ content: String, finish: String = "stop", logprobs: String? = nil, completionTokens: Int = 10
    )
        -> HTTPResponse
    {
        let quoted = SimulatedJudge.quote(content)
        let lp = logprobs.map { #""logprobs":{"content":\#($0)},"# } ?? ""
        let body =
            #"{"choices":[{"index":0,"message":{"role":"assistant","content":\#(quoted)},\#(lp)"finish_reason":"\#(finish)"}],"#
            + #""usage":{"prompt_tokens":100,"completion_tokens":\#(completionTokens)}}"#
        return HTTPResponse(status: 200, headers: [(name: "content-type", value: "application/json")], body: Array(body.utf8))
    }
}
