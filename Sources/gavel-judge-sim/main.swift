import ArgumentParser
import Foundation
import GavelTesting

/// Command line of the judge simulator.
@main
struct JudgeSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gavel-judge-sim",
        abstract: "An OpenAI/Anthropic-compatible LLM judge simulator on 127.0.0.1, for tests, benchmarks and offline demos.",
        discussion: """
            Scores every <trajectory id="..."> block of a judge prompt deterministically: by a QUALITY=<x> \
            marker in the block if present, else by a hash of the block. Faults and quirks are injected at \
            the given rates (0 to 1), drawn from a seeded generator. GET /stats returns counters as JSON.

            Examples:
              gavel-judge-sim --port 8787
              gavel-judge-sim --port 8787 --latency-ms 200
              gavel-judge-sim --fail-429 0.1 --fail-500 0.05 --malformed 0.05 --quirks 0.3
            """
    )

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).") var port = 8787
    @Option(help: "Delay before each answer, in milliseconds.") var latencyMs = 0
    @Option(name: .customLong("fail-429"), help: "Rate of 429 answers with Retry-After.") var fail429 = 0.0
    @Option(name: .customLong("fail-500"), help: "Rate of 500 answers.") var fail500 = 0.0
    @Option(help: "Rate of answers without valid scores JSON.") var malformed = 0.0
    @Option(help: "Rate of answers with missing, duplicated or unknown ids.") var wrongIds = 0.0
    @Option(help: "Rate of awkward but valid answers (fenced JSON, prose, 0-10 scale, \"8/10\").") var quirks = 0.0
    @Option(help: "Rate of connections dropped without an answer.") var dropConnection = 0.0
    @Option(help: "Rate of answers whose body arrives slowly.") var slowBody = 0.0
    @Flag(help: "Answer 500 to response_format json_schema (like llama-cpp-python).") var rejectJsonSchema = false
    @Option(help: "Require this API key (else 401).") var requireKey: String?
    @Option(help: "Retry-After seconds on 429 answers.") var retryAfter = 1
    @Option(help: "Seed of the fault generator.") var seed: UInt64 = 42
    @Option(help: "Event-loop threads.") var threads = 1
    @Option(help: "Answer the first N judge requests with 429 and Retry-After.") var failFirst = 0
    @Option(help: "Never answer the first N judge requests (the connection stays open).") var hangFirst = 0
    @Option(help: "Rate of answers with a negative score.") var outOfRange = 0.0
    @Option(help: "Rate of answers that think first (<think> with a draft JSON inside), as reasoning models do.") var think = 0.0
    @Option(help: "Answer 400 \"Unsupported parameter\" to requests carrying this parameter (repeatable).") var rejectParameter: [String] =
        []
    @Option(help: "Allow N judge requests a minute (one second's burst); answer 429 with Retry-After and x-ratelimit-* headers above it.")
    var limitRpm: Int?
    @Flag(help: "With --limit-rpm, send no x-ratelimit-* headers.") var hideLimitHeaders = false
    @Option(help: "Serve https with this PEM certificate chain (needs --tls-key).") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?
    @Option(help: "Require client certificates issued by this PEM CA (mutual TLS).") var tlsClientCa: String?
    @Option(help: "Add X × slot/(n−1) to each score: a judge biased towards later positions (earlier when negative).")
    var positionBias = 0.0
    @Option(help: "Add Gaussian noise with this standard deviation to each score (seeded by the request and --seed).")
    var noise = 0.0
    @Option(help: "Refuse requests longer than N tokens (bytes/4) with llama.cpp's context-size error.") var contextTokens: Int?
    @Flag(help: "Ignore `logprobs: true` (a server that returns no token logprobs).") var noLogprobs = false
    @Option(help: "How sure digit grades are: digit d has probability ∝ exp(−S·(d − 9·score)²).") var logprobSharpness = 2.0

    @Option(help: "Seconds a batch (Batch API, Message Batches) takes to end.") var batchDelay = 1.0
    @Option(help: "Rate of requests in a batch that fail.") var batchErrors = 0.0
    @Option(help: "Rate of requests in a batch that expire.") var batchExpired = 0.0
    @Option(help: "Seconds after which a batch not yet ended expires whole (its completion window).") var batchWindow: Double?

    func validate() throws {
        for (name, rate) in [
            ("fail-429", fail429), ("fail-500", fail500), ("malformed", malformed), ("wrong-ids", wrongIds),
            ("quirks", quirks), ("drop-connection", dropConnection), ("slow-body", slowBody), ("batch-errors", batchErrors),
            ("batch-expired", batchExpired),
        ] where !(0...1).contains(rate) {
            throw ValidationError("--\(name) must be a rate between 0 and 1, got \(rate)")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (-1...1).contains(positionBias) else { throw ValidationError("--position-bias must be between -1 and 1") }
        guard (0...1).contains(noise) else { throw ValidationError("--noise must be between 0 and 1") }
        guard logprobSharpness > 0 else { throw ValidationError("--logprob-sharpness must be positive") }
    }

    func run() async throws {
        let config = SimulatorConfiguration(
            port: port, latencyMs: latencyMs, fail429: fail429, fail500: fail500, malformed: malformed, wrongIds: wrongIds,
            dropConnection: dropConnection, slowBody: slowBody, quirks: quirks, rejectJSONSchema: rejectJsonSchema,
            requiredKey: requireKey, retryAfterSeconds: retryAfter, seed: seed, failFirst: failFirst, hangFirst: hangFirst,
            outOfRange: outOfRange, think: think, rejectParameters: rejectParameter,
            tls: tlsCert.map { .init(certificateChain: $0, privateKey: tlsKey ?? $0, clientCA: tlsClientCa) },
            limitRPM: limitRpm, hideLimitHeaders: hideLimitHeaders, positionBias: positionBias, noise: noise,
            contextTokens: contextTokens, batchDelay: batchDelay, batchErrors: batchErrors, batchExpired: batchExpired,
            batchWindow: batchWindow, logprobs: !noLogprobs, logprobSharpness: logprobSharpness)
        let sim = try await JudgeSimulator(configuration: config, threads: threads)
        FileHandle.standardOutput.write(Data("gavel-judge-sim listening on \(sim.baseURL)\n".utf8))
        try await sim.wait()
    }
}
