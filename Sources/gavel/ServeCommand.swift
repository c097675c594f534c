import ArgumentParser
import Foundation
import Gavel
import GavelCache
import GavelServe
import Logging

/// `gavel serve`: the ranking service rollout workers share (one judge, cache and rate budget).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Rank groups over HTTP: one judge, cache, concurrency limit and rate budget shared by every client.",
        discussion: """
            Routes (JSON in and out):
              POST /v1/rank       {"trajectories": [...], "rubric"?: NAME, "samples"?: K, "advantage"?: MODE}
                                  -> {"scores": [{"score", "rank", "advantage", "explanation"}], "zero_variance", "cached", "judge"}
              POST /v1/rank/many  {"groups": [{"trajectories": [...]}, ...], "stream"?: true, ...defaults}
                                  -> {"results": [...]} at the end, or JSON Lines as each group finishes ("stream": true)
              GET  /healthz, GET /metrics (Prometheus text: requests, groups, judge calls, retries, tokens, cache, latency)
            Trajectories are ART's ("messages_and_choices") or OpenAI chat ("messages"); scores come back in the order \
            given. Errors are {"error": {"code", "message", "path"?}}: 400 invalid_json, invalid_request, \
            missing_trajectories, empty_group, invalid_trajectory, unknown_rubric, invalid_setting; 401 unauthorized; \
            402 cost_limit; 413 body_too_large; 429 queue_full; 502 judge_failed; 504 judge_timeout.

            Off loopback every request needs Authorization: Bearer TOKEN, the token read from --auth-token-env; \
            gavel serve refuses to start there without one. SIGTERM or SIGINT stops taking connections, answers \
            the requests in flight, writes the cache's run log and exits 0; so does the end of standard input \
            with --stop-when-stdin-closes.

            Examples:
              gavel serve --judge openai/gpt-4.1-mini --port 8080 --rpm 3000
              gavel serve --judge vllm/Qwen3-8B --api-base http://gpu-box:8000/v1 --concurrency 128 --cache-url postgres://gavel@db/gavel
              gavel serve --judge openai/gpt-4.1-mini --max-cost 20 --max-cost-window 24h     # at most $20 a day
              GAVEL_TOKEN=$(openssl rand -hex 16) gavel serve --host 0.0.0.0 --auth-token-env GAVEL_TOKEN
              curl -s localhost:8080/v1/rank -d @group.json
            """
    )

    @Option(help: ArgumentHelp("Address to listen on; anything but loopback needs --auth-token-env.", valueName: "HOST"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port to listen on; 0 picks a free one (printed on standard error).", valueName: "PORT"))
    var port = 8080

    @Option(help: ArgumentHelp("Largest request body accepted (413 above it): 64MiB, 512KB, or bytes.", valueName: "SIZE"))
    var maxBody = "64MiB"

    @Option(help: ArgumentHelp("Groups queued or being judged, over all requests, before the service answers 429.", valueName: "N"))
    var maxQueue = 1024

    @Option(help: ArgumentHelp("Environment variable holding the bearer token every request must carry.", valueName: "NAME"))
    var authTokenEnv: String?

    @OptionGroup(title: "Judge") var judgeOptions: JudgeOptions

    @OptionGroup(title: "Scoring") var scoring: ScoringOptions

    @OptionGroup(title: "Cache") var cacheOptions: CacheOptions

    @OptionGroup(title: "Prices") var pricing: PriceOptions

    @Option(
        help: ArgumentHelp(
            "Spend at most this many US dollars on judge calls over the service's life (or per --max-cost-window): past it, "
                + "requests the cache cannot answer get 402 cost_limit. Needs the judge's price (LiteLLM's map, or --prices).",
            valueName: "USD"))
    var maxCost: Double?

    @Option(
        help: ArgumentHelp(
            "Apply --max-cost per window of this length, counting from zero when a window ends (402 answers say when, in "
                + "Retry-After): 30m, 1h, 24h, or seconds.",
            valueName: "DURATION"))
    var maxCostWindow: String?

    @Flag(
        help: ArgumentHelp(
            "Stop gracefully when standard input reaches its end: start gavel serve with a pipe on its standard input, and "
                + "it stops when the starting process exits, even if killed (Python's LocalGavel does this)."))
    var stopWhenStdinCloses = false

    @Flag(help: "Log each judge call's details (never headers or keys).")
    var debug = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard try Self.bytes(maxBody) >= 1024 else { throw ValidationError("--max-body must be at least 1024 bytes") }
        guard maxQueue >= 1 else { throw ValidationError("--max-queue must be at least 1") }
        try judgeOptions.validate()
        try scoring.validate()
        if let maxCost, !(maxCost > 0 && maxCost.isFinite) { throw ValidationError("--max-cost must be a positive number of US dollars") }
        if let w = maxCostWindow {
            guard maxCost != nil else { throw ValidationError("--max-cost-window needs --max-cost") }
            _ = try Self.seconds(w)
        }
    }

    /// `--max-cost-window` in seconds: 90, 90s, 30m, 1h, 1d.
    static func seconds(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(text.trimmingCharacters(in: .whitespaces)), unit = 1.0
        if let last = number.last, let u = units[last] {
            unit = u
            number = number.dropLast()
        }
        guard let n = Double(number), n.isFinite, n * unit >= 1 else {
            throw ValidationError("--max-cost-window takes a duration of at least one second such as 30m, 1h or 3600, got \(text)")
        }
        return n * unit
    }

    /// `--max-body` in bytes (sizes as `gavel cache prune --max-size` reads them: 64MiB, 500KB, 1048576).
    static func bytes(_ text: String) throws -> Int {
        guard let n = CacheMaintenance.parseSize(text) else {
            throw ValidationError("--max-body takes a size such as 64MiB, 512KB or 67108864, got \(text)")
        }
        return n
    }

    /// The service's configuration, from the flags and the environment.
    func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServeConfiguration {
        var rank = RankConfiguration(inputs: [], environment: environment)
        judgeOptions.apply(to: &rank)
        scoring.apply(to: &rank)
        cacheOptions.apply(to: &rank)
        rank.priceFile = pricing.prices
        rank.maxCost = maxCost
        rank.maxCostWindow = try maxCostWindow.map(Self.seconds)
        var c = ServeConfiguration(rank: rank)
        c.host = host
        c.port = port
        c.maxBodyBytes = try Self.bytes(maxBody)
        c.maxQueuedGroups = maxQueue
        c.stopWhenStandardInputCloses = stopWhenStdinCloses
        if let name = authTokenEnv {
            guard let token = environment[name], !token.isEmpty else {
                throw ValidationError("--auth-token-env \(name): the environment variable \(name) is not set or empty")
            }
            c.authToken = token
        }
        return c
    }

    func run() async throws {
        let level: Logger.Level = debug ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gavel.serve")
        do {
            let service = try GavelService(configuration: try configuration(), logger: logger)
            let judge = service.judgeName
            try await service.serve { host, port in
                let shown = host.contains(":") ? "[\(host)]" : host
                StandardError.write("gavel serve: listening on http://\(shown):\(port) (judge \(judge))\n")
            }
            StandardError.write("gavel serve: stopped\n")
        } catch let failure as ServeFailure {
            if case .run(let f) = failure {
                printError(f.description + RankCommand.hint(for: f))
            } else {
                printError(failure.description)
            }
            throw ExitCode(failure.exitStatus.rawValue)
        }
    }
}
