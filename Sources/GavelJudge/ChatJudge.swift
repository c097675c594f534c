import Foundation
import GavelCore
import GavelHTTP
import GavelJSON
import Logging
import Synchronization

/// A judge that calls a chat model over HTTP: OpenAI-compatible, Azure or Anthropic, each through
/// its `JudgeWireFormat`.
///
/// Asks for structured output and falls back (json_schema → json_object → text) when the
/// server rejects it, remembering the working mode for the rest of the run. Retries 429, 408,
/// 5xx, timeouts and dropped connections as its `RetryPolicy` says (exponential backoff with full
/// jitter, honouring `Retry-After`), waiting on its clock. When the ids in an answer are wrong it
/// sends one corrective turn first.
///
/// The output-token cap goes to OpenAI and Azure as `max_completion_tokens` (their reasoning
/// models refuse `max_tokens`) and to other servers as `max_tokens`. When a judge answers 400
/// naming a parameter that Gavel added from its own flags (`--temperature`, `--max-tokens`,
/// `--reasoning-effort`; never one passed with `--judge-param`), the call is retried at once
/// without it (or under the token cap's other name) and the run warns once — as LiteLLM's
/// `drop_params` does for ART users.
public final class ChatJudge: Judge {
    public let endpoint: JudgeEndpoint
    public let settings: JudgeSettings
    public let statistics: JudgeStatistics
    public var callStatistics: JudgeStatistics? { statistics }
    private let transport: any HTTPTransport
    private let format: any JudgeWireFormat
    /// When to try again, and after how long.
    public let retryPolicy: RetryPolicy
    /// The clock retries wait on (a test passes one that does not sleep).
    private let clock: JudgeClock
    private let logger: Logger
    private let mode: Mutex<ResponseFormatMode>
    private let limiter: RateLimiter
    private let window = AdaptiveWindow(maximum: 4096)
    private let initialMode: ResponseFormatMode
    private let adjustments: Mutex<ParameterAdjustments>

    /// How requests differ from the configured settings after judges refused parameters.
    struct ParameterAdjustments {
        /// The name the output-token cap goes by.
        var tokenParameter: String
        /// Whether the token cap's other name was tried already.
        var renamedTokenParameter = false
        /// Parameters left out for the rest of the run.
        var dropped: Set<String> = []
    }

    public var name: String { endpoint.name }

    public var cacheIdentity: JSONValue {
        var o = JSONObject()
        o["provider"] = .string(endpoint.provider)
        o["model"] = .string(endpoint.model)
        o["api_base"] = .string(endpoint.baseURL)
        o["api_version"] = endpoint.apiVersion.map(JSONValue.string) ?? .null
        o["temperature"] = settings.temperature.map(JSONValue.double) ?? .null
        o["max_tokens"] = settings.maxTokens.map(JSONValue.int) ?? .null
        o["reasoning_effort"] = settings.reasoningEffort.map(JSONValue.string) ?? .null
        o["response_format"] = .string(initialMode.rawValue)
        o["params"] = .object(JSONObject(settings.extraParameters))
        return .object(o)
    }

    public init(
        endpoint: JudgeEndpoint, settings: JudgeSettings = .init(), transport: any HTTPTransport,
        statistics: JudgeStatistics = .init(), rateLimiter: RateLimiter? = nil,
        initialMode: ResponseFormatMode = .jsonSchema, retryPolicy: RetryPolicy? = nil,
        clock: JudgeClock = .continuous, logger: Logger = Logger(label: "gavel.judge")
    ) {
        self.endpoint = endpoint
        self.settings = settings
        self.transport = transport
        self.format = endpoint.style.wireFormat
        self.retryPolicy = retryPolicy ?? RetryPolicy(settings)
        self.clock = clock
        self.statistics = statistics
        self.logger = logger
        self.mode = Mutex(initialMode)
        self.initialMode = initialMode
        self.limiter = rateLimiter ?? RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: clock)
        let openAIProper = endpoint.style == .azure || (endpoint.style == .openAI && endpoint.provider == "openai")
        self.adjustments = Mutex(ParameterAdjustments(tokenParameter: openAIProper ? "max_completion_tokens" : "max_tokens"))
    }

    /// The structured-output mode in use now.
    public var responseFormatMode: ResponseFormatMode { mode.withLock { $0 } }

    public func judge(_ prompt: JudgePrompt) async throws -> JudgeVerdict {
        var usage = TokenUsage()
        var calls = 0
        var seconds = 0.0
        var failures = 0
        var correction: (answer: String, problem: String)?
        var lastCause = RetryCause.malformed
        var budget = outputBudget(prompt)
        while true {
            if Task.isCancelled { throw JudgeError.cancelled("cancelled") }
            let currentMode = responseFormatMode
            let body = requestBody(prompt, mode: currentMode, correction: correction, budget: budget)
            let request = HTTPRequest(
                url: endpoint.chatURL,
                headers: [("Content-Type", "application/json")] + endpoint.authHeaders,
                body: body, timeout: settings.timeout)
            let estimate = body.count / 4
            try await limiter.acquire(tokens: estimate)
            let retryDelay: Duration?
            do {
                let sent = ContinuousClock.now
                let response = try await send(request)
                let took = ContinuousClock.now - sent
                calls += 1
                seconds += took.seconds
                // Parse a successful body once; answer and usage both come from it.
                let json = response.status < 300 ? try? JSONParser.parse(response.body) : nil
                let callUsage = format.usage(of: json)
                usage += callUsage
                statistics.call(usage: callUsage, took: took)
                await limiter.settle(estimated: estimate, actual: callUsage.prompt + callUsage.completion)
                switch response.status {
                case 200..<300:
                    let (answer, value) = format.answer(of: json, body: response)
                    if let cap = budget, format.truncated(json), cap < Self.maximumBudget {
                        // Cut off by the cap Gavel chose: never parse half an answer; ask again with room.
                        budget = min(Self.maximumBudget, cap * 2)
                        statistics.retry(.truncated)
                        logger.debug("answer cut off at the token cap", metadata: ["cap": "\(cap)", "next": "\(budget ?? 0)"])
                        continue
                    }
                    do throws(ScoreParser.Problem) {
                        let verdict = try read(answer: answer, value: value, json: json, prompt: prompt)
                        logger.debug("judge answer", metadata: ["calls": "\(calls)", "answer": "\(answer)"])
                        var accepted = JudgeVerdict(
                            scores: verdict.scores, explanations: verdict.explanations, usage: usage, raw: answer, calls: calls)
                        accepted.seconds = seconds
                        return accepted
                    } catch {
                        lastCause = error.cause
                        if error.isCorrectable, correction == nil {
                            // One corrective follow-up turn, naming exactly what was wrong.
                            correction = (answer, error.description)
                            statistics.correction()
                            statistics.retry(error.cause)
                            logger.debug("corrective turn", metadata: ["problem": "\(error.description)"])
                            continue
                        }
                        correction = nil
                        retryDelay = retryPolicy.backoff(afterFailures: failures)
                    }
                case 401, 403:
                    let which = endpoint.apiKey == nil ? "no API key was sent" : "the API key was refused"
                    throw JudgeError.unauthorized(
                        "the judge at \(URLText.redacted(endpoint.baseURL)) answered HTTP \(response.status): \(which); check the key "
                            + "variable for \(endpoint.provider)"
                    )
                case let status where RetryPolicy.isRetryable(status: status):
                    let message = Self.errorMessage(response)
                    if response.status >= 500, Self.mentionsSchema(message),
                        downgrade(from: currentMode, status: response.status, message: message)
                    {
                        continue
                    }
                    lastCause = response.status == 429 ? .rateLimited : (response.status == 408 ? .requestTimeout : .serverError)
                    let asked = RetryPolicy.retryAfter(response)
                    // The judge asked every caller to wait, not just this one.
                    if response.status == 429, let asked { await limiter.pause(for: asked) }
                    retryDelay = retryPolicy.delay(afterFailures: failures, asked: asked)
                default:
                    let message = Self.errorMessage(response)
                    if Self.refusesLength(response) {
                        throw JudgeError.contextTooLong(
                            "the judge at \(URLText.redacted(endpoint.baseURL)) refused the prompt as longer than its context "
                                + "(HTTP \(response.status)): \(message)")
                    }
                    if Self.mentionsSchema(message), downgrade(from: currentMode, status: response.status, message: message) {
                        continue
                    }
                    if response.status == 400, adjustForRejected(message: message, sent: body) {
                        continue
                    }
                    throw JudgeError.badRequest(
                        "the judge at \(URLText.redacted(endpoint.baseURL)) refused the request with HTTP \(response.status): \(message)")
                }
            } catch let error as TransportError {
                if error == .cancelled { throw JudgeError.cancelled("cancelled") }
                // The attempt was made (a timeout or a dropped connection still costs the server work).
                calls += 1
                statistics.call(usage: TokenUsage())
                guard error.isRetryable else {
                    if error == .tls { throw JudgeError.untrusted("cannot reach the judge: \(error)") }
                    if error == .couldNotResolve { throw JudgeError.unreachable("cannot reach the judge: \(error)") }
                    throw JudgeError.gaveUp("\(error)")
                }
                lastCause = .transport(error)
                retryDelay = retryPolicy.backoff(afterFailures: failures)
            }
            failures += 1
            if !retryPolicy.allowsRetry(afterFailures: failures) {
                if lastCause == .transport(.connectionRefused) {
                    throw JudgeError.unreachable(
                        "cannot reach the judge at \(URLText.redacted(endpoint.baseURL)): connection refused after \(failures) attempts")
                }
                let message = "gave up after \(failures) attempts; last problem: \(lastCause)"
                if lastCause == .transport(.timeout) || lastCause == .requestTimeout { throw JudgeError.timedOut(message) }
                throw JudgeError.gaveUp(message)
            }
            statistics.retry(lastCause)
            if let delay = retryDelay, delay > .zero {
                do { try await clock.sleep(delay) } catch { throw JudgeError.cancelled("cancelled") }
            }
        }
    }

    /// The most output tokens Gavel asks for when it raises its own cap after a cut-off answer.
    static let maximumBudget = 32768

    /// The output-token cap Gavel sets when the user set none: the mode's budget for this many ids.
    /// None for reasoning models (their thinking counts against it) unless the user set one.
    func outputBudget(_ prompt: JudgePrompt) -> Int? {
        guard settings.maxTokens == nil, settings.reasoningEffort == nil else { return nil }
        return prompt.mode.outputBudget(ids: prompt.ids.count)
    }

    /// What an accepted answer says, read by the prompt's mode.
    package struct Reading {
        package var scores: [Double]
        package var explanations: [String]
        package var rescale: ScoreParser.Rescale?
        /// Digit grades weighted by logprobs, and read as written.
        package var weighted = 0
        package var written = 0
        /// Whether the response held logprobs at all.
        package var logprobsSent = false
    }

    /// Reads an answer (text, or a forced tool call's input) by `mode`: digit grades with their
    /// logprobs, else the JSON scores. Live calls and collected batches both read answers here.
    package static func read(
        answer: String, value: JSONValue?, json: JSONValue?, mode: JudgeMode, ids: [String]
    ) throws(ScoreParser.Problem)
        -> Reading
    {
        if mode.grade == .logprobs, value == nil {
            let tokens = GradeParser.tokens(json?["choices"]?.arrayValue?.first?["logprobs"]?["content"])
            let parsed = try GradeParser.parse(answer: answer, tokens: tokens, expectedIDs: ids)
            return Reading(
                scores: parsed.scores, explanations: parsed.explanations, weighted: parsed.weighted,
                written: parsed.scores.count - parsed.weighted, logprobsSent: tokens != nil)
        }
        let parsed = try ScoreParser.parse(answer: answer, value: value, expectedIDs: ids)
        return Reading(scores: parsed.scores, explanations: parsed.explanations, rescale: parsed.rescale)
    }

    /// Reads an accepted answer and counts how: rescaled scales, weighted and written grades
    /// (warning once when grades had to be read as written).
    private func read(answer: String, value: JSONValue?, json: JSONValue?, prompt: JudgePrompt) throws(ScoreParser.Problem) -> Reading {
        let reading = try Self.read(answer: answer, value: value, json: json, mode: prompt.mode, ids: prompt.ids)
        if let rescale = reading.rescale { statistics.rescaled(rescale) }
        if prompt.mode.grade == .logprobs, statistics.grades(weighted: reading.weighted, written: reading.written) {
            let why = reading.logprobsSent ? "a grade was not a token of its own in the judge's logprobs" : "the judge sent no logprobs"
            logger.warning("\(why); such grades count as written (whole steps of 1/9, more ties). The summary counts them.")
        }
        return reading
    }

    /// Sends one request through the adaptive window, learning the judge's rate limits from the answer.
    private func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let ticket = await window.acquire()
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            await window.release(ticket, .failed)
            throw error
        }
        await window.release(ticket, response.status == 429 ? .rateLimited : .answered)
        // Most judges send no rate-limit headers: no hop to the limiter for nothing.
        let limits = RateLimitHeaders(response)
        if !limits.isEmpty { await limiter.learn(limits) }
        return response
    }

    /// Steps the structured-output mode down once per mode; returns false when there is nothing weaker.
    private func downgrade(from current: ResponseFormatMode, status: Int, message: String) -> Bool {
        guard let next = current.fallback else { return false }
        let changed = mode.withLock { m -> Bool in
            guard m == current else { return false }
            m = next
            return true
        }
        if changed {
            statistics.retry(.schemaFallback)
            logger.warning(
                "the judge rejected response_format \(current.rawValue) (HTTP \(status)); using \(next.rawValue) for the rest of the run")
        }
        return true
    }

    /// Parameters Gavel adds from its own flags, which a judge may refuse; `--judge-param` ones are the user's.
    private var addedParameters: [String] {
        let user = Set(settings.extraParameters.map(\.key))
        return ["temperature", "max_tokens", "max_completion_tokens", "reasoning_effort", "logprobs", "top_logprobs"].filter {
            !user.contains($0)
        }
    }

    /// After a 400 whose message names a parameter Gavel added: rename the token cap once, else
    /// leave the parameter out for the rest of the run; warns once per parameter. A call that was
    /// built before another call's adjustment is simply sent again. False if the message names
    /// none of them (the request is then refused for good).
    private func adjustForRejected(message: String, sent body: [UInt8]) -> Bool {
        guard let sent = try? JSONParser.parse(body) else { return false }
        guard let name = addedParameters.first(where: { sent[$0] != nil && Self.names(message, $0) }) else { return false }
        let isTokenCap = name == "max_tokens" || name == "max_completion_tokens"
        let action = adjustments.withLock { a -> String in
            if a.dropped.contains(name) || (isTokenCap && name != a.tokenParameter) { return "" }  // adjusted already
            if isTokenCap, !a.renamedTokenParameter {
                a.renamedTokenParameter = true
                a.tokenParameter = name == "max_tokens" ? "max_completion_tokens" : "max_tokens"
                return "sending it as \(a.tokenParameter)"
            }
            a.dropped.insert(name)
            return "leaving it out"
        }
        statistics.retry(.unsupportedParameter)
        if !action.isEmpty {
            logger.warning("the judge refused \(name) (HTTP 400: \(message)); \(action) for the rest of the run")
        }
        return true
    }

    /// Whether `message` names `parameter` as a word (not inside a longer identifier).
    static func names(_ message: String, _ parameter: String) -> Bool {
        var rest = Substring(message)
        while let r = rest.range(of: parameter) {
            let before = rest[..<r.lowerBound].last, after = rest[r.upperBound...].first
            let isWordChar: (Character?) -> Bool = { $0.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
            if !isWordChar(before) && !isWordChar(after) { return true }
            rest = rest[r.upperBound...]
        }
        return false
    }

    // MARK: Request

    /// The request body for `prompt`: what the run asks (mode, cap, parameters not refused), in the provider's format.
    package func requestBody(
        _ prompt: JudgePrompt, mode: ResponseFormatMode, correction: (answer: String, problem: String)?, budget: Int? = nil
    ) -> [UInt8] {
        let grades = prompt.mode.grade == .logprobs
        let fix = correction.map { c in
            "Your answer could not be used: \(c.problem). Reply again with "
                + (grades ? "one line `id: grade` for each " : "the complete JSON object, exactly one entry for each ")
                + "trajectory id: " + prompt.ids.map { "\"\($0)\"" }.joined(separator: ", ") + "."
        }
        let (dropped, tokenName) = adjustments.withLock { ($0.dropped, $0.tokenParameter) }
        var content = JudgeRequestContent(
            model: endpoint.model, system: prompt.system, user: prompt.user,
            correction: correction.flatMap { c in fix.map { (c.answer, $0) } },
            ids: prompt.ids, answer: prompt.mode.answer, grades: grades, mode: mode)
        content.logprobs = grades && !dropped.contains("logprobs")
        content.topLogprobs = !dropped.contains("top_logprobs")
        content.maxTokens = settings.maxTokens ?? budget ?? outputBudget(prompt)
        content.tokenParameter = dropped.contains(tokenName) ? nil : tokenName
        content.temperature = dropped.contains("temperature") ? nil : settings.temperature
        content.reasoningEffort = dropped.contains("reasoning_effort") ? nil : settings.reasoningEffort
        content.extra = settings.extraParameters
        var w = JSONWriter(reservingCapacity: prompt.user.utf8.count + prompt.system.utf8.count + 512)
        w.write(format.body(content))
        return w.bytes
    }

    // MARK: Response

    /// The server's error message (from `error.message` when it is JSON), at most 300 characters.
    package static func errorMessage(_ response: HTTPResponse) -> String {
        let text: String
        if let json = try? JSONParser.parse(response.body),
            let m = json["error"]?["message"]?.stringValue ?? json["error"]?.stringValue ?? json["message"]?.stringValue
        {
            text = m
        } else {
            text = response.bodyText
        }
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count > 300 ? String(flat.prefix(300)) + "…" : flat
    }

    /// Whether an error answer says the prompt is longer than the model's context: OpenAI's
    /// `context_length_exceeded`, vLLM's "maximum context length", llama.cpp's "exceeds the
    /// available context size".
    static func refusesLength(_ response: HTTPResponse) -> Bool {
        guard response.status == 400 || response.status == 413 else { return false }
        let text = response.bodyText.lowercased()
        return text.contains("context_length_exceeded") || text.contains("maximum context length")
            || text.contains("exceeds the available context size") || text.contains("exceed_context_size")
    }

    static func mentionsSchema(_ message: String) -> Bool {
        let m = message.lowercased()
        return m.contains("response_format") || m.contains("json_schema") || m.contains("schema") || m.contains("json_object")
    }
}
