import GavelHTTP
import GavelJSON
import GavelTesting
import Testing

@testable import GavelCore
@testable import GavelJudge

/// ChatJudge's retry loop over an in-memory transport and a clock that never sleeps: every wait it
/// chose is recorded, so Retry-After, backoff and the retry limit are checked exactly, in microseconds.
@Suite("ChatJudge retries: Retry-After on the clock, the limit, what is never retried, fallbacks")
struct ChatJudgeRetryTests {
    static let good = StubTransport.chatCompletion(
        #"{"scores":[{"trajectory_id":"1","explanation":"a","score":0.9},{"trajectory_id":"2","explanation":"b","score":0.2}]}"#)

    static func judge(
        _ transport: StubTransport, clock: RecordingClock, maxRetries: Int = 3, judge name: String = "vllm/local"
    ) throws -> ChatJudge {
        let endpoint = try JudgeEndpoint.resolve(judge: name, apiBase: "http://judge.invalid/v1", environment: [:], requireKey: false)
        let settings = JudgeSettings(maxRetries: maxRetries)
        return ChatJudge(
            endpoint: endpoint, settings: settings, transport: transport,
            retryPolicy: RetryPolicy(maxRetries: maxRetries, baseBackoff: .seconds(1), maxBackoff: .seconds(30), jitter: { 1 }),
            clock: JudgeClock(clock))
    }

    static let prompt = JudgePrompt(system: "s", user: "two", ids: ["1", "2"], members: [[0], [1]], mode: .explained)

    static func error(status: Int, _ message: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(#"{"error":{"message":"\#(message)"}}"#.utf8))
    }

    @Test("429 with Retry-After: 7 waits exactly 7 s on the clock, then the answer is taken")
    func retryAfter() async throws {
        let clock = RecordingClock()
        let transport = StubTransport { _, n in n == 0 ? Self.error(status: 429, "slow down", headers: [("retry-after", "7")]) : Self.good }
        let verdict = try await Self.judge(transport, clock: clock).judge(Self.prompt)
        #expect(verdict.scores == [0.9, 0.2])
        #expect(clock.sleeps == [.seconds(7)])
        #expect(transport.requests.count == 2)
    }

    @Test("5xx, timeouts and dropped connections back off 1, 2, 4 s and give up after maxRetries")
    func backoffAndLimit() async throws {
        let clock = RecordingClock()
        let transport = StubTransport { _, n in
            if n == 1 { throw TransportError.timeout }
            if n == 2 { throw TransportError.connectionLost }
            return Self.error(status: 503, "busy")
        }
        let judge = try Self.judge(transport, clock: clock, maxRetries: 3)
        await #expect(throws: JudgeError.self) { try await judge.judge(Self.prompt) }
        #expect(transport.requests.count == 4)
        #expect(clock.sleeps == [.seconds(1), .seconds(2), .seconds(4)])
        #expect(judge.statistics.snapshot.totalRetries == 3)
    }

    @Test("connection refused to the end is 'unreachable'; a timeout to the end is a timeout")
    func whatItEndsAs() async throws {
        let refused = try Self.judge(
            StubTransport { _, _ in throw TransportError.connectionRefused }, clock: RecordingClock(), maxRetries: 1)
        do {
            _ = try await refused.judge(Self.prompt)
            Issue.record("expected an error")
        } catch let e as JudgeError {
            #expect(e.isAccessProblem && e.description.contains("connection refused after 2 attempts"))
        }
        let slow = try Self.judge(StubTransport { _, _ in throw TransportError.timeout }, clock: RecordingClock(), maxRetries: 1)
        do {
            _ = try await slow.judge(Self.prompt)
            Issue.record("expected an error")
        } catch let e as JudgeError {
            #expect(e.isTimeout)
        }
    }

    @Test("401 and a plain 400 are never retried; a context overflow is said so")
    func notRetried() async throws {
        for (response, check) in [
            (Self.error(status: 401, "bad key"), { (e: JudgeError) in e.isAccessProblem && e.isFatal }),
            (Self.error(status: 400, "nonsense field"), { (e: JudgeError) in e.isFatal && !e.isAccessProblem }),
            (Self.error(status: 400, "This model's maximum context length is 4096 tokens"), { (e: JudgeError) in e.isContextTooLong }),
        ] {
            let clock = RecordingClock()
            let transport = StubTransport { _, _ in response }
            do {
                _ = try await Self.judge(transport, clock: clock).judge(Self.prompt)
                Issue.record("expected an error for HTTP \(response.status)")
            } catch let e as JudgeError {
                #expect(check(e), "\(e)")
            }
            #expect(transport.requests.count == 1 && clock.sleeps.isEmpty)
        }
    }

    @Test("a refused json_schema steps down to json_object at once, for the rest of the run, without waiting")
    func schemaFallback() async throws {
        let clock = RecordingClock()
        let transport = StubTransport { request, _ in
            let body = try JSONParser.parse(request.body)
            return body["response_format"]?["type"] == .string("json_schema")
                ? Self.error(status: 400, "response_format json_schema is not supported") : Self.good
        }
        let judge = try Self.judge(transport, clock: clock)
        _ = try await judge.judge(Self.prompt)
        _ = try await judge.judge(Self.prompt)
        #expect(judge.responseFormatMode == .jsonObject)
        #expect(transport.requests.count == 3 && clock.sleeps.isEmpty)
    }

    @Test("a 400 naming temperature: sent again at once without it, and never again this run")
    func droppedParameter() async throws {
        let clock = RecordingClock()
        let transport = StubTransport { request, _ in
            let body = try JSONParser.parse(request.body)
            return body["temperature"] != nil ? Self.error(status: 400, "Unsupported parameter: 'temperature'") : Self.good
        }
        let endpoint = try JudgeEndpoint.resolve(
            judge: "vllm/local", apiBase: "http://judge.invalid/v1", environment: [:], requireKey: false)
        let judge = ChatJudge(
            endpoint: endpoint, settings: JudgeSettings(temperature: 0, maxRetries: 0), transport: transport, clock: JudgeClock(clock))
        _ = try await judge.judge(Self.prompt)
        _ = try await judge.judge(Self.prompt)
        #expect(transport.requests.count == 3 && clock.sleeps.isEmpty)
    }
}
