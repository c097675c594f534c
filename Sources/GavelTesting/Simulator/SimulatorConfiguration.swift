/// How the judge simulator behaves: where it listens, how slow it is, and which faults it injects.
///
/// Fault and quirk rates are probabilities in [0, 1], drawn per request from a seeded generator,
/// so a run with the same seed and request order injects the same faults.
public struct SimulatorConfiguration: Sendable {
    /// Serving https: PEM files of the certificate chain and its key, and optionally a CA whose
    /// client certificates are then required (mutual TLS).
    public struct TLS: Sendable {
        public var certificateChain: String
        public var privateKey: String
        public var clientCA: String?

        public init(certificateChain: String, privateKey: String, clientCA: String? = nil) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
            self.clientCA = clientCA
        }
    }

    /// TCP port on 127.0.0.1; 0 picks a free one.
    public var port: Int
    /// Delay before each answer, in milliseconds.
    public var latencyMs: Int
    /// Rate of 429 answers (with `Retry-After`).
    public var fail429: Double
    /// Rate of 500 answers.
    public var fail500: Double
    /// Rate of answers whose content is not the scores JSON.
    public var malformed: Double
    /// Rate of answers with a missing, duplicated or unknown trajectory id.
    public var wrongIds: Double
    /// Rate of answers with a score outside 0–1 that no scale explains (a negative one).
    public var outOfRange: Double
    /// Rate of answers that think first, as reasoning models do: `<think>` with a draft JSON of wrong
    /// scores inside, then the real JSON (half of them without the opening tag, as chat templates
    /// that open it themselves produce).
    public var think: Double
    /// Request parameters answered with HTTP 400 "Unsupported parameter", as OpenAI's reasoning
    /// models answer `max_tokens` and `temperature`.
    public var rejectParameters: [String]
    /// Judge requests allowed per minute (a token bucket holding one second's worth); above it,
    /// 429 with `Retry-After`. Every answer carries OpenAI's `x-ratelimit-*` headers unless
    /// `hideLimitHeaders`.
    public var limitRPM: Int?
    /// Answer over-limit requests with 429 but send no `x-ratelimit-*` headers (a judge that does not say its limits).
    public var hideLimitHeaders: Bool
    /// When set, the simulator serves https (HTTP/1.1) with this certificate.
    public var tls: TLS?
    /// Rate of connections closed without an answer.
    public var dropConnection: Double
    /// Rate of answers whose body arrives in slow pieces.
    public var slowBody: Double
    /// Rate of well-formed answers in an awkward shape (fenced JSON, prose around JSON, 0–10 scale, "8/10" strings).
    public var quirks: Double
    /// Answer 500 to any request that asks for `response_format: json_schema` (as llama-cpp-python does).
    public var rejectJSONSchema: Bool
    /// When set, requests must carry this key (`Authorization: Bearer` or `x-api-key`), else 401.
    public var requiredKey: String?
    /// The `Retry-After` value sent with 429 answers, in seconds.
    public var retryAfterSeconds: Int
    /// Seed of the fault generator.
    public var seed: UInt64
    /// The first this-many judge requests are answered 429 with `Retry-After`, whatever the rates.
    public var failFirst: Int
    /// The first this-many judge requests are never answered: the connection stays open and silent.
    public var hangFirst: Int
    /// Judge requests after the first this-many are never answered: a run cannot end by itself, so
    /// a test that interrupts it races no clock. Nil: every request is answered.
    public var hangAfter: Int?
    /// Added to each score as `positionBias × slot / (n − 1)`: a judge that favours later (or, when
    /// negative, earlier) positions by a known amount.
    public var positionBias: Double
    /// Standard deviation of Gaussian noise added to each score, seeded by the request and `seed`.
    public var noise: Double
    /// Refuse requests of more than this many tokens (bytes / 4) as llama.cpp does: HTTP 400, exceed_context_size_error.
    public var contextTokens: Int?
    /// Seconds a batch takes from creation to its end (Batch API and Message Batches).
    public var batchDelay: Double
    /// Share of requests in a batch that fail (a 500 in OpenAI's error file; Anthropic's `errored`):
    /// exactly round(rate × requests) of them, at seeded random places.
    public var batchErrors: Double
    /// Share of requests in a batch that expire (`batch_expired`; Anthropic's `expired`), counted the same way.
    public var batchExpired: Double
    /// Seconds after which a batch not yet ended expires whole (the provider's completion window);
    /// nil: never.
    public var batchWindow: Double?
    /// Batches stay in progress, whatever the time, until `JudgeSimulator.releaseBatches()` (a test
    /// that must act while a batch runs then races no clock).
    public var holdBatches: Bool
    /// Hold every judge answer until this many requests have been in flight at once (or 90 s have
    /// passed), then answer after `latencyMs`: a test of concurrency sees its overlap for certain
    /// instead of hoping a latency is long enough on a loaded machine.
    public var holdUntilInFlight: Int?
    /// Whether answers carry `logprobs` when a request asks for them (`logprobs: true`); false
    /// plays a server that ignores the parameter.
    public var logprobs: Bool
    /// How sure the simulated grades are: a digit d gets probability ∝ exp(−sharpness·(d − 9·score)²).
    public var logprobSharpness: Double

    public init(
        port: Int = 0, latencyMs: Int = 0, fail429: Double = 0, fail500: Double = 0, malformed: Double = 0,
        wrongIds: Double = 0, dropConnection: Double = 0, slowBody: Double = 0, quirks: Double = 0,
        rejectJSONSchema: Bool = false, requiredKey: String? = nil, retryAfterSeconds: Int = 1, seed: UInt64 = 42,
        failFirst: Int = 0, hangFirst: Int = 0, outOfRange: Double = 0, think: Double = 0, rejectParameters: [String] = [],
        tls: TLS? = nil, limitRPM: Int? = nil, hideLimitHeaders: Bool = false, positionBias: Double = 0, noise: Double = 0,
        contextTokens: Int? = nil, batchDelay: Double = 1, batchErrors: Double = 0, batchExpired: Double = 0,
        batchWindow: Double? = nil, holdBatches: Bool = false, holdUntilInFlight: Int? = nil, logprobs: Bool = true,
        logprobSharpness: Double = 2, hangAfter: Int? = nil
    ) {
        self.hangAfter = hangAfter
        self.logprobs = logprobs
        self.logprobSharpness = logprobSharpness
        self.port = port
        self.latencyMs = latencyMs
        self.fail429 = fail429
        self.fail500 = fail500
        self.malformed = malformed
        self.wrongIds = wrongIds
        self.dropConnection = dropConnection
        self.slowBody = slowBody
        self.quirks = quirks
        self.rejectJSONSchema = rejectJSONSchema
        self.requiredKey = requiredKey
        self.retryAfterSeconds = retryAfterSeconds
        self.seed = seed
        self.failFirst = failFirst
        self.hangFirst = hangFirst
        self.outOfRange = outOfRange
        self.think = think
        self.rejectParameters = rejectParameters
        self.tls = tls
        self.limitRPM = limitRPM
        self.hideLimitHeaders = hideLimitHeaders
        self.positionBias = positionBias
        self.noise = noise
        self.contextTokens = contextTokens
        self.batchDelay = batchDelay
        self.batchErrors = batchErrors
        self.batchExpired = batchExpired
        self.batchWindow = batchWindow
        self.holdBatches = holdBatches
        self.holdUntilInFlight = holdUntilInFlight
    }
}
